package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import dev.ferry.node.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /health}, {@code /id}, {@code /version}, {@code /peers}: the node itself, in IPFS Cluster's shapes. */
final class NodeRoutes implements Routes {
  private final Vertx vertx;
  private final NodeContext node;

  NodeRoutes(Vertx vertx, NodeContext node) {
    this.vertx = vertx;
    this.node = node;
  }

  @Override
  public void mount(Router router) {
    router.get("/health").handler(ctx -> ctx.response().setStatusCode(204).end());
    router.get("/id").handler(ctx -> Json.send(ctx, Identity.of(node)));
    router.get("/version").handler(ctx -> Json.send(ctx, new JsonObject().put("version", node.version())));
    router.get("/peers").handler(this::peers);
  }

  /** One ID object per member, newline-delimited; a member that does not answer gets one with its error. */
  private void peers(RoutingContext ctx) {
    var options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    List<Future<JsonObject>> answers = node.members().current().stream()
        .map(Members.Member::name)
        .map(name -> vertx.eventBus().<JsonObject>request(Addresses.nodeId(name), null, options)
            .map(reply -> reply.body())
            .otherwise(e -> Identity.unreachable(name, e.getMessage())))
        .toList();
    Future.join(answers).onComplete(x -> Json.sendLines(ctx, answers.stream().map(Future::result).toList()));
  }
}
