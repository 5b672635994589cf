package dev.ferry.pin;

import static java.util.stream.Collectors.joining;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.DiscardingDaemon;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;


/**
 * Pin ingest over the HTTP API ({@code POST /pins/{cid}?replication=2}) on three node processes of
 * the fat jar, each with a stand-in IPFS daemon in this JVM that answers {@code pin/add},
 * {@code pin/rm} and {@code pin/ls} at once ({@link DiscardingDaemon}), so the figures are ferry's
 * own cost. After a warm-up of the same calls (its pins removed again), the floor is measured, a
 * Raft write over the same HTTP API ({@code PUT /kv/{key}}) at each concurrency; then a window of
 * pins at each concurrency ({@code bench.inflight}) while the pinset is empty, and again after it
 * has been filled (unmeasured, at the highest concurrency) to each of {@code bench.pins.marks};
 * the streamed listings of the whole pinset when it first reaches the first mark; the heap each
 * pin costs a node (node 3's used heap after a full GC, after the floor's writes and at the end,
 * through {@code jcmd}, with its class histograms then and what grew per pin);
 * and how long node 3, stopped and started again, takes until it answers {@code GET /pins/{cid}}.
 *
 * <p>{@link #listingsOfTheWholePinset} measures the two listings alone, several times each.
 *
 * <p>{@link #realDaemons} pins content held by three real js-ipfs daemons instead, once, to give
 * the ingest rate with real daemons behind the trackers.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=PinBench}; {@code -Dbench.pins.window=10000},
 * {@code -Dbench.pins.marks=100000,1000000}, {@code -Dbench.inflight=64,256},
 * {@code -Dbench.real.pins=1000}, {@code -Dbench.listings.runs=5} change the sizes, {@code -Dbench.listings.fill=import}
 * fills the listings' pinset with {@code POST /pins/import} (faster; the listings read the same pinset),
 * {@code -Dbench.listings.paths=/pins} times that listing alone, {@code -Dbench.listings.jfr=DIR} records
 * each node during the listings ({@code DIR/node<i>.jfr}, JFR's profile settings), {@code -Dbench.raft.snapshot_every=N},
 * {@code -Dbench.pins.marks=none} measures only the floor and the windows on the empty pinset,
 * {@code -Dbench.pins.jfr=DIR} records each node during those ({@code DIR/node<i>.jfr}),
 * {@code -Dbench.raft.snapshot_every_ops=N} and {@code -Dbench.raft.snapshot_every_bytes=N} the nodes'
 * {@code raft.*} settings of those names, {@code -Dferry.node.heap=2g} the nodes' heap
 * (a million pins need more than the harness's 256 MB), {@code -Dferry.node.gc=G1} their collector
 * (the serial one by default, as in tests; G1 is what {@code bin/ferry} gets), {@code -Dtest=PinBench#ingest...} picks
 * one of them. The tables are printed and written to {@code target/bench/PinBench*.md}.
 */
@Timeout(7200)
class PinBench {
  private static final int WINDOW = Integer.getInteger("bench.pins.window", 10_000);
  /** {@code -Dbench.pins.marks=none}: only the floor and the windows on the empty pinset (no listings, heap or restart). */
  private static final List<Integer> MARKS = "none".equals(System.getProperty("bench.pins.marks"))
      ? List.of() : ints(System.getProperty("bench.pins.marks", "100000"));
  private static final List<Integer> IN_FLIGHT = ints(System.getProperty("bench.inflight", "64,256"));
  private static final int MOST_IN_FLIGHT = IN_FLIGHT.stream().mapToInt(Integer::intValue).max().orElseThrow();
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 5_000);
  private static final int REAL_PINS = Integer.getInteger("bench.real.pins", 1_000);
  private static final int LISTING_RUNS = Integer.getInteger("bench.listings.runs", 5);
  /** Whether the listings' pinset is filled with {@code POST /pins/import} (a minute less) rather than a pin per request. */
  private static final boolean FILL_BY_IMPORT = "import".equals(System.getProperty("bench.listings.fill"));
  /** Where each node's flight recording of the listings goes ({@code node<i>.jfr}); null: none recorded. */
  private static final String LISTING_JFR = System.getProperty("bench.listings.jfr");
  /** Where each node's flight recording of the floor and the first windows goes ({@code node<i>.jfr}); null: none. */
  private static final String INGEST_JFR = System.getProperty("bench.pins.jfr");
  /** The listings timed, in turn: {@code -Dbench.listings.paths=/pins} times {@code GET /pins} alone. */
  private static final List<String> LISTING_PATHS = List.of(System.getProperty("bench.listings.paths",
      "/allocations,/pins").split(","));
  /** Pins per {@code POST /pins/import} request: about 80 bytes a line, well under {@code api.max_import_bytes}. */
  private static final int IMPORT_CHUNK = 10_000;
  private static final Duration FORM = Duration.ofSeconds(120);
  private static final Duration RESTART = Duration.ofMinutes(5);
  private static final String HOST = "127.0.0.1";
  /** The node whose heap is measured and which is restarted. */
  private static final int MEASURED = 3;

  private final List<String> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  @Test
  void ingestStaysFlatAsThePinsetGrows() throws Exception {
    DiscardingDaemon[] daemons = {null, new DiscardingDaemon(), new DiscardingDaemon(), new DiscardingDaemon()};
    Vertx vertx = Vertx.vertx();
    // the client's pool may hold MOST_IN_FLIGHT connections to one node; the listings and the
    // restart's checks open more, which api.max_connections_per_address (256) would refuse
    try (ProcessCluster cluster = TestCluster.processes(3, i -> withRaftSettings(new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemons[i].api().toString()))
        .put("api", new JsonObject().put("max_connections_per_address", MOST_IN_FLIGHT + 64))))) {
      int[] ports = {cluster.apiPort(1), cluster.apiPort(2), cluster.apiPort(3)};
      WebClient client = WebClient.create(vertx, new WebClientOptions(),
          new PoolOptions().setHttp1MaxSize(MOST_IN_FLIGHT));
      awaitPinsetWrites(ports);
      double emptyRestart = MARKS.isEmpty() ? Double.NaN : restart(cluster, ports[MEASURED - 1], cid(-1), false);

      // warm-up: the same paths, so the first measured window is not the JIT's cold start; the
      // warm-up's pins are removed again, so the pinset starts empty
      run(vertx, MOST_IN_FLIGHT, WARM_UP, n -> kvPut(client, ports, n));
      run(vertx, MOST_IN_FLIGHT, WARM_UP, n -> client.request(HttpMethod.POST, ports[n % 3], HOST, "/pins/"
          + cid(-2 - n) + "?replication=2").send().compose(PinBench::ok));
      run(vertx, MOST_IN_FLIGHT, WARM_UP, n -> client.request(HttpMethod.DELETE, ports[n % 3], HOST, "/pins/"
          + cid(-2 - n)).send().compose(PinBench::ok));
      awaitTrackersIdle(ports);
      Map<Integer, Load> floors = new TreeMap<>();
      if (INGEST_JFR != null) {
        for (int i = 1; i <= 3; i++) {
          jcmd(cluster.process(i).pid(), "JFR.start name=ingest settings=profile");
        }
      }
      for (int inFlight : IN_FLIGHT) {
        floors.put(inFlight, run(vertx, inFlight, WINDOW, n -> kvPut(client, ports, n)));
        row("Raft write over HTTP (`PUT /kv`), the floor", inFlight, floors.get(inFlight), floors.get(inFlight));
      }
      // after the floor's writes, which the kv group keeps: they are not the pins' heap
      long heapBefore = usedHeapAfterGc(cluster.process(MEASURED).pid());
      String classesBefore = jcmd(cluster.process(MEASURED).pid(), "GC.class_histogram");
      int pinned = 0;
      Map<Integer, Load> firsts = new TreeMap<>();
      Map<Integer, Load> lasts = new TreeMap<>();
      List<Integer> marks = new ArrayList<>(List.of(0));
      marks.addAll(MARKS);
      for (int mark : marks) {
        int from = pinned;
        if (mark > pinned) {
          run(vertx, MOST_IN_FLIGHT, mark - pinned, n -> pin(client, ports, from + n));
          pinned = mark;
          System.out.printf(Locale.ROOT, "filled to %,d pins%n", pinned);
        }
        if (!MARKS.isEmpty() && mark == MARKS.get(0)) {
          listings(ports, pinned);
        }
        for (int inFlight : IN_FLIGHT) {
          int first = pinned;
          Load window = run(vertx, inFlight, WINDOW, n -> pin(client, ports, first + n));
          pinned += WINDOW;
          row(String.format(Locale.ROOT, "pins %,d–%,d", first + 1, pinned), inFlight, window, floors.get(inFlight));
          (mark == 0 ? firsts : lasts).put(inFlight, window);
        }
        if (mark == 0 && INGEST_JFR != null) {
          Files.createDirectories(Path.of(INGEST_JFR));
          for (int i = 1; i <= 3; i++) {
            jcmd(cluster.process(i).pid(), "JFR.stop name=ingest filename="
                + Path.of(INGEST_JFR, "node" + i + ".jfr").toAbsolutePath());
          }
        }
      }
      if (!MARKS.isEmpty()) {
        afterTheMarks(cluster, ports, pinned, firsts, lasts, heapBefore, classesBefore, emptyRestart);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (int i = 1; i <= 3; i++) {
        daemons[i].close();
      }
    }
    report("PinBench.md", "stand-in daemons that answer at once, raft "
        + (raftSettings().isEmpty() ? "settings as in conf/node.json" : raftSettings().encode()) + ", warm-up " + WARM_UP
        + " Raft writes, pins and unpins; fills between marks at " + MOST_IN_FLIGHT + " in flight");
  }

  /**
   * The notes of a run with marks: the rate at the last mark against the first window's, node
   * {@value #MEASURED}'s heap per pin and the classes that grew, the snapshots, and its restart.
   */
  private void afterTheMarks(ProcessCluster cluster, int[] ports, int pinned, Map<Integer, Load> firsts,
      Map<Integer, Load> lasts, long heapBefore, String classesBefore, double emptyRestart)
      throws IOException, InterruptedException {
    for (int inFlight : IN_FLIGHT) {
      notes.add(String.format(Locale.ROOT, "rate at %,d pins ÷ rate of the first pins, %d in flight: **%.2f**",
          MARKS.get(MARKS.size() - 1), inFlight, lasts.get(inFlight).perSecond() / firsts.get(inFlight).perSecond()));
    }

    long heapAfter = usedHeapAfterGc(cluster.process(MEASURED).pid());
    notes.add(String.format(Locale.ROOT, "heap of node %d after a full GC: %,d MB before the pins, %,d MB with %,d "
        + "pins: **%.0f bytes per pin** (its replica, its tracker's mirror and statuses, Raft's log and snapshot)",
        MEASURED, heapBefore >> 20, heapAfter >> 20, pinned, (heapAfter - heapBefore) / (double) pinned));

    Path histogram = Path.of("target", "bench", "PinBench-heap.txt");
    Files.createDirectories(histogram.getParent());
    String classesAfter = jcmd(cluster.process(MEASURED).pid(), "GC.class_histogram");
    Files.writeString(histogram, classesAfter);
    Files.writeString(Path.of("target", "bench", "PinBench-heap-before.txt"), classesBefore);
    Path growth = Path.of("target", "bench", "PinBench-heap-growth.md");
    Files.writeString(growth, classGrowth(classesBefore, classesAfter, pinned));
    notes.add("node " + MEASURED + "'s classes by heap then: `" + histogram + "` (before the pins: `"
        + "PinBench-heap-before.txt`; what grew, per pin: `" + growth + "`)");

    notes.add(snapshots(ports));
    notes.add(String.format(Locale.ROOT, "node %d stopped (SIGTERM) and started again with %,d pins: serves "
        + "`GET /pins/{cid}` **%.1f s** after its process was started (with no pins, before the warm-up: %.1f s)",
        MEASURED, pinned, restart(cluster, ports[MEASURED - 1], cid(pinned - 1), true), emptyRestart));
    notes.add(String.format(Locale.ROOT, "ops of the `pins` group node %d applied by then (the log it replayed "
        + "after its snapshot, `ferry_raft_applied_ops_total`): %,.0f", MEASURED,
        appliedOps(ports[MEASURED - 1], "pins")));
  }

  /**
   * The streamed listings alone: the pinset filled to the first of {@code bench.pins.marks} (at the
   * highest concurrency, after the same warm-up of pins), then {@code GET /allocations} and
   * {@code GET /pins} of it read {@code bench.listings.runs} times each on node 2, with their medians.
   */
  @Test
  void listingsOfTheWholePinset() throws Exception {
    DiscardingDaemon[] daemons = {null, new DiscardingDaemon(), new DiscardingDaemon(), new DiscardingDaemon()};
    Vertx vertx = Vertx.vertx();
    try (ProcessCluster cluster = TestCluster.processes(3, i -> withRaftSettings(new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemons[i].api().toString()))))) {
      int[] ports = {cluster.apiPort(1), cluster.apiPort(2), cluster.apiPort(3)};
      WebClient client = WebClient.create(vertx, new WebClientOptions(),
          new PoolOptions().setHttp1MaxSize(MOST_IN_FLIGHT));
      awaitPinsetWrites(ports);
      run(vertx, MOST_IN_FLIGHT, WARM_UP, n -> client.request(HttpMethod.POST, ports[n % 3], HOST, "/pins/"
          + cid(-2 - n) + "?replication=2").send().compose(PinBench::ok));
      run(vertx, MOST_IN_FLIGHT, WARM_UP, n -> client.request(HttpMethod.DELETE, ports[n % 3], HOST, "/pins/"
          + cid(-2 - n)).send().compose(PinBench::ok));
      int pinned = MARKS.get(0);
      if (FILL_BY_IMPORT) {
        importPins(ports, pinned);
      } else {
        run(vertx, MOST_IN_FLIGHT, pinned, n -> pin(client, ports, n));
      }
      // the pool's connections closed: up to api.max_connections_per_address of them would leave a
      // listing's own connection refused, and the listings are timed alone
      client.close();
      Map<String, List<Stream>> runs = new TreeMap<>();
      if (LISTING_JFR != null) {
        for (int i = 1; i <= 3; i++) {
          jcmd(cluster.process(i).pid(), "JFR.start name=listings settings=profile");
        }
      }
      for (int i = 0; i < LISTING_RUNS; i++) {
        for (String path : LISTING_PATHS) {
          Stream one = stream(ports[1], path);
          runs.computeIfAbsent(path, p -> new ArrayList<>()).add(one);
          System.out.printf(Locale.ROOT, "GET %s of %,d pins: %,d lines, first %.0f ms, all %.0f ms%n", path, pinned,
              one.lines(), one.firstMillis(), one.allMillis());
        }
      }
      if (LISTING_JFR != null) {
        Files.createDirectories(Path.of(LISTING_JFR));
        for (int i = 1; i <= 3; i++) {
          jcmd(cluster.process(i).pid(), "JFR.dump name=listings filename="
              + Path.of(LISTING_JFR, "node" + i + ".jfr").toAbsolutePath());
        }
      }
      // the dashboard's paged pin list (issue 18: it must stay fast at 100,000 pins): its first page,
      // a page in the middle, and a search that matches nothing (the longest a search page may scan)
      for (int i = 0; i < LISTING_RUNS; i++) {
        for (String path : List.of("/dashboard/pins?limit=50", "/dashboard/pins?limit=50&after=" + cid(pinned / 2),
            "/dashboard/pins?limit=50&q=no-such-name")) {
          runs.computeIfAbsent(path, p -> new ArrayList<>()).add(stream(ports[1], path));
        }
      }
      runs.forEach((path, each) -> notes.add(String.format(Locale.ROOT, "`GET %s` of %,d pins, %d runs: first line "
          + "%s ms (median **%.0f ms**), all %s ms (median **%.0f ms**), lines %s", path, MARKS.get(0), each.size(),
          each.stream().map(s -> String.format(Locale.ROOT, "%.0f", s.firstMillis())).collect(joining(", ")),
          median(each.stream().mapToDouble(Stream::firstMillis).toArray()),
          each.stream().map(s -> String.format(Locale.ROOT, "%.0f", s.allMillis())).collect(joining(", ")),
          median(each.stream().mapToDouble(Stream::allMillis).toArray()),
          each.stream().map(s -> String.valueOf(s.lines())).distinct().collect(joining(", ")))));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (int i = 1; i <= 3; i++) {
        daemons[i].close();
      }
    }
    report("PinBench-listings.md", "stand-in daemons that answer at once, filled at " + MOST_IN_FLIGHT
        + " in flight after a warm-up of " + WARM_UP + " pins and unpins");
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /**
   * The same ingest with a real js-ipfs daemon behind each node (content added to all three
   * first, unpinned, so a pin has nothing to fetch): the rate of {@code bench.real.pins} pins at
   * each concurrency, while the trackers pin on the daemons.
   */
  @Test
  void realDaemons(@TempDir Path dir) throws Exception {
    IpfsDaemon[] daemons = new IpfsDaemon[4];
    Vertx vertx = Vertx.vertx();
    try {
      for (int i = 1; i <= 3; i++) {
        daemons[i] = IpfsDaemon.start(dir.resolve("ipfs" + i));
      }
      int count = REAL_PINS * IN_FLIGHT.size();
      List<byte[]> contents = IntStream.range(0, count)
          .mapToObj(n -> ("pin-bench " + n + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8)).toList();
      List<String> cids = daemons[1].addUnpinned(contents);
      daemons[2].addUnpinned(contents);
      daemons[3].addUnpinned(contents);
      try (ProcessCluster cluster = TestCluster.processes(3, i -> new JsonObject()
          .put("ipfs", new JsonObject().put("api", daemons[i].api().toString())))) {
        int[] ports = {cluster.apiPort(1), cluster.apiPort(2), cluster.apiPort(3)};
        WebClient client = WebClient.create(vertx, new WebClientOptions(),
            new PoolOptions().setHttp1MaxSize(MOST_IN_FLIGHT));
        awaitPinsetWrites(ports);
        int pinned = 0;
        for (int inFlight : IN_FLIGHT) {
          int first = pinned;
          Load window = run(vertx, inFlight, REAL_PINS, n -> client.request(HttpMethod.POST, ports[n % 3], HOST,
              "/pins/" + cids.get(first + n) + "?replication=2").send().compose(PinBench::ok));
          pinned += REAL_PINS;
          row(String.format(Locale.ROOT, "pins %,d–%,d, js-ipfs daemons", first + 1, pinned), inFlight, window, window);
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (IpfsDaemon daemon : daemons) {
        if (daemon != null) {
          daemon.close();
        }
      }
    }
    report("PinBench-js-ipfs.md", "real js-ipfs daemons (content added to each first), no warm-up; ÷ floor is 1");
  }

  /** {@code settings} with the {@code raft} settings given as {@code bench.raft.*} properties. */
  private static JsonObject withRaftSettings(JsonObject settings) {
    return raftSettings().isEmpty() ? settings : settings.put("raft", raftSettings());
  }

  /** {@code raft.snapshot_every}, {@code …_ops} and {@code …_bytes} from the {@code bench.raft.*} of those names. */
  private static JsonObject raftSettings() {
    JsonObject raft = new JsonObject();
    for (String key : List.of("snapshot_every", "snapshot_every_ops", "snapshot_every_bytes")) {
      Long value = Long.getLong("bench.raft." + key);
      if (value != null) {
        raft.put(key, value);
      }
    }
    return raft;
  }

  /** {@code ferry_raft_applied_ops_total} of {@code group} on the node whose API is at {@code port}. */
  private static double appliedOps(int port, String group) {
    return raftMetric(Http.get(port, "/metrics").body(), "ferry_raft_applied_ops_total", group);
  }

  /** A Raft group's series {@code name} in a node's Prometheus text; NaN when it has none. */
  private static double raftMetric(String metrics, String name, String group) {
    Matcher m = Pattern.compile("^" + name + "\\{[^}]*group=\"" + group + "\"[^}]*} (\\S+)$", Pattern.MULTILINE)
        .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /** How each node's {@code pins} group snapshotted: how often, the longest capture (Raft executor) and making (worker). */
  private static String snapshots(int[] ports) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) {
      String metrics = Http.get(ports[i], "/metrics").body();
      nodes.add(String.format(Locale.ROOT, "node %d %.0f snapshots, capture at most %.1f ms, making at most %.2f s",
          i + 1, raftMetric(metrics, "ferry_raft_snapshot_capture_seconds_count", "pins"),
          raftMetric(metrics, "ferry_raft_snapshot_capture_seconds_max", "pins") * 1000,
          raftMetric(metrics, "ferry_raft_snapshot_make_seconds_max", "pins")));
    }
    return "snapshots of the `pins` group (`ferry_raft_snapshot_*`; the maxima are of the last minutes): "
        + String.join("; ", nodes);
  }

  /**
   * Stops node {@code i} (SIGTERM), starts it again and waits until {@code GET /pins/{cid}} on it
   * answers 200, with the pin's allocations if {@code pinned} (a CID outside the node's replica is
   * answered too, as in IPFS Cluster: "unpinned" everywhere, no allocations); the seconds from its
   * start.
   */
  private static double restart(ProcessCluster cluster, int port, String cid, boolean pinned) {
    cluster.stop(MEASURED);
    long restarting = System.nanoTime();
    cluster.restart(MEASURED);
    Eventually.await("node " + MEASURED + " to serve GET /pins/{cid} again", RESTART, () -> {
      try {
        HttpResponse<String> answer = Http.get(port, "/pins/" + cid);
        return answer.statusCode() == 200
            && (!pinned || !new JsonObject(answer.body()).getJsonArray("allocations", new JsonArray()).isEmpty());
      } catch (RuntimeException e) {
        return false;   // not listening yet
      }
    });
    return (System.nanoTime() - restarting) / 1e9;
  }

  /**
   * Pins {@code 0} to {@code count - 1} ({@link #cid}, replication 2) with {@code POST /pins/import},
   * {@value #IMPORT_CHUNK} a request on the nodes in turn, then waits until the nodes' trackers report
   * every copy {@code pinned} (as after a fill a pin at a time, where they keep up), so a listing
   * reads settled statuses.
   */
  private static void importPins(int[] ports, int count) {
    for (int from = 0; from < count; from += IMPORT_CHUNK) {
      StringBuilder body = new StringBuilder();
      for (int n = from; n < Math.min(count, from + IMPORT_CHUNK); n++) {
        body.append("{\"cid\":\"").append(cid(n)).append("\",\"replication\":2}\n");
      }
      HttpResponse<String> imported = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + ports[from / IMPORT_CHUNK % 3] + "/pins/import")).POST(HttpRequest.BodyPublishers.ofString(body.toString())));
      if (imported.statusCode() != 200 || !new JsonObject(imported.body()).getJsonArray("refused").isEmpty()) {
        throw new IllegalStateException("import of pins " + from + "..: " + imported.statusCode() + " "
            + imported.body());
      }
    }
    Eventually.await("every copy of " + count + " pins pinned", Duration.ofMinutes(10), () ->
        Arrays.stream(ports).mapToLong(port -> pinnedOn(port)).sum() >= 2L * count);
  }

  /** The pins node at {@code port} reports {@code pinned} ({@code ferry_pins{status="pinned"}} in {@code GET /metrics}). */
  private static long pinnedOn(int port) {
    Matcher m = PINNED_SERIES.matcher(Http.get(port, "/metrics").body());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }

  /**
   * Until no node's tracker has a pin or unpin queued or running: the warm-up leaves its daemon calls
   * (two per pin and per unpin) behind it, and the floor measured while they run would measure them too.
   */
  private static void awaitTrackersIdle(int[] ports) {
    Eventually.await("the trackers to finish the warm-up's pins and unpins", Duration.ofMinutes(5), () ->
        Arrays.stream(ports).allMatch(port -> {
          Matcher m = TRACKER_WORK.matcher(Http.get(port, "/metrics").body());
          double work = 0;
          while (m.find()) {
            work += Double.parseDouble(m.group(1));
          }
          return work == 0;
        }));
  }

  /** A tracker's queued and running pins and unpins ({@code ferry_pin_queue}, {@code ferry_pin_running}). */
  private static final Pattern TRACKER_WORK = Pattern.compile("^ferry_pin_(?:queue|running)(?:\\{[^}]*})? (\\S+)$",
      Pattern.MULTILINE);

  private static final Pattern PINNED_SERIES = Pattern.compile("^ferry_pins\\{status=\"pinned\",?\\} (\\S+)$",
      Pattern.MULTILINE);

  /** The streamed listings of the whole pinset of {@code pinned} pins, on node 2. */
  private void listings(int[] ports, int pinned) throws IOException, InterruptedException {
    Stream allocations = stream(ports[1], "/allocations");
    Stream statuses = stream(ports[1], "/pins");
    notes.add(String.format(Locale.ROOT, "`GET /allocations` of %,d pins: %,d lines, first after **%.0f ms**, all "
        + "after **%.0f ms**", pinned, allocations.lines(), allocations.firstMillis(), allocations.allMillis()));
    notes.add(String.format(Locale.ROOT, "`GET /pins` of %,d pins: %,d lines, first after **%.0f ms**, all after "
        + "**%.0f ms**", pinned, statuses.lines(), statuses.firstMillis(), statuses.allMillis()));
    System.out.println(notes.get(notes.size() - 2) + "\n" + notes.get(notes.size() - 1));
  }

  /** The heap a node process uses after a full GC ({@code jcmd GC.run}, then the generations' used sizes). */
  private static long usedHeapAfterGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    long used = 0;
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = USED.matcher(info);
    while (m.find()) {
      used += Long.parseLong(m.group(1)) << 10;
    }
    if (used == 0) {
      throw new IOException("no used heap in GC.heap_info of " + pid + " (a collector PinBench does not read?): " + info);
    }
    return used;
  }

  /** A class's line of {@code GC.class_histogram}: "   1:   946698   74882256  [B (java.base@17.0.15)". */
  private static final Pattern CLASS_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)",
      Pattern.MULTILINE);

  /**
   * The classes whose instances grew most between two class histograms, as a Markdown table of
   * bytes and instances per pin (the 40 largest growths), so what each pin costs a node can be
   * read off without a heap dump.
   */
  private static String classGrowth(String before, String after, int pins) {
    Map<String, long[]> grown = new TreeMap<>();
    for (Matcher m = CLASS_LINE.matcher(after); m.find(); ) {
      grown.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
    }
    for (Matcher m = CLASS_LINE.matcher(before); m.find(); ) {
      long[] counts = grown.computeIfAbsent(m.group(3), k -> new long[2]);
      counts[0] -= Long.parseLong(m.group(1));
      counts[1] -= Long.parseLong(m.group(2));
    }
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
        "| class | bytes per pin | instances per pin |%n|---|---:|---:|%n"));
    grown.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(40)
        .forEach(e -> table.append(String.format(Locale.ROOT, "| `%s` | %.1f | %.3f |%n", e.getKey(),
            e.getValue()[1] / (double) pins, e.getValue()[0] / (double) pins)));
    long total = grown.values().stream().mapToLong(counts -> counts[1]).sum();
    return table.append(String.format(Locale.ROOT, "%nall classes: %.1f bytes per pin (%,d pins)%n",
        total / (double) pins, pins)).toString();
  }

  /**
   * A generation's line of {@code GC.heap_info} with the Serial GC ("def new generation total 9216K,
   * used 512K"), or the whole heap's with G1 ("garbage-first heap   total 2097152K, used 123456K").
   */
  private static final Pattern USED = Pattern.compile("(?:generation|garbage-first heap)\\s+total \\d+K, used (\\d+)K");

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }

  private static List<Integer> ints(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).toList();
  }

  private static Future<Void> kvPut(WebClient client, int[] ports, int n) {
    return client.request(HttpMethod.PUT, ports[n % 3], HOST, "/kv/bench/" + (n % 1000))
        .sendBuffer(Buffer.buffer("x".repeat(100))).compose(PinBench::ok);
  }

  private static Future<Void> pin(WebClient client, int[] ports, int n) {
    return client.request(HttpMethod.POST, ports[n % 3], HOST, "/pins/" + cid(n) + "?replication=2").send()
        .compose(PinBench::ok);
  }

  private static Future<Void> ok(io.vertx.ext.web.client.HttpResponse<Buffer> response) {
    return response.statusCode() == 200 ? Future.succeededFuture()
        : Future.failedFuture(response.statusCode() + " " + response.bodyAsString());
  }

  /** A CIDv1 (raw, SHA-256) of its own for each {@code n}. */
  private static String cid(int n) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("bench pin " + n).getBytes(StandardCharsets.UTF_8));
      return Cid.parse("f01551220" + HexFormat.of().formatHex(digest)).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Until every node's API takes pins (the pinset's group has a leader that has committed). */
  private static void awaitPinsetWrites(int[] ports) {
    Eventually.await("the pinset to take writes on every node", FORM, () -> Arrays.stream(ports).allMatch(port ->
        Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pins/" + cid(-1))).DELETE())
            .statusCode() == 404));
  }

  private void row(String what, int inFlight, Load load, Load floor) {
    rows.add(String.format(Locale.ROOT, "| %s | %d | %,d | %,.0f | %.1f | %.1f | %.2f | %d |", what, inFlight,
        load.ops(), load.perSecond(), load.percentile(0.50), load.percentile(0.99), load.perSecond() / floor.perSecond(),
        load.failures()));
    System.out.println(rows.get(rows.size() - 1));
  }

  /** A listing read as it streams in: its lines, when the first arrived and when the last did. */
  private record Stream(long lines, double firstMillis, double allMillis) {}

  private static Stream stream(int port, String path) throws IOException, InterruptedException {
    long start = System.nanoTime();
    HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofMinutes(10)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    long lines = 0;
    double first = Double.NaN;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (lines++ == 0) {
          first = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    return new Stream(lines, first, (System.nanoTime() - start) / 1e6);
  }

  /** {@code count} calls, {@code inFlight} at a time, each caller calling again as soon as its call answered. */
  private static Load run(Vertx vertx, int inFlight, int count, IntFunction<Future<Void>> call) throws Exception {
    Promise<Load> done = Promise.promise();
    vertx.runOnContext(v -> new Object() {
      final long start = System.nanoTime();
      final long[] latencies = new long[count];
      int next;
      int finished;
      long failures;

      void begin() {
        for (int i = 0; i < Math.min(inFlight, count); i++) {
          one();
        }
      }

      void one() {
        int n = next++;
        long began = System.nanoTime();
        Future<Void> answer;
        try {
          answer = call.apply(n);
        } catch (RuntimeException e) {
          answer = Future.failedFuture(e);   // counted as a failure rather than a call that never ends
        }
        answer.onComplete(ar -> {
          latencies[n] = System.nanoTime() - began;
          if (ar.failed()) {
            failures++;
          }
          if (++finished == count) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            done.complete(new Load(count, failures, (System.nanoTime() - start) / 1e9, sorted));
          } else if (next < count) {
            one();
          }
        });
      }
    }.begin());
    return done.future().toCompletionStage().toCompletableFuture().get(2, TimeUnit.HOURS);
  }

  private record Load(long ops, long failures, double seconds, long[] latencies) {
    double perSecond() {
      return ops / seconds;
    }

    double percentile(double p) {
      return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1e6;
    }
  }

  private void report(String file, String setup) throws IOException {
    List<String> table = new ArrayList<>(List.of(
        "| what | in flight | calls | per s | p50 ms | p99 ms | ÷ floor | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"));
    table.addAll(rows);
    String text = String.join("\n", table) + "\n\n" + notes.stream().map(n -> "- " + n + "\n").collect(joining())
        + "\ncores: " + Runtime.getRuntime().availableProcessors() + ", calls spread over 3 nodes' APIs, replication 2, "
        + setup + "\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", file);
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }
}
