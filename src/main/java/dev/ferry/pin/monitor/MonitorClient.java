package dev.ferry.pin.monitor;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import java.time.Duration;

/**
 * Asks this node's monitor ({@code ferry.node.<node>.monitor}, {@link MonitorRequest}) for what
 * the HTTP API serves, already in IPFS Cluster's JSON (nodes named by peer ID). Failures are
 * {@link dev.ferry.core.FerryException}s ({@code unavailable} when the pin verticle, which runs the
 * monitor, is not deployed).
 *
 * <p>Thread-safe; answers complete on the caller's context.
 */
public final class MonitorClient {
  private final BusClient bus;
  private final String address;
  private final DeliveryOptions options;

  public MonitorClient(Vertx vertx, String node, Duration timeout) {
    this.bus = BusClient.of(vertx);
    this.address = Addresses.nodeMonitor(node);
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
  }

  /** The names of the metrics held ({@code GET /monitor/metrics}). */
  public Future<JsonArray> names() {
    return bus.ask(address, new MonitorRequest.Names(), options, json -> json.getJsonArray("names"));
  }

  /** The latest metric named {@code name} of each node, as IPFS Cluster's {@code api.Metric}s. */
  public Future<JsonArray> metrics(String name) {
    MonitorRequest request;
    try {
      request = new MonitorRequest.Metrics(name);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return bus.ask(address, request, options, json -> json.getJsonArray("metrics"));
  }

  /** The alerts not yet cleared, as IPFS Cluster's {@code api.Alert}s. */
  public Future<JsonArray> alerts() {
    return bus.ask(address, new MonitorRequest.Alerts(), options, json -> json.getJsonArray("alerts"));
  }
}
