package dev.ferry.web;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Slows down password guessing: a client address that fails {@code api.login_max_failures} logins
 * within {@code api.login_window_seconds} is refused (429) for {@code api.login_block_seconds}
 * without its credentials being checked. One per node, shared by the web verticle's instances in
 * a node-local map (a client's connections may land on any instance).
 *
 * <p>Thread-safe: instances on different event loops count concurrently.
 */
final class LoginThrottle implements Shareable {
  private static final String MAP = "ferry.login-throttle";
  private static final String KEY = "api";

  private final int maxFailures;
  private final long windowNanos;
  private final long blockNanos;
  private final Map<String, Failures> byAddress = new HashMap<>();

  private static final class Failures {
    long windowStart;
    int count;
    long blockedUntil;
  }

  private LoginThrottle(int maxFailures, Duration window, Duration block) {
    this.maxFailures = maxFailures;
    this.windowNanos = window.toNanos();
    this.blockNanos = block.toNanos();
  }

  /** The node's throttle (the first caller's settings hold). */
  static LoginThrottle of(Vertx vertx, int maxFailures, Duration window, Duration block) {
    return (LoginThrottle) vertx.sharedData().getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new LoginThrottle(maxFailures, window, block));
  }

  /** Seconds until {@code address} may try again, or empty when it may now. */
  synchronized OptionalLong retryAfterSeconds(String address) {
    Failures failures = byAddress.get(address);
    long now = System.nanoTime();
    if (failures == null || failures.blockedUntil - now <= 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(1, Duration.ofNanos(failures.blockedUntil - now).toSeconds()));
  }

  /** Counts a failed login; true when this failure blocks the address. */
  synchronized boolean failed(String address) {
    long now = System.nanoTime();
    forgetExpired(now);
    Failures failures = byAddress.computeIfAbsent(address, a -> new Failures());
    if (failures.count == 0 || now - failures.windowStart > windowNanos) {
      failures.windowStart = now;
      failures.count = 0;
    }
    failures.count++;
    if (failures.count >= maxFailures) {
      failures.blockedUntil = now + blockNanos;
      failures.count = 0;
      return true;
    }
    return false;
  }

  /** A successful login clears the address's failures. */
  synchronized void succeeded(String address) {
    Failures failures = byAddress.get(address);
    if (failures != null && failures.blockedUntil - System.nanoTime() <= 0) {
      byAddress.remove(address);
    }
  }

  /** Drops addresses whose window and block have both passed, so the map holds only recent guessers. */
  private void forgetExpired(long now) {
    byAddress.values().removeIf(f -> now - f.windowStart > windowNanos && f.blockedUntil - now <= 0);
  }
}
