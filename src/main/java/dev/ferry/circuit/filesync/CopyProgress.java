package dev.ferry.circuit.filesync;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * What a copy has done so far: bytes the receiver acknowledged (resumed bytes count as done), bytes
 * actually sent, files finished. {@link #line()} renders it as one terminal line. Thread-safe
 * (atomic counters): senders update it on their contexts, a timer reads it.
 */
public final class CopyProgress {
  private static final double MIB = 1024.0 * 1024.0;
  private static final double NANOS_PER_SECOND = 1e9;

  private final List<File> files;
  private final long totalBytes;
  private volatile long startNanos = System.nanoTime();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong finished = new AtomicLong();
  private volatile BiConsumer<Path, Long> listener;

  /** Progress of one file. */
  public final class File {
    private final Path source;
    private final AtomicLong acknowledged = new AtomicLong();

    File(Path source) {
      this.source = source;
    }

    public Path source() {
      return source;
    }

    void acknowledged(long bytes) {
      acknowledged.set(bytes);
      BiConsumer<Path, Long> l = listener;
      if (l != null) {
        l.accept(source, bytes);
      }
    }

    void sent(long bytes) {
      sent.addAndGet(bytes);
    }

    void finished() {
      finished.incrementAndGet();
    }

    long acknowledged() {
      return acknowledged.get();
    }
  }

  CopyProgress(List<Path> sources, long totalBytes) {
    this.files = sources.stream().map(File::new).toList();
    this.totalBytes = totalBytes;
  }

  /**
   * Calls {@code listener} with a source and the bytes of it the receiver has, each time the
   * receiver reports more; it runs on the sending peer's context and must not block.
   */
  public void listen(BiConsumer<Path, Long> newListener) {
    this.listener = newListener;
  }

  List<File> files() {
    return files;
  }

  /** The clock of {@link #rate()} starts now (when the transfers start, after connecting). */
  void restart() {
    startNanos = System.nanoTime();
  }

  public long sentBytes() {
    return sent.get();
  }

  public double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / NANOS_PER_SECOND;
  }

  /** {@code [ 42%] 12.0/28.5 MiB, 1/3 files, 35.2 MiB/s}. */
  public String line() {
    long done = files.stream().mapToLong(File::acknowledged).sum();
    int percent = totalBytes == 0 ? 100 : (int) (100 * done / totalBytes);
    return String.format(Locale.ROOT, "[%3d%%] %.1f/%.1f MiB, %d/%d files, %s", percent, done / MIB, totalBytes / MIB,
        finished.get(), files.size(), rate());
  }

  /** Throughput of the bytes actually sent, e.g. {@code 35.2 MiB/s}. */
  public String rate() {
    double seconds = Math.max(elapsedSeconds(), 1 / NANOS_PER_SECOND);
    return String.format(Locale.ROOT, "%.1f MiB/s", sent.get() / MIB / seconds);
  }

  /** Redraws the line in place (carriage return, no newline). */
  void draw(PrintStream terminal) {
    terminal.print("\r" + line());
    terminal.flush();
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
  }
}
