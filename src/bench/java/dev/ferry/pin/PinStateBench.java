package dev.ferry.pin;

import dev.ferry.raft.SnapshotChunks;
import dev.ferry.raft.StateMachine;
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
 * one node add, and the time and size of a snapshot of all of them and of restoring it: its
 * capture (what holds up the Raft executor) and the making of its chunks (on a worker in a node),
 * and, in the same run for comparison, a snapshot in the format before (a JSON line per pin,
 * deflated, made whole on the Raft executor) and its restore. What a node process adds to this
 * (Raft's log until a snapshot, its change feed) is in {@link PinBench}'s heap figure.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=PinStateBench}; {@code -Dbench.state.pins=1000000},
 * {@code -Dbench.pins.window=10000}, {@code -Dbench.warmup=100000} change the sizes,
 * {@code -Dbench.state.repeats=3} how often the snapshot and restore are timed. The table is printed and written to
 * {@code target/bench/PinStateBench.md}.
 */
@Timeout(3600)
class PinStateBench {
  private static final int PINS = Integer.getInteger("bench.state.pins", 1_000_000);
  private static final int WINDOW = Integer.getInteger("bench.pins.window", 10_000);
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 100_000);
  /** How many times the snapshot and the restore are timed (the median is reported). */
  private static final int REPEATS = Integer.getInteger("bench.state.repeats", 3);
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
    new PinSet(CHUNK).restore(warmChunks.stream().map(c -> new JsonObject(c.encode())).toList());
    List<JsonObject> warmVersion1 = new ArrayList<>();
    version1(warm.query(new JsonObject().put("op", "list")).getJsonArray("pins").stream()
        .map(p -> Pin.fromJson((JsonObject) p)).toList(), warmVersion1);
    new PinSet(CHUNK).restore(warmVersion1);
    warm = null;
    warmChunks = null;
    warmVersion1 = null;

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

    // the snapshot as a node takes it: captured on the Raft executor, its chunks made on a worker
    List<JsonObject> chunks = new ArrayList<>();
    double[] capture = new double[REPEATS];
    double[] make = new double[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
      chunks.clear();
      long started = System.nanoTime();
      StateMachine.Snapshot captured = set.capture();
      capture[r] = (System.nanoTime() - started) / 1e6;
      started = System.nanoTime();
      for (int i = 0; i < captured.chunks(); i++) {
        chunks.add(captured.chunk(i));
      }
      make[r] = (System.nanoTime() - started) / 1e9;
    }
    long withSnapshot = usedAfterGc();
    if (statuses.get(cids.get(0)) == null && mirror.get(cids.get(0)).isAllocatedTo(TRACKER)) {
      throw new AssertionError("a status went missing");   // also keeps the statuses reachable until here
    }
    long packed = chunks.stream().mapToLong(c -> c.getBinary("pins").length).sum();
    // the same pins in the format before (version 1: a JSON line per pin, deflated), in this run
    List<JsonObject> version1 = new ArrayList<>();
    double[] oldWrite = new double[REPEATS];
    List<Pin> mirrored = List.copyOf(mirror.pins());
    for (int r = 0; r < REPEATS; r++) {
      version1.clear();
      long started = System.nanoTime();
      version1(mirrored, version1);
      oldWrite[r] = (System.nanoTime() - started) / 1e9;
    }
    long oldPacked = version1.stream().mapToLong(c -> c.getString("pins").length()).sum();

    // restored from chunks as a restarted node reads them from its store (JSON, the bytes in base64)
    List<JsonObject> stored = chunks.stream().map(c -> new JsonObject(c.encode())).toList();
    List<JsonObject> oldStored = version1.stream().map(c -> new JsonObject(c.encode())).toList();
    chunks = null;
    version1 = null;
    JsonObject list = new JsonObject().put("op", "list").put("limit", 1);
    JsonObject all = new JsonObject().put("op", "list").put("node", TRACKER).put("limit", 3);
    double[] restore = new double[REPEATS];
    double[] oldRestore = new double[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
      PinSet copy = new PinSet(CHUNK);
      long started = System.nanoTime();
      copy.restore(stored);
      restore[r] = (System.nanoTime() - started) / 1e9;
      if (!copy.query(list).equals(set.query(list)) || !copy.query(all).equals(set.query(all))) {
        throw new AssertionError("the restored pinset differs");
      }
      copy = new PinSet(CHUNK);
      started = System.nanoTime();
      copy.restore(oldStored);
      oldRestore[r] = (System.nanoTime() - started) / 1e9;
      if (!copy.query(list).equals(set.query(list))) {
        throw new AssertionError("the pinset restored from the earlier format differs");
      }
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
        String.format(Locale.ROOT, "| heap per pin, the snapshot's chunks (%,d; a node holds them until they are "
            + "written) | %.0f B (%.0f B of pins' bytes; the earlier format %.0f B of packed text) |",
            stored.size(), (withSnapshot - tracked) / (double) PINS, packed / (double) PINS, oldPacked / (double) PINS),
        String.format(Locale.ROOT, "| snapshot of %,d pins: capture, on the Raft executor (median of %d) | %.1f ms |",
            PINS, REPEATS, median(capture)),
        String.format(Locale.ROOT, "| snapshot of %,d pins: making its chunks, on a worker (median of %d) | %.2f s |",
            PINS, REPEATS, median(make)),
        String.format(Locale.ROOT, "| snapshot of %,d pins, the earlier format, all on the Raft executor (median of %d) "
            + "| %.2f s |", PINS, REPEATS, median(oldWrite)),
        String.format(Locale.ROOT, "| restore of %,d pins (median of %d) | %.2f s |", PINS, REPEATS, median(restore)),
        String.format(Locale.ROOT, "| restore of %,d pins from the earlier format (median of %d) | %.2f s |", PINS,
            REPEATS, median(oldRestore)))
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

  /** {@code pins} as pinset snapshots were written before (version 1: a JSON line per pin, deflated). */
  private static void version1(List<Pin> pins, List<JsonObject> into) {
    StateMachine.Snapshot packed = SnapshotChunks.of(pins, "pins", CHUNK, Pin::toJson);
    for (int i = 0; i < packed.chunks(); i++) {
      into.add(packed.chunk(i));
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getUsage().getUsed()).sum();
  }
}
