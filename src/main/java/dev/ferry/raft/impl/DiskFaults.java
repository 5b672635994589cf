package dev.ferry.raft.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A test hook: makes a data dir behave as a disk with little room left, without mounting one (which
 * needs root). Once {@link #fill} is called for a directory, the Raft store's writes under it
 * ({@link DurableStore}: log entries and snapshot chunks count their encoded bytes, every write
 * fails once the room is used up), the store watch's probe ({@link StoreWatch}) and the store's
 * identity record ({@link StoreIdentity}) fail with "No space left on device", as they would on a
 * full disk, until {@link #free} gives the room back. Nothing arms it outside tests; unarmed it
 * costs one look at an empty map per write.
 *
 * <p>Thread-safe: several in-JVM nodes write on their own contexts while a test arms and frees.
 */
public final class DiskFaults {
  /** Armed directories and the bytes they still take. */
  private static final Map<Path, AtomicLong> ROOM = new ConcurrentHashMap<>();

  private DiskFaults() {}

  /** From now on, writes under {@code dir} take {@code room} more bytes, then fail as on a full disk. */
  public static void fill(Path dir, long room) {
    ROOM.put(normal(dir), new AtomicLong(room));
  }

  /** Space returned: writes under {@code dir} succeed again. */
  public static void free(Path dir) {
    ROOM.remove(normal(dir));
  }

  /**
   * A write of {@code bytes} (computed only if {@code file} is under an armed directory) to
   * {@code file}: takes its room, or fails with "No space left on device" and leaves no room (a
   * write that does not fit fills the disk, and even a commit needs a page).
   */
  static void write(Path file, LongSupplier bytes) {
    AtomicLong room = roomFor(file);
    if (room == null) {
      return;
    }
    long size = bytes.getAsLong();
    if (room.get() == 0 || room.addAndGet(-size) < 0) {
      room.set(0);
      throw new UncheckedIOException(full(file));
    }
  }

  /** Fails unless a file of {@code bytes} fits under {@code file}'s directory now (nothing is taken: it goes again). */
  static void check(Path file, long bytes) throws IOException {
    AtomicLong room = roomFor(file);
    if (room != null && room.get() < Math.max(bytes, 1)) {
      throw full(file);
    }
  }

  private static AtomicLong roomFor(Path file) {
    if (ROOM.isEmpty()) {
      return null;
    }
    Path path = normal(file);
    return ROOM.entrySet().stream().filter(e -> path.startsWith(e.getKey())).map(Map.Entry::getValue)
        .findFirst().orElse(null);
  }

  private static IOException full(Path file) {
    return new IOException(file + ": No space left on device (DiskFaults, a test's full disk)");
  }

  private static Path normal(Path path) {
    return path.toAbsolutePath().normalize();
  }
}
