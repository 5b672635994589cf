package dev.ferry.node;

/**
 * Every event-bus address ferry uses, built in one place. The strings are a stable contract,
 * documented in docs/ADDRESSES.md; change both together.
 */
public final class Addresses {
  /** Published (node-local) whenever a member joins or leaves, as this node sees it. */
  public static final String MEMBER_EVENTS = "ferry.events.members";

  private Addresses() {}

  /** Node-internal request/reply: the IPFS-Cluster-style ID object of node {@code node}. */
  public static String nodeId(String node) {
    return "ferry.node." + node + ".id";
  }

  /** Published events on a topic. */
  public static String events(String topic) {
    return "ferry.events." + topic;
  }
}
