package dev.ferry.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Waiting on Vert.x futures from a test thread, with a deadline. */
public final class Futures {
  private Futures() {}

  /** The future's result; a failure or the deadline throws {@link CompletionException}. */
  public static <T> T await(Future<T> future, Duration timeout) {
    return future.toCompletionStage().toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  /** Why the future failed; an {@link AssertionError} if it succeeded. */
  public static Throwable cause(Future<?> future, Duration timeout) {
    try {
      await(future, timeout);
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the future to fail");
  }
}
