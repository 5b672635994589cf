package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The read side of a node's {@link ContentStore}: files, directories and DAGs as Kubo's
 * {@code cat}, {@code ls}, {@code refs}, {@code get} and {@code dag/export} give them, paths below
 * a CID ({@link #resolve}), and answers read a {@link Pieces piece} at a time for streaming (the
 * trustless gateway). The store keeps storage, pins, garbage collection and imports; this class
 * only reads its blocks ({@link Exporter}, {@link DagReader}, {@link Car}). Get it with
 * {@link ContentStore#reader()}.
 *
 * <p>Thread-safe. Every call returns at once; the reads run on Vert.x worker threads (through the
 * store, which opens on first use), never the caller's event loop.
 */
public final class ContentReader {
  /** A streamed answer's piece: one default chunk, so a piece is about one leaf block of a file. */
  static final int PIECE_BYTES = ImportOptions.DEFAULT_CHUNK_SIZE;

  /** What a path names: a file (raw or UnixFS), a UnixFS directory, or another block (dag-cbor, ...). */
  public enum Kind { FILE, DIRECTORY, OTHER }

  /**
   * Where a path below a CID led: {@code roots} are the CIDs of the path's logical roots (the root,
   * then one per segment: the gateway's {@code X-Ipfs-Roots}), the last being {@code cid}, what the
   * path names; {@code size} is a file's length in bytes (of another block, the block's).
   */
  public record Resolved(Cid root, List<Cid> roots, Cid cid, Kind kind, long size) {
    public Resolved {
      roots = List.copyOf(roots);
    }
  }

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
      return ContentStore.wrap(out.toByteArray());
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

  /**
   * Follows {@code path} (names, one per segment, already unescaped) from {@code root} through
   * UnixFS directories ({@link DagReader#walk}).
   *
   * @throws FerryException (as the future's failure) {@code not-found} when a block is not in this
   *     node's store, a segment names no entry, or the path goes on below a file or a block that is
   *     not UnixFS (saying which, as {@code /ipfs/root/a/b})
   */
  public Future<Resolved> resolve(Cid root, List<String> path) {
    return store.onBlocks(blocks -> {
      List<Cid> roots = new DagReader(blocks).walk(root, path, new DagReader.DeadEnds() {
        @Override
        public FerryException notADirectory(String walked, Cid at, String name) {
          Kind kind = kind(blocks, at);
          return FerryException.notFound("/ipfs/" + walked + " is " + (kind == Kind.FILE ? "a file" : "not UnixFS")
              + ": there is no '" + name + "' below it");
        }

        @Override
        public FerryException noEntry(String walked, String name) {
          return FerryException.notFound("the directory /ipfs/" + walked + " has no entry '" + name + "'");
        }
      });
      Cid at = roots.get(roots.size() - 1);
      Kind kind = kind(blocks, at);
      return new Resolved(root, roots, at, kind, size(blocks, at, kind));
    });
  }

  /** The entries of the directory {@code directory} (names, CIDs, DAG sizes), in link order. */
  public Future<List<DagPb.Link>> entries(Cid directory) {
    return store.onBlocks(blocks -> new DagReader(blocks).entries(directory));
  }

  /** The block of {@code cid} (an identity CID's from itself); {@code not-found} when it is not here. */
  public Future<Buffer> block(Cid cid) {
    return store.onBlocks(blocks -> ContentStore.wrap(Exporter.block(blocks, cid)));
  }

  /** The bytes of the file {@code cid} from {@code offset}, {@code length} of them, as {@link Pieces}. */
  public Pieces file(Cid cid, long offset, long length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("offset " + offset + ", length " + length);
    }
    long end = offset + length;
    long[] at = {offset};
    return new Pieces(blocks -> {
      long left = Math.min(PIECE_BYTES, end - at[0]);
      if (left <= 0) {
        return null;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) left);
      new Exporter(blocks).cat(cid, at[0], left, out);
      if (out.size() == 0) {
        throw FerryException.badRequest("the file " + cid + " ends at byte " + at[0] + ", before " + end);
      }
      at[0] += out.size();
      return ContentStore.wrap(out.toByteArray());
    });
  }

  /**
   * {@code resolved} as a CARv1 whose root is the path's root: the block of each directory the path
   * went through, then the DAG under what it names ({@code whole}) or that block alone, each block
   * once unless {@code dups}; as {@link Pieces}.
   */
  public Pieces car(Resolved resolved, boolean whole, boolean dups) {
    return car(resolved, whole, dups, null);
  }

  /**
   * {@link #car(Resolved, boolean, boolean)} of a file with only the blocks that hold bytes
   * {@code range} of it (the trustless gateway's {@code entity-bytes}): its root, then the
   * subtrees that overlap the range, leaves included, and no other.
   *
   * @param range bytes of the file {@code resolved} names; null: the whole DAG
   */
  public Pieces car(Resolved resolved, boolean whole, boolean dups, Car.Range range) {
    Car.Walk walk = new Car.Walk(List.of(resolved.root()), resolved.roots().subList(0, resolved.roots().size() - 1),
        resolved.cid(), whole, dups, range);
    return new Pieces(blocks -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream(PIECE_BYTES);
      boolean more = walk.write(blocks, out, PIECE_BYTES);
      return out.size() == 0 && !more ? null : ContentStore.wrap(out.toByteArray());
    });
  }

  /**
   * An answer read from the store a piece (about {@value #PIECE_BYTES} bytes) at a time, each on a
   * worker, so a caller can write a large answer to a slow client holding one piece: ask for the
   * next only when the previous is written. One caller at a time; not thread-safe beyond that.
   */
  public final class Pieces {
    private final BlockWork next;

    private Pieces(BlockWork next) {
      this.next = next;
    }

    /** The next piece, or null after the last; fails with the store's failure (a missing block: {@code not-found}). */
    public Future<Buffer> next() {
      return store.onBlocks(next::run);
    }
  }

  @FunctionalInterface
  private interface BlockWork {
    Buffer run(BlockStore blocks) throws IOException;
  }

  /** What the block of {@code cid} is, read from it. */
  private static Kind kind(BlockStore blocks, Cid cid) {
    byte[] block = Exporter.block(blocks, cid);
    if (cid.codec() == Cid.RAW) {
      return Kind.FILE;
    }
    if (cid.codec() != Cid.DAG_PB) {
      return Kind.OTHER;
    }
    DagPb.Node node = DagPb.decode(block);
    if (node.data() == null) {
      return Kind.OTHER;
    }
    return switch (UnixFs.decode(node.data()).type()) {
      case FILE, RAW -> Kind.FILE;
      case DIRECTORY, HAMT_SHARD -> Kind.DIRECTORY;
      case METADATA, SYMLINK -> Kind.OTHER;
    };
  }

  /** A file's length (from its UnixFS data), else its block's. */
  private static long size(BlockStore blocks, Cid cid, Kind kind) {
    byte[] block = Exporter.block(blocks, cid);
    if (kind == Kind.FILE && cid.codec() == Cid.DAG_PB) {
      return UnixFs.decode(DagPb.decode(block).data()).contentSize();
    }
    return block.length;
  }

  /** What writes an answer from the blocks to a stream, on a worker. */
  @FunctionalInterface
  private interface Writing {
    void write(BlockStore blocks, OutputStream out) throws IOException;
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
