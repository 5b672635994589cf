package dev.ferry.raft.impl;

import io.microraft.RaftEndpoint;

/**
 * A Raft member: a ferry node, named as in peers.json. The name is the endpoint's identity, so a
 * restarted node (a new incarnation) is the same Raft member and recovers its log from disk.
 *
 * <p>Immutable and thread-safe.
 */
public record NodeEndpoint(String name) implements RaftEndpoint {
  @Override
  public Object getId() {
    return name;
  }

  /** The node name behind any endpoint MicroRaft hands back (they are all NodeEndpoints). */
  public static String nameOf(RaftEndpoint endpoint) {
    return endpoint == null ? null : String.valueOf(endpoint.getId());
  }

  @Override
  public String toString() {
    return name;
  }
}
