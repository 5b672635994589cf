package dev.ferry.web;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * One WARN line per kind of event an operator must know about (a refused or cut connection), at
 * most once per interval: a flood of slow clients gives a line a minute that says how many there
 * were, not a line per client.
 *
 * <p>Thread-safe.
 */
public final class ThrottledLog {
  private static final Duration INTERVAL = Duration.ofMinutes(1);

  private final Logger log;
  private long lastNanos;
  private boolean logged;
  private long suppressed;

  public ThrottledLog(Logger log) {
    this.log = log;
  }

  /** Logs {@code message} now, or counts it into the next line if one was logged within the interval. */
  public void warn(String message) {
    long more;
    synchronized (this) {
      long now = System.nanoTime();
      if (logged && now - lastNanos < INTERVAL.toNanos()) {
        suppressed++;
        return;
      }
      logged = true;
      lastNanos = now;
      more = suppressed;
      suppressed = 0;
    }
    log.warn(more == 0 ? message : message + " (and " + more + " similar events in the minute before)");
  }
}
