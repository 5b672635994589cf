package dev.ferry.pin;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pinset's own cost at a million pins, in this JVM, without Raft, HTTP or daemons: the rate at
 * which the {@link PinSet} state machine and a tracker's mirror ({@link PinState}) apply pin ops
 * (allocated at apply time among three live nodes, replication 2, as {@link PinBench} pins) for
 * the first pins and around the last, the heap both take per pin (used heap after a full GC,
 * before and after), the heap a tracker's statuses ({@link LocalStatuses}) of the pins allocated to
 * one node add, and the time and size of a snapshot of all of them and of restoring it. What a
 * node process adds to this (Raft's log until a snapshot, its change feed) is in {@link PinBench}'s
 * heap figure.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=PinStateBench}; {@code -Dbench.state.pins=1000000},
 * {@code -Dbench.pins.window=10000}, {@code -Dbench.warmup=100000} change the sizes. The table is printed and written to
 * {@code target/bench/PinStateBench.md}.
 */
@Timeout(3600)
class PinStateBench {
  private static final int PINS = Integer.getInteger("bench.state.pins", 1_000_000);
  private static final int WINDOW = Integer.getInteger("bench.pins.window", 10_000);
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 100_000);
  private static final int CHUNK = 1_000;
  private static final List<String> LIVE = List.of("node1", "node2", "node3");
  /** The node whose tracker statuses are measured. */
  private static final String TRACKER = "node3";

  @Test
  void applyStaysFlatAndAPinCostsLittleHeap() throws Exception {
    List<String> cids = new ArrayList<>(PINS);
    for (int n = 0; n < PINS; n++) {
      cids.add(PinSetTest.cid(n));
    }
    // warm-up of the same paths on a set thrown away, with its snapshot and restore
    PinSet warm = new PinSet(CHUNK);
    apply(warm, new PinState(), cids, 0, WARM_UP);
    List<JsonObject> warmChunks = new ArrayList<>();
    warm.snapshot(warmChunks::add);
    new PinSet(CHUNK).restore(warmChunks);
    warm = null;
    warmChunks = null;

    long before = usedAfterGc();
    PinSet set = new PinSet(CHUNK);
    PinState mirror = new PinState();
    double first = apply(set, mirror, cids, 0, WINDOW);
    apply(set, mirror, cids, WINDOW, PINS - WINDOW);
    long filled = usedAfterGc();
    // node3's tracker: a status for each pin allocated to it, as after its pins were pinned
    LocalStatuses statuses = new LocalStatuses(new TrackerMetrics(new SimpleMeterRegistry()), mirror::sameKey);
    for (Pin pin : mirror.pins()) {
      if (pin.isAllocatedTo(TRACKER)) {
        statuses.put(pin.cid(), new PinTracker.Local("pinned", "", Instant.now().toString(), 1));
      }
    }
    long tracked = usedAfterGc();
    int trackedPins = statuses.cids().size();
    // the last window: pins replaced (the same CIDs pinned again), so the set stays at its size
    double last = apply(set, mirror, cids, PINS - WINDOW, PINS);

    List<JsonObject> chunks = new ArrayList<>();
    long started = System.nanoTime();
    set.snapshot(chunks::add);
    double snapshotSeconds = (System.nanoTime() - started) / 1e9;
    long withSnapshot = usedAfterGc();
    if (statuses.get(cids.get(0)) == null && mirror.get(cids.get(0)).isAllocatedTo(TRACKER)) {
      throw new AssertionError("a status went missing");   // also keeps the statuses reachable until here
    }
    long packed = chunks.stream().mapToLong(c -> c.getString("pins").length()).sum();

    PinSet copy = new PinSet(CHUNK);
    started = System.nanoTime();
    copy.restore(chunks);
    double restoreSeconds = (System.nanoTime() - started) / 1e9;
    JsonObject list = new JsonObject().put("op", "list").put("limit", 1);
    if (!copy.query(list).equals(set.query(list))) {
      throw new AssertionError("the restored pinset differs");
    }

    String text = String.join("\n",
        "| what | figure |",
        "|---|---:|",
        String.format(Locale.ROOT, "| apply, pins 1–%,d (state machine and mirror) | %,.0f /s |", WINDOW, first),
        String.format(Locale.ROOT, "| apply, %,d pins pinned again at %,d | %,.0f /s (%.2f of the first) |", WINDOW, PINS,
            last, last / first),
        String.format(Locale.ROOT, "| heap per pin, state machine and mirror | %.0f B |", (filled - before) / (double) PINS),
        String.format(Locale.ROOT, "| heap per pin, %s's tracker statuses (%,d of the pins, CIDs shared with the "
            + "mirror) | %.0f B (%.0f B a status) |", TRACKER, trackedPins, (tracked - filled) / (double) PINS,
            (tracked - filled) / (double) trackedPins),
        String.format(Locale.ROOT, "| heap per pin, the snapshot (%,d chunks) | %.0f B (%.0f B packed text) |",
            chunks.size(), (withSnapshot - tracked) / (double) PINS, packed / (double) PINS),
        String.format(Locale.ROOT, "| snapshot of %,d pins | %.1f s |", PINS, snapshotSeconds),
        String.format(Locale.ROOT, "| restore of %,d pins | %.1f s |", PINS, restoreSeconds))
        + "\n\ncores: " + Runtime.getRuntime().availableProcessors() + ", one thread, replication 2 among 3 live nodes\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", "PinStateBench.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }

  /** Applies pins {@code from} (inclusive) to {@code to} to both; pins per second. */
  private static double apply(PinSet set, PinState mirror, List<String> cids, int from, int to) {
    long started = System.nanoTime();
    for (int n = from; n < to; n++) {
      JsonObject op = new JsonObject().put("op", "pin").put("cid", cids.get(n)).put("name", "")
          .put("replication_min", 2).put("replication_max", 2).put("live", new JsonArray(LIVE))
          .put("origin", LIVE.get(n % LIVE.size())).put("time", Instant.now().toString());
      set.apply(n + 1, op);
      mirror.apply(n + 1, PinOp.parse(op));
    }
    return (to - from) / ((System.nanoTime() - started) / 1e9);
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getUsage().getUsed()).sum();
  }
}
