package dev.ferry.ipfs;

import dev.ferry.core.FerryException;
import dev.ferry.peers.Base58;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * An IPFS content identifier, checked when read: a CIDv0 ({@code Qm...}, base58btc of a SHA-256
 * multihash) or a CIDv1 in base32 ({@code b...}), base58btc ({@code z...}) or base16
 * ({@code f...}). Two CIDs are equal when their bytes are, so the same CIDv1 written in two bases
 * is one CID; {@link #toString()} is the canonical form: base58btc for v0, lower-case base32 for
 * v1 (what IPFS Cluster shows). IPFS daemons answer in either base, so compare {@code Cid}s, never
 * strings.
 *
 * <p>Immutable and thread-safe.
 */
public final class Cid {
  /** Longer text is refused before decoding: no real CID comes close. */
  static final int MAX_TEXT_LENGTH = 512;
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static final int SHA2_256 = 0x12;

  private final int version;
  private final byte[] bytes;
  private final String text;

  private Cid(int version, byte[] bytes) {
    this.version = version;
    this.bytes = bytes;
    this.text = version == 0 ? Base58.encode(bytes) : "b" + base32(bytes);
  }

  /**
   * Reads a CID from its text.
   *
   * @throws FerryException {@code bad-request} naming what is wrong and where
   */
  public static Cid parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "it is empty");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw invalid(text.substring(0, 32) + "...", "it is " + text.length() + " characters long (at most "
          + MAX_TEXT_LENGTH + ")");
    }
    if (text.length() == 46 && text.startsWith("Qm")) {
      byte[] multihash = decode58(text, 0);
      checkMultihash(text, multihash, 0);
      if (multihash[0] != SHA2_256) {
        throw invalid(text, "a CIDv0 is a SHA-256 multihash");
      }
      return new Cid(0, multihash);
    }
    byte[] bytes = switch (text.charAt(0)) {
      case 'b' -> decode32(text, 1, false);
      case 'B' -> decode32(text, 1, true);
      case 'z' -> decode58(text, 1);
      case 'f', 'F' -> decode16(text);
      default -> throw invalid(text, "unknown multibase prefix '" + text.charAt(0)
          + "' (expected Qm... for CIDv0, or b, B, z or f for CIDv1)");
    };
    int[] at = {0};
    long version = varint(text, bytes, at);
    if (version != 1) {
      throw invalid(text, "CID version " + version + " is not supported (0 or 1)");
    }
    varint(text, bytes, at);  // the content codec: any
    checkMultihash(text, bytes, at[0]);
    return new Cid(1, bytes);
  }

  /** 0 or 1. */
  public int version() {
    return version;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return text;
  }

  private static FerryException invalid(String text, String why) {
    return FerryException.badRequest("not a CID: '" + text + "': " + why);
  }

  /** A multihash from {@code from} to the end: code, digest length, and exactly that many bytes. */
  private static void checkMultihash(String text, byte[] bytes, int from) {
    int[] at = {from};
    varint(text, bytes, at);
    long length = varint(text, bytes, at);
    if (length != bytes.length - at[0]) {
      throw invalid(text, "its multihash says " + length + " digest bytes, but " + (bytes.length - at[0])
          + " follow");
    }
    if (length == 0) {
      throw invalid(text, "its multihash has an empty digest");
    }
  }

  private static long varint(String text, byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (at[0] >= bytes.length) {
        throw invalid(text, "it ends inside a varint (byte " + at[0] + ")");
      }
      int b = bytes[at[0]++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw invalid(text, "a varint longer than 9 bytes at byte " + at[0]);
  }

  private static byte[] decode58(String text, int from) {
    try {
      return Base58.decode(text, from);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  private static byte[] decode32(String text, int from, boolean upper) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int buffer = 0;
    int bits = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = BASE32.indexOf(upper ? Character.toLowerCase(c) : c);
      if (digit < 0 || (upper ? Character.isLowerCase(c) : Character.isUpperCase(c))) {
        throw invalid(text, "'" + c + "' at character " + (i + 1) + " is not " + (upper ? "upper" : "lower")
            + "-case base32");
      }
      buffer = (buffer << 5) | digit;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out.write((buffer >> bits) & 0xff);
      }
    }
    return out.toByteArray();
  }

  private static byte[] decode16(String text) {
    if ((text.length() - 1) % 2 != 0) {
      throw invalid(text, "base16 needs an even number of digits");
    }
    byte[] out = new byte[(text.length() - 1) / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(text.charAt(1 + 2 * i), 16);
      int lo = Character.digit(text.charAt(2 + 2 * i), 16);
      if (hi < 0 || lo < 0) {
        throw invalid(text, "'" + text.substring(1 + 2 * i, 3 + 2 * i) + "' at character " + (2 + 2 * i)
            + " is not base16");
      }
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }

  private static String base32(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out.append(BASE32.charAt((buffer >> bits) & 31));
      }
    }
    if (bits > 0) {
      out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }
}
