package dev.ferry.ipfs;

import dev.ferry.peers.Leb128;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Unsigned LEB128 varints as multiformats and protobuf write them (seven bits a byte, least
 * significant group first, the high bit set on every byte but the last), for the IPFS code; the
 * reading and writing itself is {@link Leb128}'s, shared with peer IDs. Stateless, thread-safe.
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
    Leb128.write(out, value);
  }

  /**
   * The varint at {@code at[0]} in {@code bytes}; {@code at[0]} moves past it.
   *
   * @throws IllegalArgumentException when the bytes end inside it or it is longer than 9 bytes
   */
  public static long read(byte[] bytes, int[] at) {
    return Leb128.read(bytes, at);
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
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
