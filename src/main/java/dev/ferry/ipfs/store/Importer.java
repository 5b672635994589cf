package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns files and directories into UnixFS blocks with the CIDs Kubo gives them: fixed-size chunks,
 * the balanced layout (at most {@value #MAX_LINKS} links a node, all leaves at one depth) or the
 * trickle layout, plain directories with their links sorted by name, and HAMT-sharded directories
 * ({@link Hamt}) from {@link ImportOptions#shardSplitThreshold()} entries on (js-ipfs's rule) or past
 * Kubo's size ({@link ImportOptions.DirectorySharding}). Each block goes to a
 * {@link BlockSink} as soon as it is made, so memory stays flat in the file size.
 *
 * <p>Blocking (reads files, hashes): run it on a worker thread, never on an event loop. One
 * instance per add; not thread-safe.
 */
public final class Importer {
  /** The balanced layout's fan-out in Kubo and js-ipfs: a node of 174 links stays under 8 KiB. */
  public static final int MAX_LINKS = 174;
  /** The trickle layout's repeat: each depth of subtrees comes this many times (Kubo's {@code layerRepeat}). */
  static final int LAYER_REPEAT = 4;

  /** Where the importer puts each block it makes. */
  @FunctionalInterface
  public interface BlockSink {
    void put(Cid cid, byte[] block) throws IOException;
  }

  /** What to add: a file at {@code file} named {@code path}, or, with no file, a directory. */
  public record Entry(String path, Path file) {}

  /** An added file or directory: its path, its CID, and the size of its whole DAG in bytes. */
  public record Imported(String path, Cid cid, long size) {}

  /** A block already made: its CID, the bytes of its DAG, and the file bytes under it. */
  private record Ref(Cid cid, long dagSize, long fileSize) {}

  /**
   * A chunk of the file, read where its leaf block will hold it: {@code length} bytes at
   * {@code offset} of {@code block}, an array of a whole chunk's leaf block.
   */
  private record Chunk(byte[] block, int offset, int length) {}

  private final ImportOptions options;
  private final BlockSink sink;
  /** What a leaf in dag-pb is: Raw in the trickle layout (as Kubo's), File in the balanced one. */
  private final UnixFs.Type leafType;
  /** The dag-pb leaf framing of a whole chunk ({@link DagPb#leafFrame}); null with raw leaves. */
  private final Protobuf.Writer frame;

  public Importer(ImportOptions options, BlockSink sink) {
    this.options = options;
    this.sink = sink;
    this.leafType = options.trickle() ? UnixFs.Type.RAW : UnixFs.Type.FILE;
    this.frame = options.rawLeaves() ? null : DagPb.leafFrame(leafType, options.chunkSize());
  }

  /** Adds the bytes of {@code in} as one file; its root. The stream is read to its end, not closed. */
  public Imported file(String name, InputStream in) throws IOException {
    Ref root = layout(in);
    return new Imported(name, root.cid(), root.dagSize());
  }

  /**
   * Entries that come one after the other, as the parts of an upload arrive: {@link #next} blocks
   * until the next one has begun (its bytes may still be arriving) and answers null after the last.
   */
  @FunctionalInterface
  public interface Entries {
    Streamed next() throws IOException;
  }

  /**
   * A file named {@code path} whose bytes {@code content} streams (read to its end, then closed), or,
   * with no content, a directory.
   */
  public record Streamed(String path, InputStream content) {}

  /**
   * Adds files and directories by their paths ({@code a/b/c.txt}; parent directories are made as
   * needed); the files first, in order, then each directory after its contents, the root last (with
   * {@link ImportOptions#wrapWithDirectory()}, the wrapping directory, path {@code ""}).
   *
   * @throws FerryException {@code bad-request} for a path that is empty, has {@code .} or {@code ..},
   *     or names one entry twice
   */
  public List<Imported> add(List<Entry> entries) throws IOException {
    return add(entries(entries));
  }

  /** The entries of {@code entries}, each file opened when it is asked for. */
  public static Entries entries(List<Entry> entries) {
    var files = List.copyOf(entries).iterator();
    return () -> {
      if (!files.hasNext()) {
        return null;
      }
      Entry entry = files.next();
      return new Streamed(entry.path(), entry.file() == null ? null : Files.newInputStream(entry.file()));
    };
  }

  /**
   * {@link #add(List)} for entries that stream in: each file is imported while its bytes arrive,
   * before the next entry is asked for, so memory stays flat in the files' sizes.
   */
  public List<Imported> add(Entries entries) throws IOException {
    Directory top = new Directory("");
    List<Imported> out = new ArrayList<>();
    for (Streamed entry = entries.next(); entry != null; entry = entries.next()) {
      Ref file;
      List<String> parts;
      try (InputStream in = entry.content()) {
        parts = components(entry.path());
        Directory parent = top;
        for (String part : parts.subList(0, parts.size() - 1)) {
          parent = parent.subdirectory(entry.path(), part);
        }
        String name = parts.get(parts.size() - 1);
        if (in == null) {
          parent.subdirectory(entry.path(), name);
          continue;
        }
        file = layout(in);
        parent.put(entry.path(), name, file);
      }
      out.add(new Imported(String.join("/", parts), file.cid(), file.dagSize()));
    }
    if (options.wrapWithDirectory()) {
      write(top, out);
    } else {
      for (Map.Entry<String, Object> child : top.children.entrySet()) {
        if (child.getValue() instanceof Directory d) {
          write(d, out);
        }
      }
    }
    return out;
  }

  /** A directory being built: its children by name, files as {@link Ref}s. */
  private static final class Directory {
    final String path;
    final Map<String, Object> children = new LinkedHashMap<>();

    Directory(String path) {
      this.path = path;
    }

    Directory subdirectory(String entry, String name) {
      Object child = children.computeIfAbsent(name, n -> new Directory(path.isEmpty() ? n : path + "/" + n));
      if (child instanceof Directory d) {
        return d;
      }
      throw FerryException.badRequest("path '" + entry + "': '" + name + "' is a file and a directory");
    }

    void put(String entry, String name, Ref file) {
      if (children.putIfAbsent(name, file) != null) {
        throw FerryException.badRequest("path '" + entry + "' is given twice");
      }
    }
  }

  /**
   * Writes {@code dir} after its subdirectories, as a plain directory or, when the options' rule
   * says so ({@link #sharded}), a HAMT-sharded one; its reference.
   */
  private Ref write(Directory dir, List<Imported> out) throws IOException {
    List<Hamt.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Object> child : dir.children.entrySet()) {
      Ref ref = child.getValue() instanceof Directory d ? write(d, out) : (Ref) child.getValue();
      entries.add(new Hamt.Entry(child.getKey(), ref.cid(), ref.dagSize()));
    }
    Ref ref;
    if (sharded(entries)) {
      Hamt.Written root = Hamt.write(entries, this::dagPb);
      ref = new Ref(root.cid(), root.dagSize(), 0);
    } else {
      ref = plain(entries);
    }
    out.add(new Imported(dir.path, ref.cid(), ref.dagSize()));
    return ref;
  }

  /**
   * Whether a directory of {@code entries} is HAMT-sharded: from {@link ImportOptions#shardSplitThreshold()}
   * entries on (js-ipfs), or when its links' names and CIDs take more than
   * {@link ImportOptions#HAMT_SHARDING_SIZE} bytes (Kubo: boxo's link-size estimate, the name's length in
   * bytes plus the CID's binary length, summed over the links).
   */
  private boolean sharded(List<Hamt.Entry> entries) {
    return switch (options.directorySharding()) {
      case COUNT -> entries.size() >= options.shardSplitThreshold();
      case SIZE -> {
        long size = 0;
        for (Hamt.Entry entry : entries) {
          size += entry.name().getBytes(StandardCharsets.UTF_8).length + entry.cid().toBytes().length;
        }
        yield size > ImportOptions.HAMT_SHARDING_SIZE;
      }
    };
  }

  /** A plain directory: one node, its links sorted by the bytes of their names. */
  private Ref plain(List<Hamt.Entry> entries) throws IOException {
    List<Hamt.Entry> sorted = new ArrayList<>(entries);
    sorted.sort((a, b) -> Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
        b.name().getBytes(StandardCharsets.UTF_8)));
    List<DagPb.Link> links = new ArrayList<>();
    long dagSize = 0;
    for (Hamt.Entry entry : sorted) {
      links.add(new DagPb.Link(entry.cid(), entry.name(), entry.dagSize()));
      dagSize += entry.dagSize();
    }
    byte[] block = DagPb.encode(new DagPb.Node(links, UnixFs.directory().encode()));
    return new Ref(dagPb(block), dagSize + block.length, 0);
  }

  /** The file's DAG in the layout the options name; its root. */
  private Ref layout(InputStream in) throws IOException {
    return options.trickle() ? trickle(new Chunks(in)) : balanced(in);
  }

  /** Chunks {@code in} into leaves and builds the balanced tree over them; its root. */
  private Ref balanced(InputStream in) throws IOException {
    List<List<Ref>> levels = new ArrayList<>();
    levels.add(new ArrayList<>());
    boolean first = true;
    while (true) {
      Chunk chunk = readChunk(in);
      if (chunk.length() == 0 && !first) {
        break;
      }
      first = false;
      levels.get(0).add(leaf(chunk));
      for (int level = 0; levels.get(level).size() == MAX_LINKS; level++) {
        if (levels.size() == level + 1) {
          levels.add(new ArrayList<>());
        }
        levels.get(level + 1).add(parent(levels.get(level)));
        levels.get(level).clear();
      }
      if (chunk.length() < options.chunkSize()) {
        break;
      }
    }
    // the right edge: every level but the top gets a parent for what it holds; the top's one
    // node is the root (a file of one chunk is that chunk's leaf)
    for (int level = 0; ; level++) {
      List<Ref> nodes = levels.get(level);
      if (level == levels.size() - 1 && nodes.size() == 1) {
        return nodes.get(0);
      }
      if (level == levels.size() - 1) {
        levels.add(new ArrayList<>());
      }
      if (!nodes.isEmpty()) {
        levels.get(level + 1).add(parent(nodes));
      }
    }
  }

  /**
   * The trickle layout, as Kubo's {@code trickle.Layout} builds it: a node holds up to
   * {@value #MAX_LINKS} leaves, then {@value #LAYER_REPEAT} subtrees of depth 1, 4 of depth 2, and
   * so on, up to {@code maxDepth} (unbounded at the root: -1); a subtree of depth d is such a node
   * with depths below d. Leaves in dag-pb are of type Raw; even a file of one chunk gets a root above
   * its leaf. Reads chunks as it goes: memory grows with the depth, not the file.
   */
  private Ref trickle(Chunks chunks) throws IOException {
    return trickleNode(chunks, -1);
  }

  private Ref trickleNode(Chunks chunks, int maxDepth) throws IOException {
    List<Ref> children = new ArrayList<>();
    while (children.size() < MAX_LINKS && chunks.hasNext()) {
      children.add(leaf(chunks.next()));
    }
    for (int depth = 1; (maxDepth < 0 || depth < maxDepth) && chunks.hasNext(); depth++) {
      for (int repeat = 0; repeat < LAYER_REPEAT && chunks.hasNext(); repeat++) {
        children.add(trickleNode(chunks, depth));
      }
    }
    return parent(children);
  }

  /** The chunks of a stream with one chunk of look-ahead; an empty stream has none. */
  private final class Chunks {
    private final InputStream in;
    private Chunk next;
    private boolean ended;

    Chunks(InputStream in) {
      this.in = in;
    }

    boolean hasNext() throws IOException {
      if (next == null && !ended) {
        Chunk chunk = readChunk(in);
        ended = chunk.length() < options.chunkSize();
        next = chunk.length() > 0 ? chunk : null;
      }
      return next != null;
    }

    Chunk next() throws IOException {
      hasNext();
      Chunk chunk = next;
      next = null;
      return chunk;
    }
  }

  /**
   * The next chunk of {@code in}: {@link ImportOptions#chunkSize()}
   * bytes, fewer at its end. Read straight into the array of its leaf block, where the block holds
   * them, so that a whole chunk's leaf is made without copying it again (raw leaves: the block is
   * the chunk; dag-pb leaves: written around it, {@link DagPb#leafFrame}). An array per chunk:
   * the block store's writes hold each one until it is stored.
   */
  private Chunk readChunk(InputStream in) throws IOException {
    byte[] block = new byte[frame == null ? options.chunkSize() : frame.size()];
    int offset = frame == null ? 0 : frame.holeAt();
    return new Chunk(block, offset, in.readNBytes(block, offset, options.chunkSize()));
  }

  /** A leaf: a raw block, or with raw leaves off a dag-pb node of {@link #leafType} holding the chunk. */
  private Ref leaf(Chunk chunk) throws IOException {
    if (chunk.length() == options.chunkSize()) {  // a whole chunk: its array is its block
      if (!options.rawLeaves()) {
        frame.writeAround(chunk.block());
        return new Ref(dagPb(chunk.block()), chunk.block().length, chunk.length());
      }
      return rawLeaf(chunk.block());
    }
    byte[] data = Arrays.copyOfRange(chunk.block(), chunk.offset(), chunk.offset() + chunk.length());
    if (options.rawLeaves()) {
      return rawLeaf(data);
    }
    byte[] block = DagPb.encodeLeaf(leafType == UnixFs.Type.RAW ? UnixFs.raw(data) : UnixFs.file(data, List.of()));
    return new Ref(dagPb(block), block.length, data.length);
  }

  private Ref rawLeaf(byte[] data) throws IOException {
    Cid cid = Cid.v1(Cid.RAW, options.hash().multihash(data));
    sink.put(cid, data);
    return new Ref(cid, data.length, data.length);
  }

  private Ref parent(List<Ref> children) throws IOException {
    List<DagPb.Link> links = new ArrayList<>(children.size());
    List<Long> sizes = new ArrayList<>(children.size());
    long dagSize = 0;
    for (Ref child : children) {
      links.add(new DagPb.Link(child.cid(), "", child.dagSize()));
      sizes.add(child.fileSize());
      dagSize += child.dagSize();
    }
    UnixFs data = UnixFs.file(new byte[0], sizes);
    byte[] block = DagPb.encode(new DagPb.Node(links, data.encode()));
    return new Ref(dagPb(block), dagSize + block.length, data.fileSize());
  }

  /** Names and stores a dag-pb block. */
  private Cid dagPb(byte[] block) throws IOException {
    byte[] multihash = options.hash().multihash(block);
    Cid cid = options.cidVersion() == 0 ? Cid.v0(multihash) : Cid.v1(Cid.DAG_PB, multihash);
    sink.put(cid, block);
    return cid;
  }

  private static List<String> components(String path) {
    String trimmed = path == null ? "" : path.replaceAll("^/+|/+$", "");
    List<String> parts = Arrays.asList(trimmed.split("/+"));
    if (trimmed.isEmpty() || parts.contains(".") || parts.contains("..")) {
      throw FerryException.badRequest("path '" + path + "' is not a relative path without . or .. (such as "
          + "dir/file.txt)");
    }
    return parts;
  }
}
