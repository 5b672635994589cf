package dev.ferry.pin;

import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "state export → import round trip of 100,000 pins on a fresh cluster", measured and
 * checked: three clustered nodes in this JVM (embedded content stores, replication 2) take a
 * generated export of {@code bench.state.pins} pins (varied names, modes, replication and
 * metadata) through {@code ferry state import}, run in-process as the tests run it
 * ({@link CommandRun}); {@code ferry state export --file} writes them out; a fresh cluster imports
 * that file and is exported again. Every pin of the first export must carry the generated pin's
 * fields, and the two exports must be equal pin by pin but for what a fresh cluster sets anew
 * (allocations, timestamp), as in {@code StateCommandTest}. The CIDs' content exists nowhere, so
 * the trackers end in {@code pin_error}; that is their work beside the import.
 *
 * <p>Reported: each import's rate, the export's time and rate, and the peak heap of this JVM
 * (nodes and command together, garbage included, sampled every {@value #SAMPLE_MS} ms) during each
 * phase, its used heap after a full GC before and after the phase (what the nodes hold), and how far
 * the used heap after a full GC every {@code bench.state.gc_every_ms} (10 s) during the phase rose
 * above the line between those two (what the phase held beyond the nodes' growing state).
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=StateBench}; {@code -Dbench.state.pins=100000},
 * {@code -Dbench.state.parallel=8} (the import's {@code --parallel}) change the sizes. The table
 * is printed and written to {@code target/bench/StateBench.md}.
 */
@Timeout(7200)
class StateBench {
  private static final int PINS = Integer.getInteger("bench.state.pins", 100_000);
  private static final int PARALLEL = Integer.getInteger("bench.state.parallel", 8);
  private static final int PROGRESS_EVERY = 10_000;
  private static final long SAMPLE_MS = 20;
  private static final long GC_EVERY_MS = Long.getLong("bench.state.gc_every_ms", 10_000);
  private static final Duration FORM = Duration.ofSeconds(60);
  /** What a fresh cluster sets anew for an imported pin: its allocations and the time it was pinned. */
  private static final List<String> SET_ANEW = List.of("allocations", "timestamp");
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final List<String> rows = new ArrayList<>();

  @Test
  void exportThenImportRoundTripsOntoAFreshCluster(@TempDir Path dir) throws Exception {
    Path seed = dir.resolve("seed.ndjson");
    Map<String, Integer> indexOf = new HashMap<>(PINS * 2);
    try (BufferedWriter out = Files.newBufferedWriter(seed, StandardCharsets.UTF_8)) {
      for (int i = 0; i < PINS; i++) {
        JsonObject pin = seeded(i);
        indexOf.put(pin.getString("cid"), i);
        out.write(pin.encode());
        out.write('\n');
      }
    }
    Path first = dir.resolve("export-1.ndjson");
    Path second = dir.resolve("export-2.ndjson");
    try (JvmCluster source = cluster()) {
      phase("import of the generated file, cluster 1", () -> imported(source, seed));
      phase("export, cluster 1", () -> exported(source, first));
    }
    checkAgainstSeed(first, indexOf);
    indexOf = null;
    try (JvmCluster fresh = cluster()) {
      phase("import of the export, fresh cluster 2", () -> imported(fresh, first));
      phase("export, cluster 2", () -> exported(fresh, second));
    }
    long compared = sameExports(first, second);

    String text = String.join("\n",
        "| phase | pins | seconds | pins/s | heap used before (after GC) | peak heap during | heap used after (after GC) "
            + "| most live heap above the line before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|")
        + "\n" + String.join("\n", rows)
        + String.format(Locale.ROOT, "%n%nboth exports equal pin by pin (%,d pins; but allocations and timestamp); "
            + "every pin of the first carries its generated name, mode, replication and metadata%n", compared)
        + "\ncores: " + Runtime.getRuntime().availableProcessors() + ", max heap "
        + (MEMORY.getHeapMemoryUsage().getMax() >> 20) + " MB, 3 nodes in this JVM with embedded stores, replication 2, "
        + "`ferry state import --parallel " + PARALLEL + "` against node 1, export file "
        + (Files.size(first) >> 20) + " MB\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", "StateBench.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }

  /** Three nodes in this JVM, replication 2, once the pinset takes writes on each. */
  private static JvmCluster cluster() {
    JvmCluster cluster = TestCluster.inJvm(3, i -> List.of("pin.replication_min=2", "pin.replication_max=2"))
        .awaitFullMembership();
    Eventually.await("the pinset to take writes on every node", FORM, () -> {
      for (int i = 1; i <= 3; i++) {
        int status = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(i)
            + "/pins/" + PinSetTest.cid(-1))).DELETE()).statusCode();
        if (status != 404) {
          return false;
        }
      }
      return true;
    });
    return cluster;
  }

  /** Pin {@code i} of the generated file: its own name, a mode, replication and metadata. */
  private static JsonObject seeded(int i) {
    JsonObject pin = new JsonObject().put("cid", PinSetTest.cid(i)).put("type", "pin")
        .put("name", i % 7 == 0 ? "" : "pin " + i + (i % 5 == 0 ? " <ü & v2>" : ""))
        .put("mode", i % 3 == 0 ? "direct" : "recursive")
        .put("replication_factor_min", i % 4 == 0 ? -1 : 1 + i % 2)
        .put("replication_factor_max", i % 4 == 0 ? -1 : 2 + i % 2);
    if (i % 2 == 0) {
      pin.put("metadata", new JsonObject().put("n", String.valueOf(i)).put("team", "t" + i % 10));
    }
    return pin;
  }

  private static void checkAgainstSeed(Path export, Map<String, Integer> indexOf) throws IOException {
    long lines = 0;
    try (BufferedReader in = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines++;
        JsonObject pin = new JsonObject(line);
        Integer i = indexOf.get(pin.getString("cid"));
        if (i == null) {
          throw new AssertionError("exported a pin never imported: " + line);
        }
        JsonObject want = seeded(i);
        for (String field : List.of("name", "mode", "replication_factor_min", "replication_factor_max", "type")) {
          if (!want.getValue(field).equals(pin.getValue(field))) {
            throw new AssertionError(field + " of pin " + i + " changed: " + want.getValue(field) + " -> " + line);
          }
        }
        // a pin without metadata is exported with "metadata": null, as IPFS Cluster writes it
        JsonObject metadata = pin.getJsonObject("metadata") == null ? new JsonObject() : pin.getJsonObject("metadata");
        if (!want.getJsonObject("metadata", new JsonObject()).equals(metadata)) {
          throw new AssertionError("metadata of pin " + i + " changed: " + line);
        }
      }
    }
    if (lines != indexOf.size()) {
      throw new AssertionError("exported " + lines + " pins of " + indexOf.size());
    }
  }

  /** The two exports line by line (both in CID order); the number of pins. */
  private static long sameExports(Path first, Path second) throws IOException {
    long n = 0;
    try (BufferedReader a = Files.newBufferedReader(first, StandardCharsets.UTF_8);
        BufferedReader b = Files.newBufferedReader(second, StandardCharsets.UTF_8)) {
      String left = a.readLine();
      String right = b.readLine();
      for (; left != null && right != null; left = a.readLine(), right = b.readLine()) {
        n++;
        if (!comparable(new JsonObject(left)).equals(comparable(new JsonObject(right)))) {
          throw new AssertionError("pin " + n + " differs after the round trip:\n  " + left + "\n  " + right);
        }
      }
      if (left != null || right != null) {
        throw new AssertionError("the exports differ in length after " + n + " pins: " + left + " / " + right);
      }
    }
    return n;
  }

  /** A pin without what a fresh cluster sets anew ({@link #SET_ANEW}), as StateCommandTest compares. */
  private static JsonObject comparable(JsonObject pin) {
    JsonObject copy = pin.copy();
    SET_ANEW.forEach(copy::remove);
    return copy;
  }

  private static String host(JvmCluster cluster) {
    return "http://127.0.0.1:" + cluster.apiPort(1);
  }

  private static void imported(JvmCluster cluster, Path file) {
    CommandRun run = CommandRun.of("state", "import", file.toString(), "--host", host(cluster),
        "--parallel", String.valueOf(PARALLEL), "--progress-every", String.valueOf(PROGRESS_EVERY));
    if (run.code() != 0 || !run.out().contains("imported " + PINS + " of " + PINS + " pins from " + file)) {
      throw new AssertionError("import failed (" + run.code() + "): " + run.out() + run.err());
    }
  }

  private static void exported(JvmCluster cluster, Path file) {
    CommandRun run = CommandRun.of("state", "export", "--file", file.toString(), "--host", host(cluster));
    if (run.code() != 0 || !run.out().equals("exported " + PINS + " pins to " + file + "\n")) {
      throw new AssertionError("export failed (" + run.code() + "): " + run.out() + run.err());
    }
  }

  /**
   * Runs {@code work} while sampling the heap; adds its row. Besides the peak (garbage included),
   * the heap used after a full GC every {@code bench.state.gc_every_ms} ms: what the nodes' state holds grows
   * with the pins imported, close to a line from the figure before to the one after, so the most a
   * sample lies above that line is what the phase held beyond it (an import holding every line of
   * its file would lie well above it for the whole import).
   */
  private void phase(String what, Runnable work) throws InterruptedException {
    long before = usedAfterGc();
    AtomicLong peak = new AtomicLong(before);
    AtomicBoolean running = new AtomicBoolean(true);
    List<long[]> live = java.util.Collections.synchronizedList(new ArrayList<>());
    long started = System.nanoTime();
    Thread sampler = new Thread(() -> {
      long lastGc = System.nanoTime();
      while (running.get()) {
        peak.accumulateAndGet(MEMORY.getHeapMemoryUsage().getUsed(), Math::max);
        if (System.nanoTime() - lastGc > GC_EVERY_MS * 1_000_000) {
          long used = usedAfterGc();
          lastGc = System.nanoTime();
          live.add(new long[] {lastGc - started, used});
        }
        try {
          Thread.sleep(SAMPLE_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "state-bench-heap");
    sampler.setDaemon(true);
    sampler.start();
    try {
      work.run();
    } finally {
      running.set(false);
      sampler.join();
    }
    long took = System.nanoTime() - started;
    long after = usedAfterGc();
    long above = 0;
    for (long[] sample : live) {
      above = Math.max(above, sample[1] - (before + (long) ((after - before) * (sample[0] / (double) took))));
    }
    double seconds = took / 1e9;
    rows.add(String.format(Locale.ROOT, "| %s | %,d | %.1f | %,.0f | %,d MB | %,d MB | %,d MB | %s |", what, PINS,
        seconds, PINS / seconds, before >> 20, peak.get() >> 20, after >> 20,
        live.isEmpty() ? "–" : String.format(Locale.ROOT, "%,d MB (%d GCs)", above >> 20, live.size())));
    System.out.println(rows.get(rows.size() - 1));
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }
}
