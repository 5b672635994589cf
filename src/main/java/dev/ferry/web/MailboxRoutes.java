package dev.ferry.web;

import dev.ferry.node.Addresses;
import dev.ferry.node.Members;
import dev.ferry.node.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code GET /mailboxes} (every node's mailboxes and queue lengths) and {@code GET /registry}. */
final class MailboxRoutes implements Routes {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final NodeContext node;

  MailboxRoutes(Vertx vertx, NodeContext node) {
    this.vertx = vertx;
    this.node = node;
  }

  @Override
  public void mount(Router router) {
    router.get("/mailboxes").handler(this::mailboxes);
    router.get("/registry").handler(this::registry);
  }

  /** {@code {"nodes": {name: {"incarnation", "mailboxes": [...]} or {"error"}}}}. */
  private void mailboxes(RoutingContext ctx) {
    var options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    List<String> names = node.members().current().stream().map(Members.Member::name).toList();
    List<Future<JsonObject>> answers = names.stream()
        .map(name -> vertx.eventBus().<JsonObject>request(Addresses.nodeMailboxes(name), null, options)
            .map(reply -> reply.body())
            .otherwise(e -> new JsonObject().put("error", e.getMessage())))
        .toList();
    Future.join(answers).onComplete(x -> {
      JsonObject nodes = new JsonObject();
      for (int i = 0; i < names.size(); i++) {
        nodes.put(names.get(i), answers.get(i).result());
      }
      Json.send(ctx, new JsonObject().put("nodes", nodes));
    });
  }

  /** {@code {"names": {name: [{"address", "node", "since", "policy"}]}}}, as this node's registry sees it. */
  private void registry(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY, new JsonObject().put("op", "claims"), LOCAL)
        .onSuccess(reply -> Json.send(ctx, reply.body()))
        .onFailure(ctx::fail);
  }
}
