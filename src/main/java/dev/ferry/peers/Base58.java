package dev.ferry.peers;

import java.math.BigInteger;

/**
 * base58btc, the bitcoin alphabet that libp2p peer IDs and CIDv0s are written in: each leading
 * zero byte is a leading {@code 1}, the rest is the big-endian number in base 58. Stateless.
 */
public final class Base58 {
  private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  private static final BigInteger BASE = BigInteger.valueOf(ALPHABET.length());

  private Base58() {}

  /** The base58btc text of {@code bytes}. */
  public static String encode(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    BigInteger value = new BigInteger(1, bytes);
    while (value.signum() > 0) {
      BigInteger[] qr = value.divideAndRemainder(BASE);
      out.append(ALPHABET.charAt(qr[1].intValue()));
      value = qr[0];
    }
    for (int i = 0; i < bytes.length && bytes[i] == 0; i++) {
      out.append(ALPHABET.charAt(0));
    }
    return out.reverse().toString();
  }

  /**
   * The bytes of the base58btc text from character {@code from} on.
   *
   * @throws IllegalArgumentException naming the first character that is not base58btc and its
   *     position (counted from 1 in {@code text})
   */
  public static byte[] decode(String text, int from) {
    BigInteger value = BigInteger.ZERO;
    int zeros = 0;
    boolean leading = true;
    for (int i = from; i < text.length(); i++) {
      int digit = ALPHABET.indexOf(text.charAt(i));
      if (digit < 0) {
        throw new IllegalArgumentException("'" + text.charAt(i) + "' at character " + (i + 1) + " is not base58btc");
      }
      if (leading && digit == 0) {
        zeros++;
      } else {
        leading = false;
      }
      value = value.multiply(BASE).add(BigInteger.valueOf(digit));
    }
    byte[] magnitude = value.signum() == 0 ? new byte[0] : value.toByteArray();
    int sign = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
    byte[] out = new byte[zeros + magnitude.length - sign];
    System.arraycopy(magnitude, sign, out, zeros, magnitude.length - sign);
    return out;
  }
}
