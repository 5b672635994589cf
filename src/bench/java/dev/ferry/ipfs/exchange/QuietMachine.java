package dev.ferry.ipfs.exchange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Waits, before a timed round, until the machine's processors have been nearly idle for a moment,
 * so that a round does not pay for work the previous one left behind: a js-ipfs daemon still
 * writing or collecting garbage after it answered, the other node's write threads, this JVM's
 * collector. Both sides of a comparison wait the same way before each of their rounds.
 *
 * <p>It reads the whole machine's counters ({@code /proc/stat}), not the benchmark's processes',
 * so another engineer's build keeps it waiting until {@link #DEADLINE}; then the round starts
 * anyway and {@link #missed()} counts it, for the report. Called from the benchmark's own thread
 * (it sleeps: a measuring period, not a wait for a condition another thread will signal).
 */
final class QuietMachine {
  /** How long the machine must stay below {@link #BUSY_CORES} to count as quiet. */
  static final Duration WINDOW = Duration.ofMillis(Long.getLong("bench.quiet.window.ms", 300));
  /** At most this many cores' worth of work in the window (ticks of all processors). */
  static final double BUSY_CORES = Double.parseDouble(System.getProperty("bench.quiet.cores", "0.15"));
  /** The longest a round waits for quiet before it starts regardless. */
  static final Duration DEADLINE = Duration.ofMillis(Long.getLong("bench.quiet.deadline.ms", 10_000));
  private static final Path STAT = Path.of("/proc/stat");

  private int waits;
  private int missed;

  /** Returns once the machine was quiet for {@link #WINDOW}, or at {@link #DEADLINE}. */
  void await() {
    waits++;
    long end = System.nanoTime() + DEADLINE.toNanos();
    long[] before = ticks();
    while (System.nanoTime() < end) {
      sleep(WINDOW);
      long[] after = ticks();
      long total = after[0] - before[0];
      long busy = total - (after[1] - before[1]);
      int cores = Runtime.getRuntime().availableProcessors();
      if (total > 0 && (double) busy / total * cores <= BUSY_CORES) {
        return;
      }
      before = after;
    }
    missed++;
  }

  /** Rounds that started at the deadline, the machine still busy. */
  int missed() {
    return missed;
  }

  /** Rounds that waited. */
  int waits() {
    return waits;
  }

  /** All processors' ticks: {total, idle + iowait} from the first line of {@code /proc/stat}. */
  static long[] ticks() {
    try {
      String line = Files.readAllLines(STAT).get(0);
      long[] fields = Arrays.stream(line.trim().split("\\s+")).skip(1).mapToLong(Long::parseLong).toArray();
      long total = Arrays.stream(fields).limit(8).sum();  // user nice system idle iowait irq softirq steal
      return new long[] {total, fields[3] + fields[4]};
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + STAT + " to wait for a quiet machine", e);
    }
  }

  /** How many cores were busy, all processes together, between two {@link #ticks()}. */
  static double busyCores(long[] before, long[] after) {
    long total = after[0] - before[0];
    long busy = total - (after[1] - before[1]);
    return total == 0 ? 0 : (double) busy / total * Runtime.getRuntime().availableProcessors();
  }

  private static void sleep(Duration period) {
    try {
      Thread.sleep(period.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a quiet machine", e);
    }
  }
}
