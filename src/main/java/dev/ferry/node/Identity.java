package dev.ferry.node;

import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import dev.ferry.peers.PeerId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * A node's ID object in the shape of IPFS Cluster's {@code api.ID} ({@code GET /id}), so its
 * clients can read it, plus ferry's {@code incarnation}: {@code id} and {@code cluster_peers} are
 * libp2p peer IDs, {@code peername} the peers.json name. The {@code ipfs} part (the node's daemon)
 * is added by the HTTP API, which holds the daemon's connector. Stateless.
 */
public final class Identity {
  /** ferry's cluster peers talk over the Vert.x event bus, not IPFS Cluster's libp2p RPC. */
  static final String RPC_PROTOCOL = "/ferry/eventbus/1";

  private Identity() {}

  /** The ID object of the node this context belongs to, without {@code ipfs}. */
  public static JsonObject of(NodeContext node) {
    var cluster = node.config().cluster();
    JsonArray peers = new JsonArray();
    node.members().current().forEach(m -> m.peerId().ifPresent(id -> peers.add(id.toString())));
    return new JsonObject()
        .put("id", node.peerId().toString())
        .put("addresses", new JsonArray().add("/ip4/" + cluster.host() + "/tcp/" + cluster.port()))
        .put("cluster_peers", peers)
        .put("cluster_peers_addresses", new JsonArray())
        .put("version", node.version())
        .put("commit", "")
        .put("rpc_protocol_version", RPC_PROTOCOL)
        .put("error", "")
        .put("peername", node.name())
        .put("incarnation", node.incarnation().id());
  }

  /**
   * The ID object IPFS Cluster reports for a peer it cannot reach: its peer ID (left out when the
   * member never said it) and the error; ferry adds the {@code peername}.
   */
  public static JsonObject unreachable(Members.Member member, String error) {
    JsonObject id = new JsonObject();
    member.peerId().map(PeerId::toString).ifPresent(peerId -> id.put("id", peerId));
    return id
        .put("addresses", new JsonArray())
        .put("cluster_peers", new JsonArray())
        .put("cluster_peers_addresses", new JsonArray())
        .put("version", "")
        .put("commit", "")
        .put("rpc_protocol_version", "")
        .put("error", error)
        .put("peername", member.name());
  }

  /**
   * The {@code ipfs} part, {@code {"id", "addresses", "error"}}: {@code id} is left out when
   * empty, as IPFS Cluster's {@code omitempty} does.
   */
  public static JsonObject ipfs(Optional<String> daemonId, List<String> addresses, String error) {
    JsonObject ipfs = new JsonObject();
    daemonId.filter(id -> !id.isEmpty()).ifPresent(id -> ipfs.put("id", id));
    return ipfs.put("addresses", new JsonArray(addresses)).put("error", error);
  }
}
