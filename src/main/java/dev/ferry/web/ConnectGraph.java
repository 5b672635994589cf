package dev.ferry.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * {@code GET /health/graph}'s answer, IPFS Cluster 1.1's {@code api.ConnectGraph}, from the ID
 * objects of the cluster's peers (the members of the pinset's Raft group, as IPFS Cluster takes its
 * consensus peers): {@code cluster_links} has every peer, with the peers it sees as members (none
 * for a peer that did not answer); {@code id_to_peername} and {@code cluster_to_ipfs} the peers
 * that answered, the latter only where their daemon did too; {@code cluster_trust_links} is true
 * for every peer (Raft trusts all its members, as IPFS Cluster's Raft consensus does);
 * {@code ipfs_links} has every daemon that answered, with its swarm peers among them. An embedded
 * store (its ID is its node's peer ID) exchanges blocks with every other live node's store, so its
 * links are the other embedded stores that answered; a Kubo daemon's are its swarm peers (its
 * {@code swarm/peers}), empty when they could not be read, as IPFS Cluster records them. Stateless.
 */
final class ConnectGraph {
  /**
   * A peer: its peer ID, its ID object ({@code GET /id}'s shape with {@code ipfs}; null when down)
   * and its daemon's swarm peers (empty when not read).
   */
  record Peer(String peerId, JsonObject id, List<String> swarm) {
    Peer {
      swarm = swarm == null ? List.of() : List.copyOf(swarm);
    }
  }

  private ConnectGraph() {}

  /** The graph as the node with peer ID {@code self} sees {@code peers}. */
  static JsonObject of(String self, List<Peer> peers) {
    JsonObject names = new JsonObject();
    JsonObject ipfsLinks = new JsonObject();
    JsonObject clusterLinks = new JsonObject();
    JsonObject trust = new JsonObject();
    JsonObject toIpfs = new JsonObject();
    List<String> embedded = peers.stream().filter(ConnectGraph::answered)
        .filter(p -> p.peerId().equals(daemonId(p))).map(Peer::peerId).toList();
    for (Peer peer : peers) {
      String p = peer.peerId();
      trust.put(p, true);
      JsonArray links = new JsonArray();
      clusterLinks.put(p, links);
      if (peer.id() == null || !error(peer.id()).isEmpty()) {
        continue;
      }
      peer.id().getJsonArray("cluster_peers", new JsonArray()).stream().map(String::valueOf)
          .filter(other -> !other.equals(p)).forEach(links::add);
      names.put(p, peer.id().getString("peername", ""));
      if (!answered(peer)) {
        continue;
      }
      String daemon = daemonId(peer);
      toIpfs.put(p, daemon);
      ipfsLinks.put(daemon, new JsonArray(embedded.contains(p)
          ? embedded.stream().filter(other -> !other.equals(p)).toList() : peer.swarm()));
    }
    return new JsonObject()
        .put("cluster_id", self)
        .put("id_to_peername", names)
        .put("ipfs_links", ipfsLinks)
        .put("cluster_links", clusterLinks)
        .put("cluster_trust_links", trust)
        .put("cluster_to_ipfs", toIpfs);
  }

  /** Whether the peer and its daemon both answered, the daemon with an ID. */
  private static boolean answered(Peer peer) {
    if (peer.id() == null || !error(peer.id()).isEmpty()) {
      return false;
    }
    JsonObject ipfs = peer.id().getJsonObject("ipfs");
    return ipfs != null && error(ipfs).isEmpty() && !Objects.requireNonNullElse(ipfs.getString("id"), "").isEmpty();
  }

  private static String daemonId(Peer peer) {
    return peer.id().getJsonObject("ipfs").getString("id");
  }

  private static String error(JsonObject json) {
    return Objects.requireNonNullElse(json.getString("error"), "");
  }
}
