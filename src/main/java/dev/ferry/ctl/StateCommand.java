package dev.ferry.ctl;

import dev.ferry.ctl.CtlException.ApiError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ferry state}: the pinset in and out of a cluster in the format of IPFS Cluster 1.1's
 * {@code ipfs-cluster-service state export}, one {@code api.Pin} JSON object per line, through a
 * node's HTTP API ({@code GET /allocations}, {@code POST /pins/{cid}}), reached with the same
 * options and client as {@code ferry ctl} ({@link ApiOptions}). Export streams on the calling
 * thread; import reads the file twice, a line at a time: first to check every line (nothing is
 * pinned from a file with a malformed one), then the calling thread hands each pin through a
 * bounded queue to {@code --parallel} worker threads, each with its own {@link Api}, so at most
 * that many pins are in flight and neither the file nor the pinset is ever held whole. Exit codes: 0 done, 1 the file
 * or the API could not be used (nothing or not everything imported), 2 some pins were refused.
 * One instance per invocation; filled by picocli.
 */
@Command(name = "state", mixinStandardHelpOptions = true,
    description = {"Export or import the cluster's pinset as IPFS Cluster's `state export` NDJSON, through a node's "
        + "HTTP API at --host (default " + Endpoints.DEFAULT + ")."},
    subcommands = {StateCommand.Export.class, StateCommand.Import.class, StateCleanup.class})
public final class StateCommand {
  @Mixin
  ApiOptions connection;

  @Spec
  CommandSpec spec;

  /** IPFS Cluster's zero time, Go's {@code time.Time{}}: no expiry. */
  static final String NO_EXPIRY = "0001-01-01T00:00:00Z";
  /** How many malformed lines, or refused pins, an import names at most (it counts them all). */
  static final int LISTED = 100;
  /** The pin type ferry holds; IPFS Cluster's sharding types are not imported. */
  static final String DATA_TYPE = "pin";
  /** The route that pins many at once (ferry's; docs/API.md). */
  static final String IMPORT_PATH = "/pins/import";
  static final String NDJSON = "application/x-ndjson";

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write every pin, one IPFS Cluster api.Pin JSON object per line (GET /allocations).")
  static final class Export implements Callable<Integer> {
    @ParentCommand
    StateCommand state;

    @Option(names = "--file", paramLabel = "FILE", description = "write to FILE instead of stdout")
    Path file;

    @Override
    public Integer call() {
      PrintWriter out = state.spec.commandLine().getOut();
      PrintWriter err = state.spec.commandLine().getErr();
      AtomicInteger count = new AtomicInteger();
      try (Writer writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        Writer target = writer != null ? writer : out;
        state.connection.api(err).stream("GET", "/allocations", null, pin -> {
          try {
            target.write(Json.encode(pin));
            target.write('\n');
          } catch (IOException e) {
            throw new CtlException("writing the export", e.getMessage());
          }
          count.incrementAndGet();
        });
        target.flush();
        if (file != null) {
          out.println("exported " + count.get() + " pins to " + file);
        }
        return 0;
      } catch (CtlException e) {
        err.println(e.line() + (count.get() > 0 ? " (after " + count.get() + " pins; the export is incomplete)" : ""));
        return e.exitCode();
      } catch (IOException e) {
        err.println("error writing the export: " + e.getMessage());
        return CtlException.FAILURE_EXIT;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Pin every pin of an export (ferry's or IPFS Cluster 1.1's) through POST /pins/{cid}, with its "
          + "name, mode, replication, expiry, metadata and origins. Its allocations are kept where they name a node of "
          + "this cluster and dropped otherwise. --rmin, --rmax and --allocations, when given, replace each pin's own. The "
          + "whole file is checked before anything is pinned."})
  static final class Import implements Callable<Integer> {
    @ParentCommand
    StateCommand state;

    @Parameters(paramLabel = "FILE", description = "the export, one JSON pin per line")
    Path file;

    /** Given, they replace each pin's own replication and allocations (peer IDs or node names). */
    @Mixin
    PlacementOptions placement = new PlacementOptions();

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
        description = "how many batches may be in flight at once (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1000",
        description = "pins per request (POST /pins/import; the node takes at most api.max_import_bytes of them) "
            + "(default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--progress-every", paramLabel = "N", defaultValue = "1000",
        description = "print progress after every N pins (default: ${DEFAULT-VALUE})")
    int progressEvery;

    /** One pin to send: its line in the file, its CID and its query. */
    record Request(int line, String cid, Map<String, Object> query) {}

    @Override
    public Integer call() {
      PrintWriter out = state.spec.commandLine().getOut();
      PrintWriter err = state.spec.commandLine().getErr();
      return CtlAction.reported(out, err, () -> {
        if (parallel < 1 || batch < 1 || progressEvery < 1) {
          throw new CtlException("parsing options", "--parallel, --batch and --progress-every must be 1 or more");
        }
        Api api = state.connection.api(err);
        Set<String> peers = new HashSet<>();
        api.stream("GET", "/peers", null, peer -> peers.add(((JsonObject) peer).getString("id")));
        int total = check(peers);
        return send(total, peers, out, err);
      });
    }

    /** What {@link #lines} does with each non-blank line: its number and its text, stripped. */
    private interface Line {
      void accept(int number, String text) throws CtlException;
    }

    /** Reads the file a line at a time (never whole), giving each non-blank line to {@code each}. */
    private void lines(Line each) throws CtlException {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String text;
        int line = 0;
        while ((text = reader.readLine()) != null) {
          line++;
          if (!text.isBlank()) {
            each.accept(line, text.strip());
          }
        }
      } catch (IOException e) {
        throw new CtlException("reading " + file, e.getMessage());
      }
    }

    /**
     * The first pass: every line checked and let go, so nothing is pinned from a file with a
     * malformed line; the number of pins. At most {@value #LISTED} problems are kept to be named.
     */
    private int check(Set<String> peers) throws CtlException {
      List<String> problems = new ArrayList<>();
      AtomicInteger malformed = new AtomicInteger();
      AtomicInteger pins = new AtomicInteger();
      lines((line, text) -> {
        try {
          request(line, text, peers);
          pins.incrementAndGet();
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
          if (malformed.getAndIncrement() < LISTED) {
            problems.add(file + ":" + line + ": " + e.getMessage());
          }
        }
      });
      if (malformed.get() > 0) {
        throw new CtlException("reading " + file, malformed.get() + " malformed line(s), nothing imported:\n  "
            + String.join("\n  ", problems) + more(malformed.get()));
      }
      return pins.get();
    }

    /** "  ... and N more" when more than {@value #LISTED} were found, else nothing. */
    private static String more(int found) {
      return found > LISTED ? "\n  ... and " + (found - LISTED) + " more" : "";
    }

    /** The request that pins one line's pin; an IllegalArgumentException names what is wrong with it. */
    private Request request(int line, String text, Set<String> peers) {
      if (!text.startsWith("{")) {
        throw new IllegalArgumentException("not a JSON object (an api.Pin per line, as `state export` writes)");
      }
      JsonObject pin = new JsonObject(text);
      if (!(pin.getValue("cid") instanceof String cid) || cid.isEmpty()) {
        throw new IllegalArgumentException("no \"cid\" string");
      }
      Object type = pin.getValue("type", DATA_TYPE);
      if (!DATA_TYPE.equals(type)) {
        throw new IllegalArgumentException("type " + Json.encode(type) + ": ferry does not shard and imports only "
            + "pins of type \"pin\" (IPFS Cluster 1.x's export)");
      }
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("name", pin.getString("name"));
      query.put("mode", pin.getString("mode"));
      query.put("replication-min", placement.min != null ? placement.min : pin.getInteger("replication_factor_min"));
      query.put("replication-max", placement.max != null ? placement.max : pin.getInteger("replication_factor_max"));
      String expireAt = pin.getString("expire_at");
      if (expireAt != null && !expireAt.isEmpty() && !NO_EXPIRY.equals(expireAt)) {
        query.put("expire-at", expireAt);
      }
      if (placement.allocations != null) {
        query.put("user-allocations", placement.allocations);
      } else if (pin.getJsonArray("allocations") != null) {
        List<String> known = new ArrayList<>();
        for (Object peer : pin.getJsonArray("allocations")) {
          if (peers.contains(peer)) {
            known.add((String) peer);
          }
        }
        query.put("user-allocations", known.isEmpty() ? null : String.join(",", known));
      }
      JsonObject metadata = pin.getJsonObject("metadata");
      if (metadata != null) {
        metadata.forEach(entry -> query.put("meta-" + entry.getKey(), String.valueOf(entry.getValue())));
      }
      if (pin.getJsonArray("origins") != null && !pin.getJsonArray("origins").isEmpty()) {
        List<String> origins = new ArrayList<>();
        pin.getJsonArray("origins").forEach(origin -> origins.add(String.valueOf(origin)));
        query.put("origins", String.join(",", origins));
      }
      return new Request(line, cid, query);
    }

    /**
     * The second pass: the calling thread reads the file again a line at a time, gathers
     * {@code --batch} pins into one {@code POST /pins/import} body and hands it to the workers
     * through a queue of {@code --parallel} batches, so at most {@code 2 × --parallel} batches are
     * held or in flight, whatever the file's size.
     */
    private int send(int total, Set<String> peers, PrintWriter out, PrintWriter err) throws CtlException {
      AtomicInteger done = new AtomicInteger();
      AtomicInteger refusals = new AtomicInteger();
      AtomicBoolean unreachable = new AtomicBoolean();
      List<String> refused = Collections.synchronizedList(new ArrayList<>());
      List<ApiError> lost = Collections.synchronizedList(new ArrayList<>());
      BlockingQueue<List<Request>> queue = new ArrayBlockingQueue<>(parallel);
      List<Request> end = List.of();
      List<Thread> workers = new ArrayList<>();
      int count = Math.min(parallel, Math.max(1, (total + batch - 1) / batch));
      for (int w = 0; w < count; w++) {
        Api api = state.connection.api(err);
        Thread worker = new Thread(() -> {
          try {
            for (List<Request> requests = queue.take(); requests != end; requests = queue.take()) {
              if (unreachable.get()) {
                continue;   // drain what the reader put before it saw the failure
              }
              try {
                JsonObject answer = (JsonObject) api.call("POST", IMPORT_PATH, body(requests));
                for (Object item : answer.getJsonArray("refused")) {
                  JsonObject refusal = (JsonObject) item;
                  refuse(refused, refusals, requests.get(refusal.getInteger("at")),
                      new CtlException("pinning", refusal.getString("message")));
                }
              } catch (ApiError e) {
                if (e.code() == 0) {
                  unreachable.set(true);
                  lost.add(e);
                  continue;
                }
                requests.forEach(request -> refuse(refused, refusals, request, e));
              } catch (CtlException e) {
                requests.forEach(request -> refuse(refused, refusals, request, e));
              } catch (RuntimeException e) {
                // an answer the client could not read: these pins are refused, the worker takes the next batch
                requests.forEach(request -> refuse(refused, refusals, request,
                    new CtlException("pinning", String.valueOf(e))));
              }
              int n = done.addAndGet(requests.size());
              if (n / progressEvery > (n - requests.size()) / progressEvery) {
                synchronized (out) {
                  out.println("imported " + n + " of " + total + " pins");
                  out.flush();
                }
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "ferry-state-import-" + w);
        worker.start();
        workers.add(worker);
      }
      try {
        try {
          List<List<Request>> gathering = new ArrayList<>(List.of(new ArrayList<>(batch)));
          lines((line, text) -> {
            if (unreachable.get()) {
              return;
            }
            Request request;
            try {
              request = request(line, text, peers);
            } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
              // the file changed since it was checked: this line is refused, the others go on
              refuse(refused, refusals, new Request(line, "?", Map.of()), new CtlException("reading", e.getMessage()));
              return;
            }
            gathering.get(0).add(request);
            if (gathering.get(0).size() == batch) {
              put(queue, gathering.get(0));
              gathering.set(0, new ArrayList<>(batch));
            }
          });
          if (!gathering.get(0).isEmpty() && !unreachable.get()) {
            put(queue, gathering.get(0));
          }
        } finally {
          for (int w = 0; w < count; w++) {
            put(queue, end);
          }
        }
        for (Thread worker : workers) {
          worker.join();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        workers.forEach(Thread::interrupt);
        throw new CtlException("importing " + file, "interrupted after " + done.get() + " pins");
      }
      if (!lost.isEmpty()) {
        throw new CtlException("importing " + file, lost.get(0).getMessage() + " (stopped after " + done.get()
            + " of " + total + " pins; importing again is safe: a pin the cluster holds is pinned again)");
      }
      out.println("imported " + (done.get() - refusals.get()) + " of " + total + " pins from " + file);
      if (refusals.get() > 0) {
        err.println("error importing " + file + ": " + refusals.get() + " pin(s) refused:\n  "
            + String.join("\n  ", refused) + more(refusals.get()));
        return 2;
      }
      return 0;
    }

    /**
     * A {@code POST /pins/import} body: one JSON object per pin, its CID and the query parameters
     * {@code POST /pins/{cid}} would take, as fields (docs/API.md).
     */
    private static Api.Body body(List<Request> requests) {
      StringBuilder text = new StringBuilder();
      for (Request request : requests) {
        JsonObject line = new JsonObject().put("cid", request.cid());
        request.query().forEach((key, value) -> {
          if (value != null) {
            line.put(key, value);
          }
        });
        text.append(line.encode()).append('\n');
      }
      return new Api.Body(NDJSON, HttpRequest.BodyPublishers.ofString(text.toString(),
          StandardCharsets.UTF_8));
    }

    /** Counts a refused pin; names it if fewer than {@value #LISTED} were named before. */
    private void refuse(List<String> refused, AtomicInteger refusals, Request request, CtlException e) {
      if (refusals.getAndIncrement() < LISTED) {
        refused.add(file + ":" + request.line() + " (" + request.cid() + "): " + e.getMessage());
      }
    }

    /** Waits until the workers have room for {@code requests}. */
    private void put(BlockingQueue<List<Request>> queue, List<Request> requests) throws CtlException {
      try {
        queue.put(requests);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CtlException("importing " + file, "interrupted");
      }
    }
  }
}
