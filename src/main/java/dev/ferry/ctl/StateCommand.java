package dev.ferry.ctl;

import dev.ferry.ctl.CtlException.ApiError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * thread; import checks the whole file first, then runs {@code --parallel} worker threads, each
 * with its own {@link Api}, so at most that many pins are in flight. Exit codes: 0 done, 1 the file
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
  /** The pin type ferry holds; IPFS Cluster's sharding types are not imported. */
  static final String DATA_TYPE = "pin";

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

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8",
        description = "how many pins may be in flight at once (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--progress-every", paramLabel = "N", defaultValue = "1000",
        description = "print progress after every N pins (default: ${DEFAULT-VALUE})")
    int progressEvery;

    /** One pin to send: its line in the file, its CID and its query. */
    record Request(int line, String cid, Map<String, Object> query) {}

    @Override
    public Integer call() {
      PrintWriter out = state.spec.commandLine().getOut();
      PrintWriter err = state.spec.commandLine().getErr();
      try {
        if (parallel < 1 || progressEvery < 1) {
          throw new CtlException("parsing options", "--parallel and --progress-every must be 1 or more");
        }
        Api api = state.connection.api(err);
        Set<String> peers = new HashSet<>();
        api.stream("GET", "/peers", null, peer -> peers.add(((JsonObject) peer).getString("id")));
        List<Request> requests = read(peers);
        return send(requests, out, err);
      } catch (CtlException e) {
        err.println(e.line());
        return e.exitCode();
      } finally {
        out.flush();
        err.flush();
      }
    }

    private List<Request> read(Set<String> peers) throws CtlException {
      List<Request> requests = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String text;
        int line = 0;
        while ((text = reader.readLine()) != null) {
          line++;
          if (text.isBlank()) {
            continue;
          }
          try {
            requests.add(request(line, text.strip(), peers));
          } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            problems.add(file + ":" + line + ": " + e.getMessage());
          }
        }
      } catch (IOException e) {
        throw new CtlException("reading " + file, e.getMessage());
      }
      if (!problems.isEmpty()) {
        throw new CtlException("reading " + file, problems.size() + " malformed line(s), nothing imported:\n  "
            + String.join("\n  ", problems));
      }
      return requests;
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

    private int send(List<Request> requests, PrintWriter out, PrintWriter err) throws CtlException {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger done = new AtomicInteger();
      AtomicBoolean unreachable = new AtomicBoolean();
      List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
      List<ApiError> lost = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < Math.min(parallel, Math.max(1, requests.size())); w++) {
        Api api = state.connection.api(err);
        Thread worker = new Thread(() -> {
          for (int i = next.getAndIncrement(); i < requests.size() && !unreachable.get(); i = next.getAndIncrement()) {
            Request request = requests.get(i);
            try {
              api.call("POST", "/pins/" + request.cid() + Api.query(request.query()));
            } catch (ApiError e) {
              if (e.code() == 0) {
                unreachable.set(true);
                lost.add(e);
                return;
              }
              refused.add(file + ":" + request.line() + " (" + request.cid() + "): " + e.getMessage());
            } catch (CtlException e) {
              refused.add(file + ":" + request.line() + " (" + request.cid() + "): " + e.getMessage());
            }
            int n = done.incrementAndGet();
            if (n % progressEvery == 0) {
              synchronized (out) {
                out.println("imported " + n + " of " + requests.size() + " pins");
                out.flush();
              }
            }
          }
        }, "ferry-state-import-" + w);
        worker.start();
        workers.add(worker);
      }
      for (Thread worker : workers) {
        try {
          worker.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CtlException("importing " + file, "interrupted after " + done.get() + " pins");
        }
      }
      if (!lost.isEmpty()) {
        throw new CtlException("importing " + file, lost.get(0).getMessage() + " (stopped after " + done.get()
            + " of " + requests.size() + " pins; importing again is safe: a pin the cluster holds is pinned again)");
      }
      out.println("imported " + (done.get() - refused.size()) + " of " + requests.size() + " pins from " + file);
      if (!refused.isEmpty()) {
        err.println("error importing " + file + ": " + refused.size() + " pin(s) refused:\n  "
            + String.join("\n  ", refused));
        return 2;
      }
      return 0;
    }
  }
}
