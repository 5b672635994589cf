package dev.ferry.pin.monitor;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Function;

/**
 * A metric that expired without its node sending it again ({@code ping}: the node is presumed
 * down), as IPFS Cluster's {@code api.Alert}: the expired metric and when the monitor noticed.
 * Immutable.
 */
public record Alert(Metric metric, Instant triggeredAt) {
  /** IPFS Cluster 1.1's JSON of an alert: the metric's fields and {@code triggered_at} (RFC 3339). */
  public JsonObject toClusterJson(Function<String, String> peerId) {
    return metric.toClusterJson(peerId).put("triggered_at", triggeredAt.toString());
  }

  /** An alert read from IPFS Cluster's JSON ({@link #toClusterJson}), its metric's {@code peer} as the JSON names it. */
  public static Alert fromClusterJson(JsonObject json) {
    return new Alert(Metric.fromClusterJson(json), Instant.parse(json.getString("triggered_at")));
  }
}
