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
 * them ({@code protected}). One CID a line in a file that is replaced whole (temp file, fsync,
 * rename) on every change, so a crash leaves the old set or the new one. Blocking I/O: call from a
 * worker. Thread-safe (synchronized: changes are rare and small).
 */
final class PinFile {
  private final Path file;
  private final Set<Cid> pins = new LinkedHashSet<>();

  private PinFile(Path file) {
    this.file = file;
  }

  /** The CIDs saved in {@code file} (none when it does not exist). */
  static PinFile load(Path file) {
    PinFile loaded = new PinFile(file);
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        if (!line.isBlank()) {
          loaded.pins.add(Cid.parse(line.strip()));
        }
      }
    } catch (NoSuchFileException e) {
      // no pins yet
    } catch (IOException | FerryException e) {
      throw new FerryException(FerryException.STORAGE_ERROR, "the embedded store's " + file.getFileName() + ": cannot read " + file
          + " (" + e.getMessage() + "); restore it or move it away (its pins are then lost)", e);
    }
    return loaded;
  }

  synchronized boolean contains(Cid cid) {
    return pins.contains(cid);
  }

  synchronized Set<Cid> all() {
    return Set.copyOf(pins);
  }

  /** Adds {@code cid} and saves the set durably before returning. */
  synchronized void add(Cid cid) {
    if (pins.add(cid)) {
      try {
        save();
      } catch (FerryException e) {
        pins.remove(cid);  // not saved: not pinned
        throw e;
      }
    }
  }

  /** Removes {@code cid} and saves; false when it was not pinned. */
  synchronized boolean remove(Cid cid) {
    boolean removed = pins.remove(cid);
    if (removed) {
      try {
        save();
      } catch (FerryException e) {
        pins.add(cid);
        throw e;
      }
    }
    return removed;
  }

  private void save() {
    Path temp = file.resolveSibling(file.getFileName() + ".temp");
    StringBuilder text = new StringBuilder();
    pins.forEach(cid -> text.append(cid).append('\n'));
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = StandardCharsets.US_ASCII.encode(text.toString());
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new FerryException(FerryException.STORAGE_ERROR, "the embedded store's " + file.getFileName() + ": cannot write " + file
          + " (" + e.getMessage() + "); check the disk", e);
    }
  }
}
