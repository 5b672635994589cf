package dev.ferry.web;

import dev.ferry.core.NodeContext;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** {@code GET /metrics}: the node's metrics in Prometheus text format (Vert.x's and {@code ferry_*}). */
final class MetricsRoutes implements Routes {
  private final NodeContext node;

  MetricsRoutes(NodeContext node) {
    this.node = node;
  }

  @Override
  public void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(node.meters()));
  }
}
