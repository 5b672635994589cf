package dev.ferry.web;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one byte range of an HTTP {@code Range} header (RFC 9110, section 14) that the gateway
 * serves: {@code bytes=FIRST-LAST}, {@code bytes=FIRST-} or {@code bytes=-SUFFIX}. A header of
 * several ranges, another unit or a malformed one is ignored (the whole file is sent, as RFC 9110
 * allows). Stateless.
 */
final class ByteRanges {
  /** The answer for a range that starts at or past the end of the file (416). */
  static final long[] UNSATISFIABLE = new long[0];
  private static final Pattern SINGLE = Pattern.compile("bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*");

  private ByteRanges() {}

  /**
   * The first and last byte (inclusive) that {@code header} asks of a file of {@code size} bytes;
   * null when the header is to be ignored; {@link #UNSATISFIABLE} when no byte of it is in the file.
   */
  static long[] single(String header, long size) {
    Matcher m = SINGLE.matcher(header);
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return null;
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        return suffix == 0 || size == 0 ? UNSATISFIABLE : new long[] {Math.max(0, size - suffix), size - 1};
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < first) {
        return null;  // an invalid range: ignored, as RFC 9110 says
      }
      return first >= size ? UNSATISFIABLE : new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;  // beyond a long: no file is that large, so ignored
    }
  }
}
