package dev.ferry.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Waits on a condition with a deadline: the condition is checked on a poller thread of its own,
 * and the caller waits for it to hold, never longer than the deadline.
 */
public final class Eventually {
  private static final long POLL_MILLIS = 100;

  private Eventually() {}

  /** Returns once {@code condition} is true; fails with {@code what} and the last failure seen after {@code timeout}. */
  public static void await(String what, Duration timeout, Supplier<Boolean> condition) {
    CompletableFuture<Void> met = new CompletableFuture<>();
    AtomicReference<Throwable> last = new AtomicReference<>();
    // a poller per call: conditions may themselves wait with Eventually (RaftCluster.newLeader does)
    ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "eventually: " + what);
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(() -> check(condition, met, last), 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    try {
      met.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, last.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      throw new AssertionError("waiting for " + what + " failed", e.getCause());
    } finally {
      poller.shutdownNow();
    }
  }

  private static void check(Supplier<Boolean> condition, CompletableFuture<Void> met, AtomicReference<Throwable> last) {
    if (met.isDone()) {
      return;
    }
    try {
      if (Boolean.TRUE.equals(condition.get())) {
        met.complete(null);
      } else {
        last.set(null);
      }
    } catch (RuntimeException | AssertionError e) {
      last.set(e);
    }
  }
}
