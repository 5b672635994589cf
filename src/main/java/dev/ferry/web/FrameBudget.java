package dev.ferry.web;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

/**
 * The bytes of TCP bridge frames being received, node-wide: a frame reserves its declared length
 * when its length prefix arrives and gives it back once it is whole (or its socket closes), so the
 * frames buffered at once across every socket never exceed {@code bridge.max_buffered_bytes}, however
 * many sockets each send a frame just under {@code bridge.max_frame_bytes}.
 *
 * <p>Thread-safe: sockets on different event loops share it.
 */
final class FrameBudget implements Shareable {
  private static final String MAP = "ferry.bridge.frames";

  private final long max;
  private long reserved;

  private FrameBudget(long max) {
    this.max = max;
  }

  static FrameBudget of(Vertx vertx, long max) {
    return (FrameBudget) vertx.sharedData().getLocalMap(MAP).computeIfAbsent("tcp", k -> new FrameBudget(max));
  }

  /** Reserves {@code bytes}; false (nothing reserved) when they do not fit. */
  synchronized boolean tryReserve(long bytes) {
    if (reserved + bytes > max) {
      return false;
    }
    reserved += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    reserved -= bytes;
  }

  long max() {
    return max;
  }
}
