package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.store.Car;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trustless gateway's {@code entity-bytes=from:to} on a CAR request: bytes {@code from} to
 * {@code to} of the file the path names, inclusive; a negative offset counts from the end of the
 * file ({@code -1024:*} is its last 1024 bytes), {@code to} may be {@code *} (the end). Resolved
 * against the file's size once it is known ({@link #of(long)}). Immutable.
 *
 * @param from the first byte, or from the end when negative
 * @param to the last byte, or from the end when negative; null for {@code *}
 */
record EntityBytes(long from, Long to) {
  static final String PARAM = "entity-bytes";
  private static final Pattern FORM = Pattern.compile("(-?\\d{1,18}):(\\*|-?\\d{1,18})");

  /**
   * Reads the parameter's value.
   *
   * @throws FerryException {@code bad-request} naming {@code entity-bytes} when it is not
   *     {@code from:to} with integer offsets, or when both are positions from the start and {@code to}
   *     comes before {@code from}
   */
  static EntityBytes parse(String value) {
    Matcher form = FORM.matcher(value);
    if (!form.matches()) {
      throw FerryException.badRequest(PARAM + "=" + value + ": expected from:to, byte offsets (integers; negative "
          + "counts from the end of the file; to may be *), such as 0:1023, 1024:* or -1024:*");
    }
    long from = Long.parseLong(form.group(1));
    Long to = form.group(2).equals("*") ? null : Long.parseLong(form.group(2));
    if (to != null && from >= 0 && to >= 0 && to < from) {
      throw FerryException.badRequest(PARAM + "=" + value + ": to (" + to + ") comes before from (" + from + "); "
          + "both offsets are inclusive, to >= from");
    }
    return new EntityBytes(from, to);
  }

  /**
   * The bytes of a file of {@code size} bytes this names, cut to the file; empty when none of them
   * is in the file (a zero-length range or one past its end: the specification then answers as
   * {@code dag-scope=block}).
   */
  Optional<Car.Range> of(long size) {
    long first = from >= 0 ? from : Math.max(0, size + from);
    long last = to == null ? size - 1 : to >= 0 ? Math.min(to, size - 1) : size + to;
    return first > last || first >= size ? Optional.empty() : Optional.of(new Car.Range(first, last));
  }

  /** As the request gave it, for the answer's ETag. */
  @Override
  public String toString() {
    return from + ":" + (to == null ? "*" : to);
  }
}
