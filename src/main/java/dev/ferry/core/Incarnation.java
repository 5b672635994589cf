package dev.ferry.core;


import java.security.SecureRandom;

/**
 * The identity of one run of a node: chosen afresh at every start, so that anything addressed to
 * a dead process never reaches its successor. Its text is lowercase base-36, safe inside
 * event-bus addresses, and orders by start time.
 */
public record Incarnation(String id) {
  private static final SecureRandom RANDOM = new SecureRandom();

  public Incarnation {
    if (id == null || !id.matches("[0-9a-z]+")) {
      throw new IllegalArgumentException("an incarnation is lowercase base-36, got: " + id);
    }
  }

  /** A new incarnation: start time in milliseconds, then random bits against same-millisecond starts. */
  public static Incarnation next() {
    long millis = System.currentTimeMillis();
    String random = Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    return new Incarnation(Long.toString(millis, 36) + "0000".substring(random.length()) + random);
  }

  @Override
  public String toString() {
    return id;
  }
}
