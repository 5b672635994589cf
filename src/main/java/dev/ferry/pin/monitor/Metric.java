package dev.ferry.pin.monitor;

import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * One metric of one node, as IPFS Cluster's {@code api.Metric}: its {@code name} ({@code freespace},
 * {@code numpin}, {@code pinqueue}, {@code tag:<key>}, {@code ping}), the node ({@code peer}, a node
 * name inside ferry; written as its peer ID in IPFS Cluster's JSON, and read back from it so by
 * {@link MonitorClient}), a text {@code value}, a {@code weight}
 * the allocator orders by (larger first), whether it is {@code valid}, whether nodes with the same
 * value form one {@code partitionable} group (tags), and when it expires and was received (Unix
 * nanoseconds, on the receiving node's clock: a metric travels with its time to live, never with the
 * sender's clock). Immutable.
 */
public record Metric(String name, String peer, String value, long weight, boolean valid, boolean partitionable,
    long expireNanos, long receivedNanos) {

  /** Whether it has expired at {@code nowNanos} (Unix nanoseconds). */
  public boolean expiredAt(long nowNanos) {
    return nowNanos >= expireNanos;
  }

  /**
   * IPFS Cluster 1.1's JSON of a metric ({@code name}, {@code peer}, {@code value}, {@code expire},
   * {@code valid}, {@code weight}, {@code partitionable}, {@code received_at}), the node named by
   * {@code peerId} (its libp2p peer ID, or its name when none is known).
   */
  public JsonObject toClusterJson(Function<String, String> peerId) {
    return new JsonObject().put("name", name).put("peer", peerId.apply(peer)).put("value", value)
        .put("expire", expireNanos).put("valid", valid).put("weight", weight).put("partitionable", partitionable)
        .put("received_at", receivedNanos);
  }

  /** A metric read from IPFS Cluster's JSON ({@link #toClusterJson}), its {@code peer} as the JSON names it. */
  public static Metric fromClusterJson(JsonObject json) {
    return new Metric(json.getString("name"), json.getString("peer"), json.getString("value"),
        json.getLong("weight"), json.getBoolean("valid"), json.getBoolean("partitionable"), json.getLong("expire"),
        json.getLong("received_at"));
  }
}
