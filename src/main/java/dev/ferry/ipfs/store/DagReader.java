package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads UnixFS DAGs out of a {@link BlockStore} as Kubo's {@code ls}, {@code refs} and {@code get}
 * do: a directory's entries with their types and sizes, the CIDs a DAG links to, and a file or
 * directory as a tar archive (ustar, written as Kubo writes it: directories as entries of their own,
 * files with their bytes, mode 0755/0644); and resolves a path below a CID. Directories are plain
 * or HAMT-sharded ({@link Hamt}) alike.
 *
 * <p>Blocking (reads files): callers run it on a worker. Stateless beyond its store.
 */
public final class DagReader {
  /** What {@code ls} says of one entry. Kubo's types: 1 directory, 2 file. */
  public record Listed(String name, Cid cid, long size, int type) {
    public static final int DIRECTORY = 1;
    public static final int FILE = 2;
  }

  private static final int TAR_BLOCK = 512;
  private static final int NAME_BYTES = 100;
  private static final int PREFIX_BYTES = 155;

  private final BlockStore blocks;

  DagReader(BlockStore blocks) {
    this.blocks = blocks;
  }

  /**
   * The entries of the directory {@code cid}, in link order (a sharded directory's in the order of
   * its shards); a file lists as itself, without a name.
   */
  List<Listed> ls(Cid cid) {
    UnixFs data = unixFs(cid);
    if (!isDirectory(data)) {
      return List.of(new Listed("", cid, size(cid, data), Listed.FILE));
    }
    List<Listed> listed = new ArrayList<>();
    for (Hamt.Found entry : entries(cid, data)) {
      Cid child = entry.link().hash();
      UnixFs childData = unixFs(child);
      boolean directory = isDirectory(childData);
      listed.add(new Listed(entry.name(), child, directory ? 0 : size(child, childData),
          directory ? Listed.DIRECTORY : Listed.FILE));
    }
    return listed;
  }

  /**
   * The CID that the path {@code names} below {@code root} leads to, through plain and sharded
   * directories ({@link #walk}).
   *
   * @throws FerryException {@code not-found} when a directory has no such entry or a block is
   *     missing, {@code bad-request} when the path goes below a file
   */
  Cid resolve(Cid root, List<String> names) {
    List<Cid> through = walk(root, names, new DeadEnds() {
      @Override
      public FerryException notADirectory(String walked, Cid at, String name) {
        unixFs(at);  // a missing block: not-found; a dag-pb node without UnixFS data: bad-request
        return FerryException.badRequest(walked + " is a file, not a directory: it has no entry '" + name + "'");
      }

      @Override
      public FerryException noEntry(String walked, String name) {
        return FerryException.notFound("no link named '" + name + "' under " + walked);
      }
    });
    return through.get(through.size() - 1);
  }

  /** How a caller of {@link #walk} words the two places a path can stop short. */
  interface DeadEnds {
    /**
     * The path goes on with {@code name} below {@code at}, which is not a UnixFS directory (a file,
     * a raw or other block, or one that is not here); {@code walked} is the path so far as
     * {@code <root CID>/a/b}.
     */
    FerryException notADirectory(String walked, Cid at, String name);

    /** The directory at {@code walked} has no entry {@code name}. */
    FerryException noEntry(String walked, String name);
  }

  /**
   * Follows the path {@code names} (one per segment, already unescaped) from {@code root} through
   * UnixFS directories, plain or sharded (a sharded one by the name's hash, {@link Hamt#find}): the
   * one path walker of the store, for the pin API's {@code resolve} and the gateway's and proxy's
   * paths alike.
   *
   * @return the CIDs the path goes through: {@code root}, then one per name, the last being what
   *     the path names
   * @throws FerryException what {@code deadEnds} makes of a dead end; {@code not-found} for a
   *     missing block of a directory
   */
  List<Cid> walk(Cid root, List<String> names, DeadEnds deadEnds) {
    List<Cid> through = new ArrayList<>(names.size() + 1);
    through.add(root);
    Cid cid = root;
    StringBuilder walked = new StringBuilder(root.toString());
    for (String name : names) {
      UnixFs data = directoryData(cid);
      if (data == null) {
        throw deadEnds.notADirectory(walked.toString(), cid, name);
      }
      DagPb.Link link = data.type() == UnixFs.Type.HAMT_SHARD ? Hamt.find(cid, data, name, this::node)
          : node(cid).links().stream().filter(l -> name.equals(l.name())).findFirst().orElse(null);
      if (link == null) {
        throw deadEnds.noEntry(walked.toString(), name);
      }
      cid = link.hash();
      walked.append('/').append(name);
      through.add(cid);
    }
    return through;
  }

  /**
   * The CIDs {@code root} links to: its direct links, or with {@code recursive} every block below it
   * (depth first, in link order); {@code unique} names each once.
   */
  List<Cid> refs(Cid root, boolean recursive, boolean unique) {
    List<Cid> out = new ArrayList<>();
    Set<Cid> seen = new HashSet<>();
    Deque<Cid> todo = new ArrayDeque<>(links(root));
    while (!todo.isEmpty()) {
      Cid cid = todo.pop();
      if (unique && !seen.add(cid)) {
        continue;
      }
      out.add(cid);
      if (recursive) {
        List<Cid> below = links(cid);
        for (int i = below.size() - 1; i >= 0; i--) {
          todo.push(below.get(i));
        }
      }
    }
    return out;
  }

  /** Every CID in the DAGs under {@code roots}, the roots included. */
  Set<Cid> reachable(Set<Cid> roots) {
    Set<Cid> seen = new LinkedHashSet<>();
    Deque<Cid> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Cid cid = todo.pop();
      if (seen.add(cid) && blocks.has(cid)) {
        todo.addAll(links(cid));
      }
    }
    return seen;
  }

  /** Writes the file or directory {@code root} as a tar archive whose top entry is {@code name}. */
  void tar(Cid root, String name, OutputStream out) throws IOException {
    entry(root, name, out);
    out.write(new byte[2 * TAR_BLOCK]);  // the end of the archive
  }

  private void entry(Cid cid, String path, OutputStream out) throws IOException {
    UnixFs data = unixFs(cid);
    if (isDirectory(data)) {
      header(path + "/", 0, '5', 0755, out);
      for (Hamt.Found child : entries(cid, data)) {
        entry(child.link().hash(), path + "/" + child.name(), out);
      }
      return;
    }
    long size = size(cid, data);
    header(path, size, '0', 0644, out);
    new Exporter(blocks).cat(cid, 0, -1, out);
    int pad = (int) ((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
    out.write(new byte[pad]);
  }

  private static void header(String path, long size, char type, int mode, OutputStream out) throws IOException {
    byte[] header = new byte[TAR_BLOCK];
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length <= NAME_BYTES) {
      System.arraycopy(name, 0, header, 0, name.length);
    } else {
      int split = path.lastIndexOf('/', path.length() - 2);
      byte[] prefix = split < 0 ? name : path.substring(0, split).getBytes(StandardCharsets.UTF_8);
      byte[] rest = split < 0 ? name : path.substring(split + 1).getBytes(StandardCharsets.UTF_8);
      if (split < 0 || prefix.length > PREFIX_BYTES || rest.length > NAME_BYTES) {
        throw FerryException.badRequest("get: the path '" + path + "' is too long for a tar archive");
      }
      System.arraycopy(rest, 0, header, 0, rest.length);
      System.arraycopy(prefix, 0, header, 345, prefix.length);
    }
    octal(header, 100, 8, mode);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, size);
    octal(header, 136, 12, 0);
    header[156] = (byte) type;
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 6);
    header[263] = '0';
    header[264] = '0';
    Arrays.fill(header, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    octal(header, 148, 7, sum);
    out.write(header);
  }

  /** {@code value} in octal, zero-padded, NUL-terminated, in {@code length} bytes at {@code at}. */
  private static void octal(byte[] header, int at, int length, long value) {
    String text = Long.toOctalString(value);
    if (text.length() > length - 1) {
      throw FerryException.badRequest("get: " + value + " does not fit a tar header");
    }
    byte[] digits = ("0".repeat(length - 1 - text.length()) + text).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, header, at, digits.length);
    header[at + length - 1] = 0;
  }

  /** Whether UnixFS data is a directory's, plain or sharded. */
  private static boolean isDirectory(UnixFs data) {
    return data != null && (data.type() == UnixFs.Type.DIRECTORY || data.type() == UnixFs.Type.HAMT_SHARD);
  }

  /** The entries of the directory {@code cid} whose UnixFS data is {@code data}, plain or sharded. */
  private List<Hamt.Found> entries(Cid cid, UnixFs data) {
    if (data.type() == UnixFs.Type.HAMT_SHARD) {
      return Hamt.entries(cid, data, this::node);
    }
    return node(cid).links().stream().map(l -> new Hamt.Found(l.name() == null ? "" : l.name(), l)).toList();
  }

  /**
   * The entries of the UnixFS directory {@code directory}, plain or HAMT-sharded, as links named by
   * their entries' names (a shard's name prefixes taken off), in link order: what the gateway lists
   * and walks.
   */
  List<DagPb.Link> entries(Cid directory) {
    UnixFs data = unixFs(directory);
    if (!isDirectory(data)) {
      throw FerryException.badRequest(directory + " is not a UnixFS directory");
    }
    return entries(directory, data).stream().map(f -> new DagPb.Link(f.link().hash(), f.name(), f.link().tsize())).toList();
  }

  private DagPb.Node node(Cid cid) {
    if (cid.codec() != Cid.DAG_PB) {
      throw FerryException.badRequest(cid + " is linked as a directory node but is not dag-pb");
    }
    return DagPb.decode(blocks.get(cid));
  }

  /** The UnixFS data of a dag-pb block, or null for a raw block. */
  private UnixFs unixFs(Cid cid) {
    if (cid.codec() != Cid.DAG_PB) {
      blocks.get(cid);  // not-found when missing, as for a dag-pb block
      return null;
    }
    DagPb.Node node = DagPb.decode(blocks.get(cid));
    if (node.data() == null) {
      throw FerryException.badRequest(cid + " is a dag-pb node without UnixFS data");
    }
    return UnixFs.decode(node.data());
  }

  /**
   * The UnixFS data of {@code cid} when it is a directory, plain or sharded; null for anything else,
   * read or not (a raw or other block, a dag-pb node without UnixFS data, a file).
   */
  private UnixFs directoryData(Cid cid) {
    if (cid.codec() != Cid.DAG_PB) {
      return null;
    }
    byte[] data = DagPb.decode(Exporter.block(blocks, cid)).data();
    UnixFs unixFs = data == null ? null : UnixFs.decode(data);
    return isDirectory(unixFs) ? unixFs : null;
  }

  /** A file's size: a raw block's length, else what its UnixFS data says. */
  private long size(Cid cid, UnixFs data) {
    return data == null ? blocks.get(cid).length : data.contentSize();
  }

  private List<Cid> links(Cid cid) {
    return Links.mayLink(cid) ? Links.of(cid, blocks.get(cid)) : List.of();
  }
}
