package dev.ferry.web;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.HashMap;
import java.util.Map;

/**
 * How many connections each client IP address holds open on one server, across every verticle
 * instance that shares the server's port: one instance per node and server, in a node-local map.
 * A connection over {@link ServerLimits#maxConnectionsPerAddress()} is refused.
 *
 * <p>Thread-safe: instances on different event loops open and close connections concurrently.
 */
public final class AddressCounts implements Shareable {
  private static final String MAP = "ferry.connections";

  private final int max;
  private final Map<String, Integer> open = new HashMap<>();

  private AddressCounts(int max) {
    this.max = max;
  }

  /** The node's counts for the server of {@code limits} (the first caller's limit holds). */
  public static AddressCounts of(Vertx vertx, ServerLimits limits) {
    return (AddressCounts) vertx.sharedData().getLocalMap(MAP)
        .computeIfAbsent(limits.section(), s -> new AddressCounts(limits.maxConnectionsPerAddress()));
  }

  /** Counts a new connection from {@code address}; false (and nothing counted) when it holds the most already. */
  public synchronized boolean tryOpen(String address) {
    int now = open.getOrDefault(address, 0);
    if (now >= max) {
      return false;
    }
    open.put(address, now + 1);
    return true;
  }

  /** A connection counted by {@link #tryOpen} has closed. */
  public synchronized void closed(String address) {
    open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  /** The limit, for messages. */
  public int max() {
    return max;
  }
}
