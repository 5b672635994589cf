package dev.ferry.raft.impl;

import dev.ferry.core.LocalServices;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leader of each Raft group as this node's replica last reported it, so that a client on this
 * node can send a propose or a leader read straight to the leader's node ({@code routed}, see
 * {@link Hop}) instead of through its own node's replica, which would only pass it on: that detour
 * cost each request two hops on and off the group's Raft executor of a follower, which on a busy
 * machine is a wait for a thread each (docs/BENCHMARKS.md, "Pin ingest and listings").
 *
 * <p>One per node ({@link #of}); written by the node's {@link GroupVerticle}s on their Raft
 * executors, read from any thread. Thread-safe (a concurrent map; {@link LocalServices#once} hands
 * every caller the one object it keeps).
 */
public final class Leaders {
  private final ConcurrentHashMap<String, String> byGroup = new ConcurrentHashMap<>();

  /** This node's. */
  public static Leaders of(Vertx vertx) {
    return LocalServices.once(vertx, Leaders.class, Leaders::new);
  }

  /** The leader of {@code group} this node's replica knows, if it knows one. */
  public Optional<String> leader(String group) {
    return Optional.ofNullable(byGroup.get(group));
  }

  /**
   * The replica of {@code group} reports {@code leader} (null: it knows none, or it stopped: until it
   * runs again, requests go through this node as before).
   */
  void reported(String group, String leader) {
    if (leader == null) {
      byGroup.remove(group);
    } else {
      byGroup.put(group, leader);
    }
  }
}
