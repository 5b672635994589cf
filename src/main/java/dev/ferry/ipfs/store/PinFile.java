package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A durable set of CIDs: the store's recursive pins ({@code pins}), its direct pins
 * ({@code pins.direct}) and the roots it protects from garbage collection until other nodes hold
 * them ({@code protected}). A journal: each change is one line appended and fsynced before the
 * call returns ({@code +CID} added, {@code -CID} removed; a bare {@code CID}, as files of earlier
 * versions hold, is added), so a change costs the same at a million pins as at one. Once the
 * journal holds more than twice as many lines as the set has CIDs (and {@value #COMPACT_SLACK} more),
 * it is compacted: written whole to a temporary file, fsynced and renamed over it. A crash
 * mid-append leaves a last line without its line end, which is not a change that was acknowledged:
 * loading drops it. Blocking I/O: call from a worker. Thread-safe (synchronized).
 */
final class PinFile {
  /** Journal lines beyond twice the set's size before a compaction, so a small set is not rewritten at every change. */
  static final int COMPACT_SLACK = 1024;
  private static final char ADDED = '+';
  private static final char REMOVED = '-';

  private final Path file;
  private final Set<Cid> pins = new LinkedHashSet<>();
  /** Lines in the journal. */
  private long lines;
  /** Bytes of whole lines in the journal: where the next one is written. */
  private long size;
  /** Whether a failed append may have left bytes past {@code size}: the next change compacts. */
  private boolean torn;

  private PinFile(Path file) {
    this.file = file;
  }

  /**
   * The CIDs saved in {@code file} (none when it does not exist).
   *
   * @throws FerryException {@code storage-error} naming the file and the line that is not a change
   */
  static PinFile load(Path file) {
    PinFile loaded = new PinFile(file);
    try {
      loaded.replay(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      // no pins yet
    } catch (IOException e) {
      throw loaded.failure("cannot read", e);
    }
    return loaded;
  }

  private void replay(byte[] bytes) {
    int start = 0;
    for (int end = indexOf(bytes, start); end >= 0; end = indexOf(bytes, start)) {
      String line = new String(bytes, start, end - start, StandardCharsets.US_ASCII).strip();
      lines++;
      try {
        if (line.isEmpty()) {
          // nothing
        } else if (line.charAt(0) == REMOVED) {
          pins.remove(Cid.parse(line.substring(1)));
        } else {
          pins.add(Cid.parse(line.charAt(0) == ADDED ? line.substring(1) : line));
        }
      } catch (FerryException e) {
        throw failure("line " + lines + " is not a change (" + e.getMessage() + ") in", e);
      }
      start = end + 1;
    }
    size = start;  // an unterminated last line was cut short by a crash: never acknowledged
    torn = start < bytes.length;
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  synchronized boolean contains(Cid cid) {
    return pins.contains(cid);
  }

  synchronized Set<Cid> all() {
    return Set.copyOf(pins);
  }

  /** Adds {@code cid} and saves the change durably before returning. */
  synchronized void add(Cid cid) {
    if (pins.add(cid)) {
      try {
        save(ADDED, cid);
      } catch (FerryException e) {
        pins.remove(cid);  // not saved: not pinned
        throw e;
      }
    }
  }

  /** Removes {@code cid} and saves the change; false when it was not in the set. */
  synchronized boolean remove(Cid cid) {
    boolean removed = pins.remove(cid);
    if (removed) {
      try {
        save(REMOVED, cid);
      } catch (FerryException e) {
        pins.add(cid);
        throw e;
      }
    }
    return removed;
  }

  /** Appends the change, or compacts when the journal has grown past the set (the set already holds the change). */
  private void save(char change, Cid cid) {
    boolean created = !Files.exists(file);
    if (torn || lines + 1 > 2L * pins.size() + COMPACT_SLACK || size > 0 && created) {  // created: removed by hand
      compact();
      return;
    }
    ByteBuffer line = StandardCharsets.US_ASCII.encode(change + cid.toString() + "\n");
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long at = size;
      try {
        while (line.hasRemaining()) {
          at += out.write(line, at);
        }
        out.force(true);
        if (created) {
          forceDirectory();  // the new file's name durable, not only its line
        }
      } catch (IOException e) {
        torn = true;  // bytes past size, until they are cut off here or by the next change's compaction
        out.truncate(size);
        torn = false;
        throw e;
      }
      size = at;
      lines++;
    } catch (IOException e) {
      throw failure("cannot write", e);
    }
  }

  /** Writes the set whole as a new journal (temp file, fsync, rename, directory fsync). */
  private void compact() {
    Path temp = file.resolveSibling(file.getFileName() + ".temp");
    StringBuilder text = new StringBuilder();
    pins.forEach(cid -> text.append(ADDED).append(cid).append('\n'));
    ByteBuffer bytes = StandardCharsets.US_ASCII.encode(text.toString());
    long written = bytes.remaining();
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      lines = pins.size();
      size = written;
      torn = false;
      forceDirectory();
    } catch (IOException e) {
      torn = true;  // which file is in place, and what it holds, is not known: the next change writes it whole
      throw failure("cannot write", e);
    }
  }

  private void forceDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  private FerryException failure(String what, Exception cause) {
    return new FerryException(FerryException.STORAGE_ERROR, "the embedded store's " + file.getFileName() + ": " + what
        + " " + file + " (" + cause.getMessage() + "); " + (what.startsWith("cannot write") ? "check the disk"
        : "restore it or move it away (its pins are then lost)"), cause);
  }
}
