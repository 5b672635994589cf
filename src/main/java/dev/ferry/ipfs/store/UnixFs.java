package dev.ferry.ipfs.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The UnixFS {@code Data} message that a dag-pb node of a file or directory carries, per the
 * UnixFS specification: its type, the bytes it holds itself, the file size and each child's size.
 * Written as Kubo and js-ipfs write it: fields in number order, absent ones left out, an empty
 * {@code Data} left out, {@code blocksizes} one field per child (not packed). Immutable.
 */
public record UnixFs(Type type, byte[] data, Long fileSize, List<Long> blockSizes, Long hashType, Long fanout,
    Integer mode) {
  private static final int TYPE = 1;
  private static final int DATA = 2;
  private static final int FILESIZE = 3;
  private static final int BLOCKSIZES = 4;
  private static final int HASHTYPE = 5;
  private static final int FANOUT = 6;
  private static final int MODE = 7;
  private static final int MTIME = 8;

  /** The node types, numbered as on the wire. */
  public enum Type {
    RAW, DIRECTORY, FILE, METADATA, SYMLINK, HAMT_SHARD;

    static Type of(Protobuf.Reader in, long code) {
      if (code < 0 || code >= values().length) {
        throw in.malformed("unknown UnixFS type " + code);
      }
      return values()[(int) code];
    }
  }

  public UnixFs {
    blockSizes = List.copyOf(blockSizes);
  }

  /** A file node: {@code data} it holds itself (may be empty) and the sizes of its children's files. */
  public static UnixFs file(byte[] data, List<Long> blockSizes) {
    long size = data.length;
    for (long child : blockSizes) {
      size += child;
    }
    return new UnixFs(Type.FILE, data, size, blockSizes, null, null, null);
  }

  /** A leaf of the trickle layout in dag-pb: type Raw, holding {@code data} (Kubo's {@code TRaw} leaf). */
  public static UnixFs raw(byte[] data) {
    return new UnixFs(Type.RAW, data, (long) data.length, List.of(), null, null, null);
  }

  /**
   * A node of a HAMT-sharded directory: which of its {@code fanout} slots are used (a big-endian
   * bit field, bit {@code i} for slot {@code i}) and the hash function's multicodec.
   */
  public static UnixFs hamtShard(byte[] bitField, long fanout, long hashType) {
    return new UnixFs(Type.HAMT_SHARD, bitField, null, List.of(), hashType, fanout, null);
  }

  /** A plain (not sharded) directory. */
  public static UnixFs directory() {
    return new UnixFs(Type.DIRECTORY, null, null, List.of(), null, null, null);
  }

  /** The bytes of this message. */
  public byte[] encode() {
    return writer().toByteArray();
  }

  /** This message written, its data kept by reference (for {@link DagPb#encodeLeaf}). */
  Protobuf.Writer writer() {
    return writer(-1);
  }

  /**
   * A leaf of {@code type} (File or Raw) holding {@code length} bytes (more than none) that are not
   * in the message: its {@code Data} is a {@linkplain Protobuf.Writer#hole hole} (for
   * {@link DagPb#leafFrame}). The same fields as {@link #file} or {@link #raw} write.
   */
  static Protobuf.Writer leafWriter(Type type, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("a leaf written around its data holds some: " + length);
    }
    return new UnixFs(type, null, (long) length, List.of(), null, null, null).writer(length);
  }

  /** The message written; its data a hole of {@code hole} bytes when that is not negative. */
  private Protobuf.Writer writer(int hole) {
    Protobuf.Writer out = new Protobuf.Writer().varint(TYPE, type.ordinal());
    if (hole >= 0) {
      out.hole(DATA, hole);
    } else if (data != null && data.length > 0) {
      out.bytes(DATA, data);
    }
    if (fileSize != null) {
      out.varint(FILESIZE, fileSize);
    }
    for (long size : blockSizes) {
      out.varint(BLOCKSIZES, size);
    }
    if (hashType != null) {
      out.varint(HASHTYPE, hashType);
    }
    if (fanout != null) {
      out.varint(FANOUT, fanout);
    }
    if (mode != null) {
      out.varint(MODE, mode);
    }
    return out;
  }

  /**
   * Reads a {@code Data} message; fields it does not know (and {@code mtime}) are skipped, as a
   * protobuf reader does.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} when it is not one
   */
  public static UnixFs decode(byte[] bytes) {
    Protobuf.Reader in = new Protobuf.Reader("UnixFS Data", bytes);
    Type type = null;
    byte[] data = null;
    Long fileSize = null;
    List<Long> blockSizes = new ArrayList<>();
    Long hashType = null;
    Long fanout = null;
    Integer mode = null;
    while (in.next()) {
      switch (in.field()) {
        case TYPE -> type = Type.of(in, in.varintValue());
        case DATA -> data = in.bytesValue();
        case FILESIZE -> fileSize = in.varintValue();
        case BLOCKSIZES -> {
          if (in.wireType() == Protobuf.LENGTH_DELIMITED) {  // packed: allowed to a reader
            Protobuf.Reader packed = new Protobuf.Reader("UnixFS blocksizes", in.bytesValue());
            while (packed.hasMore()) {
              blockSizes.add(packed.rawVarint());
            }
          } else {
            blockSizes.add(in.varintValue());
          }
        }
        case HASHTYPE -> hashType = in.varintValue();
        case FANOUT -> fanout = in.varintValue();
        case MODE -> mode = (int) in.varintValue();
        case MTIME -> in.skip();  // kept by neither Kubo's default add nor ferry
        default -> in.skip();     // a field newer than this reader
      }
    }
    if (type == null) {
      throw in.malformed("no Type");
    }
    return new UnixFs(type, data == null ? new byte[0] : data, fileSize, blockSizes, hashType, fanout, mode);
  }

  /** The size of the file this node is the root of: its own data plus its children's. */
  public long contentSize() {
    if (fileSize != null) {
      return fileSize;
    }
    long size = data == null ? 0 : data.length;
    for (long child : blockSizes) {
      size += child;
    }
    return size;
  }
}
