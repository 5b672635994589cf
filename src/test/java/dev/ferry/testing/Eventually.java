package dev.ferry.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits on a condition with a deadline, polling; never a fixed sleep. */
public final class Eventually {
  private static final long POLL_MILLIS = 100;

  private Eventually() {}

  /** Returns once {@code condition} is true; fails with {@code what} and the last value seen after {@code timeout}. */
  public static void await(String what, Duration timeout, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
        last = null;
      } catch (RuntimeException | AssertionError e) {
        last = e;
      }
      pause();
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
  }

  private static void pause() {
    try {
      // polling interval between checks of a condition, not a wait for the outcome itself
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
