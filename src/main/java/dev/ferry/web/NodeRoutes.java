package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.node.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code /health} (204, or 503 naming what fails), {@code /id}, {@code /version}, {@code /peers}:
 * the node itself, in IPFS Cluster's shapes. Each ID object is the node's own answer
 * ({@code ferry.node.<name>.id}) with its daemon's ({@link DaemonIdentity}) as {@code ipfs}.
 */
final class NodeRoutes implements Routes {
  private final Vertx vertx;
  private final NodeContext node;
  private final DaemonIdentity daemon;

  NodeRoutes(Vertx vertx, NodeContext node, DaemonIdentity daemon) {
    this.vertx = vertx;
    this.node = node;
    this.daemon = daemon;
  }

  @Override
  public void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/id").handler(ctx -> daemon.local()
        .onComplete(ipfs -> Json.send(ctx, Identity.of(node).put("ipfs", ipfs.result()))));
    router.get("/version").handler(ctx -> Json.send(ctx, new JsonObject().put("version", node.version())));
    router.get("/peers").handler(this::peers);
  }

  /**
   * 204 while nothing on the node fails; else 503 with the usual error shape, its message naming
   * each failing component and why, and {@code failing}: component → {@code {"error", "message"}}.
   */
  private void health(RoutingContext ctx) {
    Map<String, FerryException> failing = node.health().failing();
    if (failing.isEmpty()) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    JsonObject details = new JsonObject();
    failing.forEach((component, e) -> details.put(component,
        new JsonObject().put("error", e.code()).put("message", e.getMessage())));
    String message = failing.entrySet().stream().map(f -> f.getKey() + ": " + f.getValue().getMessage())
        .collect(Collectors.joining("; "));
    ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("code", 503).put("message", "node " + node.name() + " is failing: " + message)
            .put("error", FerryException.UNAVAILABLE).put("failing", details).encode());
  }

  /**
   * One ID object per member, newline-delimited; a member that does not answer gets one with its
   * peer ID and error. Each member's ID object and its daemon's are asked at once.
   */
  private void peers(RoutingContext ctx) {
    List<Future<JsonObject>> answers = new MemberIds(vertx, node, daemon).all();
    Future.join(answers).onComplete(x -> Json.sendLines(ctx, answers.stream().map(Future::result).toList()));
  }
}
