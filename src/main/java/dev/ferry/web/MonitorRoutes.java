package dev.ferry.web;

import dev.ferry.core.NodeContext;
import dev.ferry.pin.monitor.MonitorClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The monitor over HTTP, in IPFS Cluster 1.1's shapes: {@code GET /monitor/metrics} (the metric
 * names, a JSON array of strings), {@code GET /monitor/metrics/{name}} (the latest valid metric of
 * that name of each node, {@code api.Metric}s with peer IDs) and {@code GET /health/alerts}
 * ({@code api.Alert}s not yet cleared), each read from this node's monitor. Stateless (one instance
 * per web verticle instance).
 */
final class MonitorRoutes implements Routes {
  /** The monitor's client names nodes by peer ID already: written as read. */
  private static final UnaryOperator<String> AS_READ = UnaryOperator.identity();

  private final MonitorClient monitor;

  MonitorRoutes(NodeContext node) {
    this.monitor = MonitorClient.forNode(node);
  }

  @Override
  public void mount(Router router) {
    router.get("/monitor/metrics").handler(ctx -> reply(ctx, monitor.names(), name -> name));
    router.get("/monitor/metrics/:name").handler(ctx -> reply(ctx, monitor.metrics(ctx.pathParam("name")),
        metric -> metric.toClusterJson(AS_READ)));
    router.get("/health/alerts").handler(ctx -> reply(ctx, monitor.alerts(), alert -> alert.toClusterJson(AS_READ)));
  }

  /** Each of the answer's items as JSON, in a JSON array. */
  private static <T> void reply(RoutingContext ctx, Future<List<T>> answer, Function<T, Object> json) {
    answer.onSuccess(items -> ctx.response().putHeader("Content-Type", Json.CONTENT_TYPE)
            .end(new JsonArray(items.stream().map(json).toList()).encode()))
        .onFailure(ctx::fail);
  }
}
