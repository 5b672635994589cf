package dev.ferry.web;

import dev.ferry.core.NodeContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code GET /health/bandwidth}, IPFS Cluster's {@code BandwidthByProtocol} of the node asked:
 * {@code {protocol: {"total_in", "total_out", "rate_in", "rate_out"}}}. IPFS Cluster counts its
 * libp2p host's streams by protocol; ferry's nodes move content over circuits, counted in
 * {@code ferry.circuit.bytes} ({@link #CIRCUITS}). Totals are bytes since the node started; a
 * rate is bytes per second since the node's previous answer (0 in its first), where libp2p keeps
 * a moving average.
 *
 * <p>Runs on a web verticle's event loop; the previous answer is in a node-local shared map, so the
 * node's instances share it.
 */
final class Bandwidth implements Routes {
  /** The protocol name under which circuit traffic is answered. */
  static final String CIRCUITS = "/ferry/circuit";
  private static final String METER = "ferry.circuit.bytes";
  private static final String PREVIOUS = "ferry.web.bandwidth";
  private static final double NANOS_PER_SECOND = 1e9;

  private final Vertx vertx;
  private final NodeContext node;

  Bandwidth(Vertx vertx, NodeContext node) {
    this.vertx = vertx;
    this.node = node;
  }

  @Override
  public void mount(Router router) {
    router.get("/health/bandwidth").handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    long in = total(node.meters(), "received");
    long out = total(node.meters(), "sent");
    long now = System.nanoTime();
    LocalMap<String, JsonObject> previous = vertx.sharedData().getLocalMap(PREVIOUS);
    JsonObject before = previous.put(CIRCUITS, new JsonObject().put("at", now).put("in", in).put("out", out));
    double seconds = before == null ? 0 : (now - before.getLong("at")) / NANOS_PER_SECOND;
    JsonObject circuits = new JsonObject().put("total_in", in).put("total_out", out)
        .put("rate_in", seconds > 0 ? (in - before.getLong("in")) / seconds : 0.0)
        .put("rate_out", seconds > 0 ? (out - before.getLong("out")) / seconds : 0.0);
    Json.send(ctx, new JsonObject(Map.of(CIRCUITS, circuits)));
  }

  /** The bytes counted in {@code direction}; 0 before any circuit counted (the counter is made with the circuit service). */
  private static long total(MeterRegistry meters, String direction) {
    Counter counter = meters.find(METER).tag("direction", direction).counter();
    return counter == null ? 0 : (long) counter.count();
  }
}
