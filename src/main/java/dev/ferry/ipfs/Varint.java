package dev.ferry.ipfs;

import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as multiformats and protobuf write them (seven bits a byte, least
 * significant group first, the high bit set on every byte but the last). Stateless, thread-safe.
 */
public final class Varint {
  private Varint() {}

  /** The bytes of {@code value} (not negative). */
  public static byte[] encode(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(10);
    write(out, value);
    return out.toByteArray();
  }

  /** Writes {@code value} (not negative) to {@code out}. */
  public static void write(ByteArrayOutputStream out, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("a varint is unsigned, got " + value);
    }
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  /** How many bytes {@code value} takes. */
  public static int size(long value) {
    int n = 1;
    while ((value & ~0x7fL) != 0) {
      value >>>= 7;
      n++;
    }
    return n;
  }

  /** {@code a} then {@code b}, as one array. */
  public static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
