package dev.ferry.raft;

import io.vertx.core.Future;

/**
 * A running {@link RaftClient#follow}: feed entries go to its handler, as {@link FeedEntry}s, until
 * it is stopped. Thread-safe.
 */
@FunctionalInterface
public interface FeedSubscription {
  /** Stops the delivery; completes once no further entry will be delivered. */
  Future<Void> stop();
}
