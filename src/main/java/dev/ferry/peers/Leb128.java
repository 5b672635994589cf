package dev.ferry.peers;

import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as multiformats and protobuf write them (seven bits a byte, least
 * significant group first, the high bit set on every byte but the last): the one reader and writer
 * behind peer IDs, libp2p key messages ({@link KeyMessage}) and CIDs ({@code ipfs.Cid},
 * {@code ipfs.Varint}). Here, in the bottom layer, so that both may use it. Stateless, thread-safe.
 */
public final class Leb128 {
  private Leb128() {}

  /**
   * The varint at {@code at[0]} in {@code bytes}; {@code at[0]} moves past it.
   *
   * @throws IllegalArgumentException when the bytes end inside it or it is longer than 9 bytes,
   *     saying at which byte
   */
  public static long read(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (at[0] >= bytes.length) {
        throw new IllegalArgumentException("it ends inside a varint (byte " + at[0] + ")");
      }
      int b = bytes[at[0]++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("a varint longer than 9 bytes at byte " + at[0]);
  }

  /** Writes {@code value} to {@code out}; a negative value as its 64-bit two's complement (10 bytes). */
  public static void write(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
