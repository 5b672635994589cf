package dev.ferry.raft.impl;

import io.microraft.RaftEndpoint;

/**
 * A Raft member: a ferry node, named as in peers.json, and the generation of its store. The name
 * and the generation are the endpoint's identity, so a restarted node (a new incarnation) is the
 * same Raft member and recovers its log from disk, while a node that left and joins again does so
 * with a fresh store under a new generation: a new member, which MicroRaft does not confuse with
 * the removed one when it replays the removal from the log.
 *
 * <p>As text (on the bus, in the store) an endpoint is its {@link #id()}: the bare name for
 * generation 0 (every node's first store, and the initial members peers.json implies), else
 * {@code name#generation}; node names cannot contain {@code #}.
 *
 * <p>Immutable and thread-safe.
 */
public record NodeEndpoint(String name, int generation) implements RaftEndpoint {
  private static final char GENERATION_MARK = '#';

  public NodeEndpoint {
    if (generation < 0) {
      throw new IllegalArgumentException("a store generation is not negative, got " + generation);
    }
  }

  /** The node's first-generation endpoint. */
  public NodeEndpoint(String name) {
    this(name, 0);
  }

  /** The endpoint an id stands for (see {@link #id()}). */
  public static NodeEndpoint parse(String id) {
    int mark = id.indexOf(GENERATION_MARK);
    if (mark < 0) {
      return new NodeEndpoint(id);
    }
    try {
      return new NodeEndpoint(id.substring(0, mark), Integer.parseInt(id.substring(mark + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a Raft endpoint: " + id, e);
    }
  }

  /** The endpoint of the store that replaces this one's after the node left its group. */
  public NodeEndpoint next() {
    return new NodeEndpoint(name, generation + 1);
  }

  /** The name, or {@code name#generation} after the first generation. */
  public String id() {
    return generation == 0 ? name : name + GENERATION_MARK + generation;
  }

  @Override
  public Object getId() {
    return id();
  }

  /** The node name behind any endpoint MicroRaft hands back (they are all NodeEndpoints). */
  public static String nameOf(RaftEndpoint endpoint) {
    return endpoint == null ? null : ((NodeEndpoint) endpoint).name();
  }

  /** The id of any endpoint MicroRaft hands back. */
  public static String idOf(RaftEndpoint endpoint) {
    return endpoint == null ? null : ((NodeEndpoint) endpoint).id();
  }

  @Override
  public String toString() {
    return id();
  }
}
