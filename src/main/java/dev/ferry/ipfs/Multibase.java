package dev.ferry.ipfs;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The multibase encodings CIDs and block keys are written in: base32 (RFC 4648, no padding; lower
 * case for CIDv1 text, upper case for Kubo's flatfs file names); base58btc is {@code peers.Base58}, shared with peer
 * IDs. Stateless, thread-safe.
 */
public final class Multibase {
  /** RFC 4648 base32's digits, lower case. */
  static final String BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final String BASE32_UPPER = BASE32_ALPHABET.toUpperCase(Locale.ROOT);

  private Multibase() {}

  /** {@code bytes} in RFC 4648 base32 without padding (and without a multibase prefix). */
  public static String base32(byte[] bytes, boolean upperCase) {
    String digits = upperCase ? BASE32_UPPER : BASE32_ALPHABET;
    StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out.append(digits.charAt((buffer >> bits) & 31));
      }
    }
    if (bits > 0) {
      out.append(digits.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  /**
   * The bytes of the base32 digits in {@code text} from index {@code from} on.
   *
   * @throws IllegalArgumentException naming the first character that is not a digit of that case
   */
  public static byte[] decodeBase32(String text, int from, boolean upperCase) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int buffer = 0;
    int bits = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = (upperCase ? BASE32_UPPER : BASE32_ALPHABET).indexOf(c);
      if (digit < 0) {
        throw new IllegalArgumentException("'" + c + "' at character " + (i + 1) + " is not "
            + (upperCase ? "upper" : "lower") + "-case base32");
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
}
