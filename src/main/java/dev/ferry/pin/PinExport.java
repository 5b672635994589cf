package dev.ferry.pin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.UnaryOperator;

/**
 * A pin of the pinset ({@code ferry.pin}'s JSON, node names) as IPFS Cluster 1.1's {@code api.Pin}:
 * the line of an {@code ipfs-cluster-service state export}, which {@code GET /allocations} answers,
 * {@code ferry state export} writes, the pinset's backups hold and {@code ferry state import}
 * reads. Nodes are named by libp2p peer ID, and Go's zero values stand where ferry has nothing
 * ({@value #NO_TIME}, {@code null} for an absent list, map or CID), as Go's {@code encoding/json}
 * writes them. Stateless.
 */
public final class PinExport {
  /** Go's zero {@code time.Time}, what IPFS Cluster writes for a time not set. */
  public static final String NO_TIME = "0001-01-01T00:00:00Z";
  /** IPFS Cluster's type of a plain data pin (its {@code PinType} "DataType"). */
  public static final String DATA_PIN = "pin";
  /** IPFS Cluster's max_depth of a recursive pin and a direct one. */
  private static final int RECURSIVE_DEPTH = -1;
  private static final int DIRECT_DEPTH = 0;

  private PinExport() {}

  /** {@code pin} as IPFS Cluster's {@code api.Pin}, each node name written as {@code peerId} says. */
  public static JsonObject apiPin(JsonObject pin, UnaryOperator<String> peerId) {
    String mode = pin.getString("mode", "recursive");
    return new JsonObject()
        .put("replication_factor_min", pin.getInteger("replication_min"))
        .put("replication_factor_max", pin.getInteger("replication_max"))
        .put("name", pin.getString("name", ""))
        .put("mode", mode)
        .put("shard_size", 0)
        .put("user_allocations", peerIds(pin.getJsonArray("user_allocations"), peerId))
        .put("expire_at", pin.getString("expire_at", NO_TIME))
        .put("metadata", pin.getJsonObject("metadata"))
        .put("pin_update", pin.getString("pin_update"))
        .put("origins", pin.getJsonArray("origins"))
        .put("cid", pin.getString("cid"))
        .put("type", DATA_PIN)
        .put("allocations", peerIds(pin.getJsonArray("allocations", new JsonArray()), peerId))
        .put("max_depth", mode.equals("direct") ? DIRECT_DEPTH : RECURSIVE_DEPTH)
        .put("reference", null)
        .put("timestamp", pin.getString("time", NO_TIME));
  }

  /** Node names as peer IDs; null stays null (Go's nil slice). */
  public static JsonArray peerIds(JsonArray names, UnaryOperator<String> peerId) {
    if (names == null) {
      return null;
    }
    JsonArray ids = new JsonArray();
    names.forEach(name -> ids.add(peerId.apply(String.valueOf(name))));
    return ids;
  }
}
