package dev.ferry.core;

/**
 * Every event-bus address ferry uses, built in one place. The strings are a stable contract,
 * documented in docs/ADDRESSES.md; change both together.
 *
 * <p>Node names never contain a dot (peers.json forbids it), so each segment is unambiguous.
 */
public final class Addresses {
  /** Published (node-local) whenever a member joins or leaves, as this node sees it. */
  public static final String MEMBER_EVENTS = "ferry.events.members";
  /** The global name registry (request/reply, JSON). */
  public static final String REGISTRY = "ferry.registry";
  /** The pinning service. */
  public static final String PIN = "ferry.pin";
  /** Published (cluster-wide, node to node, never bridged): each node's metrics, for every node's monitor. */
  public static final String METRICS = "ferry.monitor.metrics";
  /** Published (node-local) when this node's monitor raises or clears an alert. */
  public static final String ALERT_EVENTS = "ferry.events.alerts";
  /** Published (node-local) when this node starts to stop, before its verticles are undeployed. */
  public static final String NODE_EVENTS = "ferry.events.node";
  /** Node-local request/reply (bridge clients may ask it): the dashboard's snapshot of the cluster. */
  public static final String STATUS = "ferry.status";
  /**
   * Node-local request/reply, bridge clients only: the address a bridge socket may receive on and
   * the circuit peer id it may hold circuits under.
   */
  public static final String BRIDGE_MAILBOX = "ferry.bridge.mailbox";

  private Addresses() {}

  /** Node-internal request/reply: the IPFS-Cluster-style ID object of node {@code node}. */
  public static String nodeId(String node) {
    return "ferry.node." + node + ".id";
  }

  /**
   * Node-internal request/reply: the identity of node {@code node}'s IPFS daemon, the {@code ipfs}
   * part of its ID object.
   */
  public static String nodeIpfsId(String node) {
    return "ferry.node." + node + ".ipfs";
  }

  /** Node-internal request/reply: a garbage collection of node {@code node}'s IPFS daemon (its {@code RepoGC}). */
  public static String nodeIpfsGc(String node) {
    return "ferry.node." + node + ".ipfs.gc";
  }

  /** Node-internal request/reply: node {@code node}'s IPFS daemon's {@code repo/stat}. */
  public static String nodeIpfsStat(String node) {
    return "ferry.node." + node + ".ipfs.stat";
  }

  /** Node-internal request/reply: the mailboxes of node {@code node} and their queue lengths. */
  public static String nodeMailboxes(String node) {
    return "ferry.node." + node + ".mailboxes";
  }

  /** Node-internal: registry sync (digests and snapshots) with node {@code node}. */
  public static String nodeRegistry(String node) {
    return "ferry.node." + node + ".registry";
  }

  /** Node-internal request/reply: the pin tracker of node {@code node} (its local pin status). */
  public static String nodePin(String node) {
    return "ferry.node." + node + ".pin";
  }

  /** Node-internal request/reply: the monitor of node {@code node} (metric names, latest metrics, alerts). */
  public static String nodeMonitor(String node) {
    return "ferry.node." + node + ".monitor";
  }

  /** Node-internal prefix of everything addressed to one node's services. */
  public static String nodePrefix(String node) {
    return "ferry.node." + node + ".";
  }

  /** A mailbox: valid anywhere in the cluster, and only for the incarnation that created it. */
  public static String mailbox(String node, String incarnation, long n) {
    return mailboxPrefix(node, incarnation) + n;
  }

  /** The prefix shared by every mailbox of one incarnation of a node. */
  public static String mailboxPrefix(String node, String incarnation) {
    return "ferry.mbx." + node + "." + incarnation + ".";
  }

  /** The Raft client API of a group, answered on every node. */
  public static String raft(String group) {
    return "ferry.raft." + group;
  }

  /** Raft peer traffic of a group to one node: internal, never bridged. */
  public static String raftPeer(String group, String node) {
    return "ferry.raft." + group + "." + node;
  }

  /** The committed entries of a group, published: a change feed. */
  public static String raftLog(String group) {
    return "ferry.raft." + group + ".log";
  }

  /**
   * Node-internal request/reply: the Raft client API of a group on node {@code node} only, used to
   * forward proposals to the leader and to ask one node for its view; never bridged.
   */
  public static String raftNode(String group, String node) {
    return nodePrefix(node) + "raft." + group;
  }

  /** A peer of a circuit service. */
  public static String circuitPeer(String peerId) {
    return "ferry.circuit." + peerId;
  }

  /** One circuit of a peer. */
  public static String circuit(String peerId, String circuitId) {
    return "ferry.circuit." + peerId + "." + circuitId;
  }

  /** Node-internal request/reply: the circuit service of node {@code node} (start a peer there). */
  public static String circuitNode(String node) {
    return "ferry.node." + node + ".circuits";
  }

  /** Node-internal request/reply: node {@code node}'s recent samples of its meters, for the dashboard. */
  public static String nodeHistory(String node) {
    return "ferry.node." + node + ".history";
  }

  /** Published events on a topic. */
  public static String events(String topic) {
    return "ferry.events." + topic;
  }
}
