package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * UnixFS HAMT-sharded directories, written and read as Kubo (boxo) and js-ipfs do. A directory's
 * entries are spread over the {@value #FANOUT} slots of a node by the first 8 bits of the
 * murmur3-x64-64 hash of their names (the first 64-bit half of murmur3-x64-128, seed 0, most
 * significant bits first); where two names share a slot the slot holds a sub-shard split on the
 * next 8 bits, and so on (after 64 bits the name with the level's count appended is hashed again).
 * A link is named by its slot in two upper-case hex digits, followed by the entry's name for an
 * entry, alone for a sub-shard; the node's UnixFS data is the bit field of the used slots
 * (big-endian, leading zero bytes left out), the fanout and the hash function (0x22).
 *
 * <p>Stateless apart from the blocks it is handed; thread-safe. Writing and reading hash and
 * read blocks: callers run them on a worker.
 */
final class Hamt {
  /** Slots a node has: Kubo's and js-ipfs's default. */
  static final int FANOUT = 256;
  /** The multicodec of murmur3-x64-64, the one hash UnixFS shards by. */
  static final long MURMUR3_X64_64 = 0x22;
  private static final int HASH_BITS = Long.SIZE;

  private Hamt() {}

  /** An entry of the directory: its name and the link to it (its CID and DAG size). */
  record Entry(String name, Cid cid, long dagSize) {}

  /** A block written: its CID and the size of the DAG under it. */
  record Written(Cid cid, long dagSize) {}

  /** Stores a dag-pb block; its CID. */
  @FunctionalInterface
  interface BlockWriter {
    Cid write(byte[] block) throws IOException;
  }

  /**
   * Writes the sharded directory of {@code entries} (names unique), its sub-shards before the
   * nodes that link to them; its root.
   */
  static Written write(List<Entry> entries, BlockWriter writer) throws IOException {
    int bits = bits(FANOUT);
    Bucket root = new Bucket();
    for (Entry entry : entries) {
      root.put(new Leaf(entry), 0, bits);
    }
    return root.write(bits, writer);
  }

  /** A node being built: each slot empty, a {@link Leaf} or a sub-shard. */
  private static final class Bucket {
    final Object[] slots = new Object[FANOUT];

    void put(Leaf leaf, int level, int bits) {
      int slot = leaf.hash.index(level, bits);
      Object there = slots[slot];
      if (there == null) {
        slots[slot] = leaf;
      } else if (there instanceof Bucket sub) {
        sub.put(leaf, level + 1, bits);
      } else {
        Bucket sub = new Bucket();  // two names share the slot: both one level down
        slots[slot] = sub;
        sub.put((Leaf) there, level + 1, bits);
        sub.put(leaf, level + 1, bits);
      }
    }

    Written write(int bits, BlockWriter writer) throws IOException {
      List<DagPb.Link> links = new ArrayList<>();
      byte[] bitField = new byte[FANOUT / Byte.SIZE];
      long dagSize = 0;
      for (int slot = 0; slot < FANOUT; slot++) {
        Object child = slots[slot];
        if (child == null) {
          continue;
        }
        bitField[bitField.length - 1 - slot / Byte.SIZE] |= (byte) (1 << (slot % Byte.SIZE));
        String label = label(slot, FANOUT);
        if (child instanceof Bucket sub) {
          Written written = sub.write(bits, writer);
          links.add(new DagPb.Link(written.cid(), label, written.dagSize()));
          dagSize += written.dagSize();
        } else {
          Entry entry = ((Leaf) child).entry;
          links.add(new DagPb.Link(entry.cid(), label + entry.name(), entry.dagSize()));
          dagSize += entry.dagSize();
        }
      }
      byte[] data = UnixFs.hamtShard(withoutLeadingZeros(bitField), FANOUT, MURMUR3_X64_64).encode();
      byte[] block = DagPb.encode(new DagPb.Node(links, data));
      return new Written(writer.write(block), dagSize + block.length);
    }
  }

  private static final class Leaf {
    final Entry entry;
    final NameHash hash;

    Leaf(Entry entry) {
      this.entry = entry;
      this.hash = new NameHash(entry.name());
    }
  }

  // ---- reading

  /** A directory entry found in a shard: its name (without the slot label) and its link. */
  record Found(String name, DagPb.Link link) {}

  /**
   * Every entry of the sharded directory whose root node is {@code root} (with {@code data} its
   * UnixFS data), walking its sub-shards depth first in link order; {@code read} gives a block's node.
   *
   * @throws FerryException {@code bad-request} when a node is not a well-formed shard
   */
  static List<Found> entries(Cid root, UnixFs data, Function<Cid, DagPb.Node> read) {
    List<Found> found = new ArrayList<>();
    collect(root, read.apply(root), data, read, found);
    return found;
  }

  private static void collect(Cid cid, DagPb.Node node, UnixFs data, Function<Cid, DagPb.Node> read, List<Found> out) {
    int width = labelWidth(cid, data);
    for (DagPb.Link link : node.links()) {
      String name = link.name() == null ? "" : link.name();
      if (name.length() < width) {
        throw FerryException.badRequest(cid + ": the shard link '" + name + "' is shorter than its " + width
            + "-digit slot label");
      }
      if (name.length() == width) {
        DagPb.Node sub = read.apply(link.hash());
        collect(link.hash(), sub, shardData(link.hash(), sub), read, out);
      } else {
        out.add(new Found(name.substring(width), link));
      }
    }
  }

  /**
   * The link to the entry {@code name} of the sharded directory {@code root} (with {@code data}
   * its UnixFS data), following the name's hash through the sub-shards; null when there is none.
   */
  static DagPb.Link find(Cid root, UnixFs data, String name, Function<Cid, DagPb.Node> read) {
    NameHash hash = new NameHash(name);
    Cid cid = root;
    UnixFs shard = data;
    DagPb.Node node = read.apply(root);
    for (int level = 0; ; level++) {
      int width = labelWidth(cid, shard);
      String slot = label(hash.index(level, bits(shard.fanout())), shard.fanout());
      DagPb.Link next = null;
      for (DagPb.Link link : node.links()) {
        String label = link.name() == null ? "" : link.name();
        if (label.length() == width && label.equals(slot)) {
          next = link;  // a sub-shard: one level down
          break;
        }
        if (label.length() > width && label.startsWith(slot)) {
          return label.substring(width).equals(name) ? link : null;
        }
      }
      if (next == null) {
        return null;
      }
      cid = next.hash();
      node = read.apply(cid);
      shard = shardData(cid, node);
    }
  }

  /** The UnixFS data of a sub-shard, which must be one. */
  private static UnixFs shardData(Cid cid, DagPb.Node node) {
    UnixFs data = node.data() == null ? null : UnixFs.decode(node.data());
    if (data == null || data.type() != UnixFs.Type.HAMT_SHARD) {
      throw FerryException.badRequest(cid + " is linked as a HAMT sub-shard but is not one");
    }
    return data;
  }

  /** Checks a shard's hash and fanout; the width of its slot labels in hex digits. */
  private static int labelWidth(Cid cid, UnixFs data) {
    if (data.hashType() == null || data.hashType() != MURMUR3_X64_64) {
      throw FerryException.badRequest(cid + ": a HAMT shard hashed with " + data.hashType() + "; only murmur3-x64-64 "
          + "(0x22) is defined for UnixFS");
    }
    if (data.fanout() == null || data.fanout() < Byte.SIZE || Long.bitCount(data.fanout()) != 1
        || data.fanout() > 1L << Byte.SIZE * 2) {
      throw FerryException.badRequest(cid + ": a HAMT shard with fanout " + data.fanout() + " (a power of two from 8 "
          + "to 65536 is needed)");
    }
    return label((int) (data.fanout() - 1), data.fanout()).length();
  }

  /** Slot {@code slot} as a label: upper-case hex, as many digits as the largest slot needs. */
  private static String label(int slot, long fanout) {
    int width = Long.toHexString(fanout - 1).length();
    String hex = Integer.toHexString(slot).toUpperCase(Locale.ROOT);
    return "0".repeat(width - hex.length()) + hex;
  }

  private static int bits(long fanout) {
    return Long.numberOfTrailingZeros(fanout);
  }

  private static byte[] withoutLeadingZeros(byte[] bytes) {
    int first = 0;
    while (first < bytes.length - 1 && bytes[first] == 0) {
      first++;
    }
    return Arrays.copyOfRange(bytes, first, bytes.length);
  }

  /** The bits a name is sharded by: murmur3-x64-64 of the name, then of the name and 1, 2, ... */
  private static final class NameHash {
    private final byte[] name;
    private long[] rounds = new long[0];

    NameHash(String name) {
      this.name = name.getBytes(StandardCharsets.UTF_8);
    }

    /** The slot at {@code level} of a trie that takes {@code bits} bits a level (bits divides 64). */
    int index(int level, int bits) {
      long offset = (long) level * bits;
      int round = (int) (offset / HASH_BITS);
      int shift = HASH_BITS - (int) (offset % HASH_BITS) - bits;
      return (int) ((round(round) >>> shift) & ((1L << bits) - 1));
    }

    private long round(int round) {
      if (round >= rounds.length) {
        long[] more = Arrays.copyOf(rounds, round + 1);
        for (int r = rounds.length; r <= round; r++) {
          byte[] input = name;
          if (r > 0) {
            input = Arrays.copyOf(name, name.length + 1);
            input[name.length] = (byte) r;
          }
          more[r] = murmur3x64h1(input);
        }
        rounds = more;
      }
      return rounds[round];
    }
  }

  /** The first 64-bit half of MurmurHash3's x64 128-bit hash of {@code data}, seed 0. */
  static long murmur3x64h1(byte[] data) {
    final long c1 = 0x87c37b91114253d5L;
    final long c2 = 0x4cf5ad432745937fL;
    long h1 = 0;
    long h2 = 0;
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    int blocks = data.length / 16;
    for (int i = 0; i < blocks; i++) {
      long k1 = in.getLong(i * 16);
      long k2 = in.getLong(i * 16 + 8);
      h1 ^= mixK1(k1, c1, c2);
      h1 = Long.rotateLeft(h1, 27) + h2;
      h1 = h1 * 5 + 0x52dce729;
      h2 ^= mixK2(k2, c1, c2);
      h2 = Long.rotateLeft(h2, 31) + h1;
      h2 = h2 * 5 + 0x38495ab5;
    }
    int tail = blocks * 16;
    int left = data.length - tail;
    long k1 = 0;
    long k2 = 0;
    for (int i = left - 1; i >= 8; i--) {
      k2 ^= (long) (data[tail + i] & 0xff) << (8 * (i - 8));
    }
    for (int i = Math.min(left, 8) - 1; i >= 0; i--) {
      k1 ^= (long) (data[tail + i] & 0xff) << (8 * i);
    }
    if (left > 8) {
      h2 ^= mixK2(k2, c1, c2);
    }
    if (left > 0) {
      h1 ^= mixK1(k1, c1, c2);
    }
    h1 ^= data.length;
    h2 ^= data.length;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    return h1 + h2;
  }

  private static long mixK1(long k1, long c1, long c2) {
    return Long.rotateLeft(k1 * c1, 31) * c2;
  }

  private static long mixK2(long k2, long c1, long c2) {
    return Long.rotateLeft(k2 * c2, 33) * c1;
  }

  private static long fmix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
