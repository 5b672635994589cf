package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads files back out of a {@link BlockStore}: the bytes of a UnixFS file (a raw block, or a
 * dag-pb file node and its children) from an offset, skipping the subtrees before it by their
 * sizes, so memory stays at one block. Identity CIDs are read from themselves. Blocking I/O: run it on a worker. Stateless, thread-safe.
 */
final class Exporter {
  /** The multihash code of the identity "hash": the digest is the block itself. */
  private static final int IDENTITY = 0x00;
  private final BlockStore blocks;

  Exporter(BlockStore blocks) {
    this.blocks = blocks;
  }

  /**
   * Writes {@code length} bytes (or up to the end, whichever comes first; negative: to the end) of
   * the file {@code cid} from {@code offset} to {@code out}.
   *
   * @throws FerryException {@code not-found} for a missing block, {@code bad-request} when
   *     {@code cid} is not a file
   */
  void cat(Cid cid, long offset, long length, OutputStream out) throws IOException {
    if (offset < 0) {
      throw FerryException.badRequest("offset: " + offset + " is negative");
    }
    write(cid, offset, length < 0 ? Long.MAX_VALUE : length, out);
  }

  /**
   * The block of {@code cid}: stored, or for a CID with an identity multihash (such as the
   * gateway's probe {@code bafkqaaa}) the bytes the CID carries itself.
   */
  static byte[] block(BlockStore blocks, Cid cid) {
    if (!isIdentity(cid)) {
      return blocks.get(cid);
    }
    byte[] multihash = cid.multihash();
    int at = 1;
    long length = 0;
    for (int shift = 0; ; shift += 7) {
      int b = multihash[at++] & 0xff;
      length |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    return Arrays.copyOfRange(multihash, at, at + (int) length);
  }

  /** Whether {@code cid} has an identity multihash (code 0x00): its block is in the CID, never stored. */
  static boolean isIdentity(Cid cid) {
    return cid.multihash()[0] == IDENTITY;
  }

  /** Writes from {@code skip} bytes into the file under {@code cid}, at most {@code left}; what it wrote. */
  private long write(Cid cid, long skip, long left, OutputStream out) throws IOException {
    byte[] block = block(blocks, cid);
    if (cid.codec() == Cid.RAW) {
      return slice(block, skip, left, out);
    }
    if (cid.codec() != Cid.DAG_PB) {
      throw FerryException.badRequest(cid + " is not a UnixFS file (codec 0x" + Integer.toHexString(cid.codec()) + ")");
    }
    DagPb.Node node = DagPb.decode(block);
    if (node.data() == null) {
      throw FerryException.badRequest(cid + " is a dag-pb node without UnixFS data, not a file");
    }
    UnixFs data = UnixFs.decode(node.data());
    if (data.type() != UnixFs.Type.FILE && data.type() != UnixFs.Type.RAW) {
      throw FerryException.badRequest(cid + " is a UnixFS " + data.type().name().toLowerCase(Locale.ROOT)
          + ", not a file");
    }
    if (data.blockSizes().size() != node.links().size()) {
      throw FerryException.badRequest(cid + ": " + node.links().size() + " links but " + data.blockSizes().size()
          + " blocksizes: not a well-formed UnixFS file");
    }
    long written = slice(data.data(), skip, left, out);
    skip = Math.max(0, skip - data.data().length);
    for (int i = 0; i < node.links().size() && written < left; i++) {
      long size = data.blockSizes().get(i);
      if (skip >= size) {
        skip -= size;  // this subtree lies wholly before the offset: not read
        continue;
      }
      written += write(node.links().get(i).hash(), skip, left - written, out);
      skip = 0;
    }
    return written;
  }

  private static long slice(byte[] bytes, long skip, long left, OutputStream out) throws IOException {
    if (skip >= bytes.length || left <= 0) {
      return 0;
    }
    int n = (int) Math.min(bytes.length - skip, left);
    out.write(bytes, (int) skip, n);
    return n;
  }
}
