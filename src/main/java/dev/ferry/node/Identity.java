package dev.ferry.node;

import dev.ferry.core.NodeContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A node's ID object in the shape of IPFS Cluster's REST API ({@code GET /id}), so its clients
 * can read it, plus ferry's {@code incarnation}. The peer id is the node name: stable across
 * restarts, as IPFS Cluster's peer ids are.
 */
public final class Identity {
  /** What the ID object says while the node has no IPFS connector. */
  static final String NO_IPFS = "no IPFS connector on this node";

  private Identity() {}

  /** The ID object of the node this context belongs to. */
  public static JsonObject of(NodeContext node) {
    var cluster = node.config().cluster();
    JsonArray peers = new JsonArray();
    node.members().current().forEach(m -> peers.add(m.name()));
    return new JsonObject()
        .put("id", node.name())
        .put("peername", node.name())
        .put("addresses", new JsonArray().add("/ip4/" + cluster.host() + "/tcp/" + cluster.port()))
        .put("cluster_peers", peers)
        .put("cluster_peers_addresses", new JsonArray())
        .put("version", node.version())
        .put("commit", "")
        .put("rpc_protocol_version", "/ferry/eventbus/1")
        .put("error", "")
        .put("ipfs", new JsonObject().put("id", "").put("addresses", new JsonArray()).put("error", NO_IPFS))
        .put("incarnation", node.incarnation().id());
  }

  /** The ID object IPFS Cluster reports for a peer it cannot reach: the id and the error. */
  public static JsonObject unreachable(String name, String error) {
    return new JsonObject()
        .put("id", name)
        .put("peername", name)
        .put("addresses", new JsonArray())
        .put("cluster_peers", new JsonArray())
        .put("cluster_peers_addresses", new JsonArray())
        .put("version", "")
        .put("commit", "")
        .put("rpc_protocol_version", "")
        .put("error", error)
        .put("ipfs", new JsonObject().put("id", "").put("addresses", new JsonArray()).put("error", ""));
  }
}
