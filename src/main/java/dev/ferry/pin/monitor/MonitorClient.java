package dev.ferry.pin.monitor;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import dev.ferry.pin.PinConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Asks this node's monitor ({@code ferry.node.<node>.monitor}, {@link MonitorRequest}) for what
 * the HTTP API serves, and reads the answers into records: metric names, {@link Metric}s and
 * {@link Alert}s, their nodes named as IPFS Cluster names them, by peer ID (the monitor's JSON, which
 * {@link Metric#toClusterJson} and {@link Alert#toClusterJson} write again unchanged with the
 * identity for the peer ID). Failures are
 * {@link dev.ferry.core.FerryException}s ({@code unavailable} when the pin verticle, which runs the
 * monitor, is not deployed).
 *
 * <p>Thread-safe; answers complete on the caller's context.
 */
public final class MonitorClient {
  private final BusClient bus;
  private final String address;
  private final DeliveryOptions options;

  private MonitorClient(Vertx vertx, String node, Duration timeout) {
    this.bus = BusClient.of(vertx);
    this.address = Addresses.nodeMonitor(node);
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
  }

  /**
   * The client of this node's monitor, built at the first call and the same object after
   * ({@link LocalServices#once}); a request waits {@code pin.request_timeout_ms}, as the pin
   * verticle that runs the monitor answers.
   */
  public static MonitorClient forNode(NodeContext node) {
    return LocalServices.once(node.vertx(), MonitorClient.class,
        () -> new MonitorClient(node.vertx(), node.name(), PinConfig.of(node).requestTimeout()));
  }

  /** The names of the metrics held ({@code GET /monitor/metrics}). */
  public Future<List<String>> names() {
    return bus.ask(address, new MonitorRequest.Names(), options,
        json -> json.getJsonArray("names").stream().map(String.class::cast).toList());
  }

  /** The latest metric named {@code name} of each node, as IPFS Cluster's {@code api.Metric}s: nodes by peer ID. */
  public Future<List<Metric>> metrics(String name) {
    MonitorRequest request;
    try {
      request = new MonitorRequest.Metrics(name);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return bus.ask(address, request, options, json -> each(json.getJsonArray("metrics"), Metric::fromClusterJson));
  }

  /** The alerts not yet cleared, as IPFS Cluster's {@code api.Alert}s: nodes by peer ID. */
  public Future<List<Alert>> alerts() {
    return bus.ask(address, new MonitorRequest.Alerts(), options,
        json -> each(json.getJsonArray("alerts"), Alert::fromClusterJson));
  }

  private static <T> List<T> each(JsonArray items, Function<JsonObject, T> read) {
    return items.stream().map(item -> read.apply((JsonObject) item)).toList();
  }
}
