package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CARv1 archives, per the CAR specification: a varint-prefixed DAG-CBOR header
 * {@code {"roots": [CID, ...], "version": 1}}, then one varint-prefixed section per block, the
 * block's binary CID followed by its bytes. Export walks a DAG depth first, each block once,
 * following dag-pb and dag-cbor links ({@link Links});
 * import checks every block against its CID before storing it. Blocking I/O: run on a worker.
 * Stateless, thread-safe.
 */
public final class Car {
  /** A section larger than this is refused: no IPFS implementation makes blocks above 2 MiB. */
  static final int MAX_SECTION_BYTES = 2 * 1024 * 1024 + 1024;
  /** A header larger than this is refused (a CAR with thousands of roots is not one ferry reads). */
  static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final byte[] ROOTS = "roots".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VERSION = "version".getBytes(StandardCharsets.US_ASCII);
  private static final int CBOR_BYTES = DagCbor.BYTES;
  private static final int CBOR_TEXT = DagCbor.TEXT;
  private static final int CBOR_ARRAY = DagCbor.ARRAY;
  private static final int CBOR_MAP = DagCbor.MAP;
  private static final int CBOR_TAG = DagCbor.TAG;
  private static final int CBOR_CID_TAG = DagCbor.CID_TAG;

  private Car() {}

  /** Writes the DAG under {@code root} from {@code blocks} as a CAR with that one root; the number of blocks. */
  public static long export(BlockStore blocks, Cid root, OutputStream out) throws IOException {
    Walk walk = new Walk(List.of(root), List.of(), root, true, false);
    while (walk.write(blocks, out, Long.MAX_VALUE)) {
      // one call writes it all
    }
    return walk.count;
  }

  /**
   * Bytes {@code first} to {@code last} (inclusive, {@code first <= last}) of a file: a CAR of a
   * file's DAG with a range carries the blocks needed to read those bytes and no other leaves.
   */
  public record Range(long first, long last) {
    public Range {
      if (first < 0 || last < first) {
        throw new IllegalArgumentException("range " + first + "-" + last);
      }
    }

    boolean overlaps(long start, long length) {
      return length > 0 && start <= last && start + length > first;
    }
  }

  /**
   * A CAR written a few sections at a time, so that an answer can be streamed with memory held to
   * one piece: the header, then single blocks (those that prove a path, root first), then the DAG
   * under one CID depth first in link order (with a {@link Range}, of a UnixFS file, only the
   * subtrees holding bytes of the range: skipped by the {@code blocksizes} of each node, as
   * {@code cat} skips them), or that CID's block alone. Blocks with an identity multihash are left
   * out (their bytes are in the CID itself), as the trustless gateway specification requires. Not
   * thread-safe: one caller at a time, on a worker.
   */
  static final class Walk {
    /** A block to write and, below a ranged file's root, the offset in the file where its bytes begin. */
    private record At(Cid cid, long offset) {}

    private final Deque<At> todo = new ArrayDeque<>();
    private final Set<Cid> seen = new HashSet<>();
    private final boolean dups;
    private final Cid dag;
    private final boolean whole;
    private final Range range;
    private byte[] header;
    private long count;

    /**
     * @param roots the header's roots
     * @param first blocks written alone before {@code dag}, in order
     * @param whole whether to write the DAG under {@code dag} or only its block
     * @param dups whether a block the DAG reaches twice is written twice (the gateway's {@code dups=y})
     */
    Walk(List<Cid> roots, List<Cid> first, Cid dag, boolean whole, boolean dups) {
      this(roots, first, dag, whole, dups, null);
    }

    /** @param range with {@code whole}, the bytes of the file {@code dag} whose blocks to write; null: all */
    Walk(List<Cid> roots, List<Cid> first, Cid dag, boolean whole, boolean dups, Range range) {
      this.header = header(roots);
      this.dag = dag;
      this.whole = whole;
      this.dups = dups;
      this.range = range;
      first.forEach(cid -> todo.add(new At(cid, 0)));
      todo.add(new At(dag, 0));
    }

    /**
     * Writes sections until at least {@code budget} bytes are written or the CAR is done; whether
     * there is more to write.
     *
     * @throws FerryException {@code not-found} when a block of the DAG is not stored,
     *     {@code bad-request} when a ranged file's node is not a well-formed UnixFS file
     */
    boolean write(BlockStore blocks, OutputStream out, long budget) throws IOException {
      long written = 0;
      if (header != null) {
        writeSection(out, header);
        written += header.length;
        header = null;
      }
      while (!todo.isEmpty() && written < budget) {
        At at = todo.pop();
        Cid cid = at.cid();
        boolean fresh = seen.add(cid);
        // a ranged file walks a repeated subtree again: at another offset it may hold other bytes of the range
        if (!fresh && !dups && (range == null || !seen.contains(dag))) {
          continue;
        }
        byte[] block = Exporter.block(blocks, cid);
        if ((fresh || dups) && !Exporter.isIdentity(cid)) {
          byte[] id = cid.toBytes();
          out.write(Varint.encode(id.length + block.length));
          out.write(id);
          out.write(block);
          written += id.length + block.length;
          count++;
        }
        if (whole && seen.contains(dag)) {
          if (range != null) {
            pushInRange(at, block);
          } else {
            List<Cid> links = Links.of(cid, block);
            for (int i = links.size() - 1; i >= 0; i--) {
              todo.push(new At(links.get(i), 0));  // pushed in reverse: written in link order
            }
          }
        }
      }
      return !todo.isEmpty();
    }

    /** Pushes the children of the file node {@code at} whose bytes overlap the range, to be written in order. */
    private void pushInRange(At at, byte[] block) {
      if (at.cid().codec() != Cid.DAG_PB) {
        return;  // a raw leaf: no children
      }
      DagPb.Node node = DagPb.decode(block);
      UnixFs data = node.data() == null ? null : UnixFs.decode(node.data());
      if (data == null || data.blockSizes().size() != node.links().size()) {
        throw FerryException.badRequest(at.cid() + " is not a well-formed UnixFS file node: its bytes cannot be "
            + "ranged (entity-bytes)");
      }
      long start = at.offset() + data.data().length;  // a node's own bytes come before its children's
      List<At> children = new ArrayList<>();
      for (int i = 0; i < node.links().size(); i++) {
        long size = data.blockSizes().get(i);
        if (range.overlaps(start, size)) {
          children.add(new At(node.links().get(i).hash(), start));
        }
        start += size;
      }
      for (int i = children.size() - 1; i >= 0; i--) {
        todo.push(children.get(i));
      }
    }
  }

  /**
   * Reads a CAR, putting each block into {@code blocks} once its hash is checked; its roots.
   *
   * @throws FerryException {@code bad-request} naming what is wrong (a truncated section, a header
   *     that is not CARv1, a block that does not hash to its CID); blocks read before it stay stored,
   *     unpinned
   */
  public static List<Cid> read(InputStream in, BlockStore blocks) throws IOException {
    return read(in, blocks::put);
  }

  /**
   * Reads a CAR, handing each block to {@code sink} with its CID (unchecked: the sink checks, as
   * {@link BlockStore#put} and {@link BlockStore#check} do); its roots. A reader that must store
   * nothing of a bad CAR reads it twice: once into {@link BlockStore#check}, then into the store.
   *
   * @throws FerryException {@code bad-request} as {@link #read(InputStream, BlockStore)}
   */
  public static List<Cid> read(InputStream in, Importer.BlockSink sink) throws IOException {
    List<Cid> roots = readRoots(in);
    readBlocks(in, sink);
    return roots;
  }

  /**
   * What a CAR holds, read whole and checked as {@link #read} checks it, storing nothing: its roots,
   * its blocks and their bytes, and the size of the file its single root is (IPFS Cluster's
   * {@code size} of an added CAR): a UnixFS file's size or a raw block's length, else 0 (a
   * directory, another codec, or a root not in the CAR).
   */
  public record Summary(List<Cid> roots, long blocks, long bytes, long rootSize) {}

  /**
   * Reads a whole CAR, checking every block against its CID and storing nothing; what it holds.
   *
   * @throws FerryException {@code bad-request} as {@link #read(InputStream, BlockStore)}
   */
  public static Summary check(InputStream in) throws IOException {
    List<Cid> roots = readRoots(in);
    long[] counts = new long[3];  // blocks, bytes, the root's size
    readBlocks(in, (cid, block) -> {
      BlockStore.check(cid, block);
      counts[0]++;
      counts[1] += block.length;
      if (roots.size() == 1 && roots.get(0).equals(cid)) {
        counts[2] = fileSize(cid, block);
      }
    });
    return new Summary(roots, counts[0], counts[1], counts[2]);
  }

  /** The size of the file {@code block} is the root of; 0 when it is no file. */
  private static long fileSize(Cid cid, byte[] block) {
    if (cid.codec() == Cid.RAW) {
      return block.length;
    }
    if (cid.codec() != Cid.DAG_PB) {
      return 0;
    }
    try {
      UnixFs node = UnixFs.decode(DagPb.decode(block).data());
      return node.type() == UnixFs.Type.FILE || node.type() == UnixFs.Type.RAW ? node.contentSize() : 0;
    } catch (FerryException e) {
      return 0;  // dag-pb that is not UnixFS: no file
    }
  }

  /** The roots in the header at the start of {@code in}. */
  private static List<Cid> readRoots(InputStream in) throws IOException {
    byte[] header = readSection(in, MAX_HEADER_BYTES, "the header");
    if (header == null) {
      throw FerryException.badRequest("not a CAR: it is empty");
    }
    return roots(header);
  }

  /** Hands every block section after the header to {@code sink}. */
  private static void readBlocks(InputStream in, Importer.BlockSink sink) throws IOException {
    for (long n = 1; ; n++) {
      byte[] section = readSection(in, MAX_SECTION_BYTES, "section " + n);
      if (section == null) {
        return;
      }
      int cidLength = cidLength(section, n);
      byte[] cidBytes = Arrays.copyOf(section, cidLength);
      Cid cid = Cid.fromBytes(cidBytes);
      sink.put(cid, Arrays.copyOfRange(section, cidLength, section.length));
    }
  }

  /** The DAG-CBOR header: a map of two keys in DAG-CBOR's order (shorter keys first). */
  static byte[] header(List<Cid> roots) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    cborHead(out, CBOR_MAP, 2);
    cborHead(out, CBOR_TEXT, ROOTS.length);
    out.writeBytes(ROOTS);
    cborHead(out, CBOR_ARRAY, roots.size());
    for (Cid root : roots) {
      byte[] cid = root.toBytes();
      cborHead(out, CBOR_TAG, CBOR_CID_TAG);
      cborHead(out, CBOR_BYTES, cid.length + 1);
      out.write(0);  // the multibase prefix of binary CIDs in DAG-CBOR: identity
      out.writeBytes(cid);
    }
    cborHead(out, CBOR_TEXT, VERSION.length);
    out.writeBytes(VERSION);
    cborHead(out, 0, 1);
    return out.toByteArray();
  }

  private static void cborHead(ByteArrayOutputStream out, int major, long value) {
    int type = major << 5;
    if (value < 24) {
      out.write(type | (int) value);
    } else if (value < 0x100) {
      out.write(type | 24);
      out.write((int) value);
    } else if (value < 0x10000) {
      out.write(type | 25);
      out.write((int) (value >> 8));
      out.write((int) value);
    } else {
      out.write(type | 26);
      for (int shift = 24; shift >= 0; shift -= 8) {
        out.write((int) (value >> shift));
      }
    }
  }

  /** The roots of a CARv1 header; its two keys in either order. */
  private static List<Cid> roots(byte[] header) {
    DagCbor.Reader cbor = new DagCbor.Reader(header, Car::notCar);
    List<Cid> roots = null;
    Long version = null;
    long keys = cbor.head(CBOR_MAP, "the header");
    for (long k = 0; k < keys; k++) {
      String key = new String(cbor.bytes(CBOR_TEXT, "a header key"), StandardCharsets.UTF_8);
      switch (key) {
        case "roots" -> {
          roots = new ArrayList<>();
          long n = cbor.head(CBOR_ARRAY, "roots");
          for (long i = 0; i < n; i++) {
            if (cbor.head(CBOR_TAG, "a root") != CBOR_CID_TAG) {
              throw notCar("a root is not a CID (tag 42)");
            }
            byte[] cid = cbor.bytes(CBOR_BYTES, "a root");
            if (cid.length < 2 || cid[0] != 0) {
              throw notCar("a root CID lacks its identity multibase prefix");
            }
            roots.add(Cid.fromBytes(Arrays.copyOfRange(cid, 1, cid.length)));
          }
        }
        case "version" -> version = cbor.head(0, "version");
        default -> throw notCar("unknown header key '" + key + "'");
      }
    }
    if (version == null || version != 1) {
      throw notCar("version " + version + " (only CARv1 is read)");
    }
    if (roots == null) {
      throw notCar("the header has no roots");
    }
    return roots;
  }

  /** The length of the binary CID at the start of {@code section}. */
  private static int cidLength(byte[] section, long n) {
    if (section.length >= 2 && section[0] == 0x12 && section[1] == 0x20) {
      return 34;  // a CIDv0: the SHA-256 multihash itself
    }
    int[] at = {0};
    for (int field = 0; field < 3; field++) {  // version, codec, hash code
      sectionVarint(section, at, n);
    }
    long digest = sectionVarint(section, at, n);
    if (at[0] + digest > section.length) {
      throw FerryException.badRequest("CAR section " + n + ": its CID is cut short");
    }
    return at[0] + (int) digest;
  }

  private static long sectionVarint(byte[] bytes, int[] at, long n) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (at[0] >= bytes.length) {
        throw FerryException.badRequest("CAR section " + n + ": its CID is cut short");
      }
      int b = bytes[at[0]++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw FerryException.badRequest("CAR section " + n + ": a varint in its CID is too long");
  }

  private static void writeSection(OutputStream out, byte[] section) throws IOException {
    out.write(Varint.encode(section.length));
    out.write(section);
  }

  /** The next length-prefixed section, or null at the end of the stream. */
  private static byte[] readSection(InputStream in, int max, String what) throws IOException {
    long length = 0;
    for (int shift = 0; ; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          return null;
        }
        throw FerryException.badRequest("truncated CAR: it ends inside the length of " + what);
      }
      if (shift > 28) {
        throw FerryException.badRequest("CAR: the length of " + what + " is too long a varint");
      }
      length |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (length > max) {
      throw FerryException.badRequest("CAR: " + what + " is " + length + " bytes, more than the " + max + " allowed");
    }
    byte[] section = in.readNBytes((int) length);
    if (section.length < length) {
      throw FerryException.badRequest("truncated CAR: " + what + " has " + section.length + " of its " + length
          + " bytes");
    }
    return section;
  }

  private static FerryException notCar(String why) {
    return FerryException.badRequest("not a CARv1 header: " + why);
  }
}
