package dev.ferry.web;

import dev.ferry.core.PeerIds;
import dev.ferry.peers.PeerId;
import dev.ferry.pin.PinExport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;

/**
 * The pin service's JSON ({@code ferry.pin}, node names) in IPFS Cluster 1.1's shapes (its
 * {@code api.Pin}, {@code GlobalPinInfo} and {@code AddedOutput}): nodes named by libp2p peer ID
 * (allocations, user allocations, {@code peer_map} keys), {@code peername} the peers.json name,
 * Go's zero values where ferry has nothing ({@value #NO_TIME}, {@code null} for an absent list,
 * map or CID), as Go's {@code encoding/json} writes them. A node whose peer ID this node does not
 * know (never met, none in peers.json) is written by name.
 *
 * <p>Stateless apart from the node's {@link PeerIds}, which is thread-safe.
 */
final class PinJson {
  /** Go's zero {@code time.Time}, what IPFS Cluster writes for a time not set. */
  static final String NO_TIME = PinExport.NO_TIME;
  /** IPFS Cluster's type of a plain data pin (its {@code PinType} "DataType"). */
  static final String DATA_PIN = PinExport.DATA_PIN;

  private final PeerIds peers;

  PinJson(PeerIds peers) {
    this.peers = peers;
  }

  /** The peer ID of node {@code name}, or its name when it is not known. */
  String peerId(String name) {
    return peers.peerId(name).map(PeerId::toString).orElse(name);
  }

  /** A pin ({@code ferry.pin}'s) as IPFS Cluster's {@code api.Pin}. */
  JsonObject pin(JsonObject pin) {
    return PinExport.apiPin(pin, this::peerId);
  }

  /**
   * A pin with each node's status ({@code peer_map}: node name → {@code {"status", "error",
   * "time", "attempts"}}) as IPFS Cluster's {@code GlobalPinInfo}.
   *
   * @param daemons each node's daemon peer ID, for {@code ipfs_peer_id} (left out when unknown)
   */
  JsonObject globalPinInfo(JsonObject status, Map<String, String> daemons) {
    JsonObject peerMap = new JsonObject();
    JsonObject statuses = status.getJsonObject("peer_map", new JsonObject());
    for (String node : statuses.fieldNames()) {
      JsonObject local = statuses.getJsonObject(node);
      JsonObject info = new JsonObject().put("peername", node);
      String daemon = daemons.get(node);
      if (daemon != null && !daemon.isEmpty()) {
        info.put("ipfs_peer_id", daemon);
      }
      peerMap.put(peerId(node), info.put("status", local.getString("status"))
          .put("timestamp", local.getString("time", NO_TIME)).put("error", local.getString("error", ""))
          .put("attempt_count", local.getInteger("attempts", 0)).put("priority_pin", false));
    }
    return new JsonObject().put("cid", status.getString("cid")).put("name", status.getString("name", ""))
        .put("allocations", peerIds(status.getJsonArray("allocations", new JsonArray())))
        .put("origins", status.getJsonArray("origins"))
        .put("created", status.getString("time", NO_TIME))
        .put("metadata", status.getJsonObject("metadata"))
        .put("peer_map", peerMap);
  }

  /**
   * The status of a CID the pinset does not hold, as IPFS Cluster answers it: every node
   * {@code unpinned}, now.
   */
  JsonObject unpinned(String cid, Collection<String> nodes, String now) {
    JsonObject peerMap = new JsonObject();
    for (String node : nodes) {
      peerMap.put(node, new JsonObject().put("status", "unpinned").put("time", now).put("error", "")
          .put("attempts", 0));
    }
    return new JsonObject().put("cid", cid).put("name", "").put("allocations", new JsonArray())
        .put("peer_map", peerMap);
  }

  /** Node names as peer IDs; null stays null (Go's nil slice). */
  JsonArray peerIds(JsonArray names) {
    return PinExport.peerIds(names, this::peerId);
  }

}
