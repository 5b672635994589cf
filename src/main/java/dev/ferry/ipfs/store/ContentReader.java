package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The read side of a node's {@link ContentStore}: files, directories and DAGs as Kubo's
 * {@code cat}, {@code ls}, {@code refs}, {@code get} and {@code dag/export} give them. The store
 * keeps storage, pins, garbage collection and imports; this class only reads its blocks
 * ({@link Exporter}, {@link DagReader}, {@link Car}). Get it with {@link ContentStore#reader()}.
 *
 * <p>Thread-safe. Every call returns at once; the reads run on Vert.x worker threads (through the
 * store, which opens on first use), never the caller's event loop.
 */
public final class ContentReader {
  private final ContentStore store;

  ContentReader(ContentStore store) {
    this.store = store;
  }

  /**
   * {@code length} bytes of the file {@code cid} from {@code offset} ({@code length} negative: to
   * the end), held in memory: for ranges, not whole large files.
   */
  public Future<Buffer> cat(Cid cid, long offset, long length) {
    return store.onBlocks(blocks -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new Exporter(blocks).cat(cid, offset, length, out);
      return Buffer.buffer(out.toByteArray());
    });
  }

  /** Writes {@link #cat}'s range to the file {@code to} instead of memory: for any size. */
  public Future<Void> catTo(Cid cid, long offset, long length, Path to) {
    return toFile(to, (blocks, out) -> new Exporter(blocks).cat(cid, offset, length, out));
  }

  /** The entries of a directory, or the file itself ({@code ls}). */
  public Future<List<DagReader.Listed>> ls(Cid cid) {
    return store.onBlocks(blocks -> new DagReader(blocks).ls(cid));
  }

  /** The CIDs under {@code root} ({@code refs}). */
  public Future<List<Cid>> refs(Cid root, boolean recursive, boolean unique) {
    return store.onBlocks(blocks -> new DagReader(blocks).refs(root, recursive, unique));
  }

  /** Writes {@code root} as a tar archive named {@code name} to the file {@code to} ({@code get}). */
  public Future<Void> tar(Cid root, String name, Path to) {
    return toFile(to, (blocks, out) -> new DagReader(blocks).tar(root, name, out));
  }

  /** Writes the DAG under {@code root} as a CARv1 to the file {@code to} ({@code dag/export}). */
  public Future<Void> exportCar(Cid root, Path to) {
    return toFile(to, (blocks, out) -> Car.export(blocks, root, out));
  }

  /** What writes an answer from the blocks to a stream, on a worker. */
  @FunctionalInterface
  private interface Writing {
    void write(BlockStore blocks, OutputStream out) throws java.io.IOException;
  }

  private Future<Void> toFile(Path to, Writing writing) {
    return store.onBlocks(blocks -> {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(to))) {
        writing.write(blocks, out);
      }
      return null;
    });
  }
}
