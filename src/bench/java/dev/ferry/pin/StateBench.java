package dev.ferry.pin;

import dev.ferry.testing.CommandRun;
import dev.ferry.testing.TestCluster.JvmCluster;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * (allocations, user allocations, timestamp): the checks of {@link StateRoundTripTest}, whose helpers it uses. The CIDs' content exists nowhere, so
 * the trackers end in {@code pin_error}; that is their work beside the import.
 *
 * <p>Reported: each import's rate, the export's time and rate, and the peak heap of this JVM
 * (nodes and command together, garbage included, sampled every {@value #SAMPLE_MS} ms) during each
 * phase, its used heap after a full GC before and after the phase (what the nodes hold), and how far
 * the used heap after a full GC every {@code bench.state.gc_every_ms} (10 s) during the phase rose
 * above the line between those two (what the phase held beyond the nodes' growing state).
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=StateBench}; {@code -Dbench.state.pins=100000},
 * {@code -Dbench.state.parallel=4} and {@code -Dbench.state.batch=1000} (the import's {@code --parallel}
 * and {@code --batch}) change the sizes; {@code -Dbench.state.batch=1 -Dbench.state.parallel=8} sends one pin per
 * request, as the import did before {@code POST /pins/import}. The table
 * is printed and written to {@code target/bench/StateBench.md}.
 */
@Timeout(7200)
class StateBench {
  private static final int PINS = Integer.getInteger("bench.state.pins", 100_000);
  private static final int PARALLEL = Integer.getInteger("bench.state.parallel", 4);
  private static final int BATCH = Integer.getInteger("bench.state.batch", 1000);
  private static final long SAMPLE_MS = 20;
  private static final long GC_EVERY_MS = Long.getLong("bench.state.gc_every_ms", 10_000);
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final List<String> rows = new ArrayList<>();

  @Test
  void exportThenImportRoundTripsOntoAFreshCluster(@TempDir Path dir) throws Exception {
    Path seed = dir.resolve("seed.ndjson");
    Path first = dir.resolve("export-1.ndjson");
    Path second = dir.resolve("export-2.ndjson");
    String[] options = {"--parallel", String.valueOf(PARALLEL), "--batch", String.valueOf(BATCH)};
    try (JvmCluster source = StateRoundTripTest.cluster()) {
      String node3 = source.node(3).peerId().toString();
      try (BufferedWriter out = Files.newBufferedWriter(seed, StandardCharsets.UTF_8)) {
        for (int i = 0; i < PINS; i++) {
          out.write(StateRoundTripTest.seeded(i, node3).encode());
          out.write('\n');
        }
      }
      phase("import of the generated file, cluster 1", () -> StateRoundTripTest.imported(source, seed, PINS, options));
      phase("export, cluster 1", () -> StateRoundTripTest.exported(source, first, PINS));
      StateRoundTripTest.checkAgainstSeed(first, node3, PINS);
    }
    long compared;
    try (JvmCluster fresh = StateRoundTripTest.cluster()) {
      phase("import of the export, fresh cluster 2", () -> StateRoundTripTest.imported(fresh, first, PINS, options));
      phase("export, cluster 2", () -> StateRoundTripTest.exported(fresh, second, PINS));
      compared = StateRoundTripTest.sameExports(first, second, StateRoundTripTest.peers(fresh), PINS);
    }

    String text = String.join("\n",
        "| phase | pins | seconds | pins/s | heap used before (after GC) | peak heap during | heap used after (after GC) "
            + "| most live heap above the line before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|")
        + "\n" + String.join("\n", rows)
        + String.format(Locale.ROOT, "%n%nboth exports equal pin by pin (%,d pins; but allocations, user allocations "
            + "and timestamp); every pin of the first carries its generated name, mode, replication, metadata and "
            + "allocations as documented%n", compared)
        + "\ncores: " + Runtime.getRuntime().availableProcessors() + ", max heap "
        + (MEMORY.getHeapMemoryUsage().getMax() >> 20) + " MB, 3 nodes in this JVM with embedded stores, replication 2, "
        + "`ferry state import --parallel " + PARALLEL + " --batch " + BATCH + "` against node 1, export file "
        + (Files.size(first) >> 20) + " MB\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", "StateBench.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
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
