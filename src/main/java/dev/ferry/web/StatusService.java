package dev.ferry.web;

import dev.ferry.node.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * One snapshot of the cluster for the dashboard: members, registry, mailboxes per node, Raft
 * groups as this node sees them, and this node's circuits. Served on
 * the bus at {@value #ADDRESS} (bridge clients may ask it) and over HTTP at {@code GET /status}.
 * A section whose service does not answer carries {@code {"error"}} instead.
 */
final class StatusService implements Routes {
  static final String ADDRESS = "ferry.status";

  private final Vertx vertx;
  private final NodeContext node;
  private final ClusterQueries queries;

  StatusService(Vertx vertx, NodeContext node, ClusterQueries queries) {
    this.vertx = vertx;
    this.node = node;
    this.queries = queries;
  }

  @Override
  public void mount(Router router) {
    router.get("/status").handler(ctx -> snapshot().onSuccess(s -> Json.send(ctx, s)).onFailure(ctx::fail));
  }

  /** Answers {@value #ADDRESS} on this node (a bridge client asks the node it is connected to). */
  Future<Void> serve() {
    return vertx.eventBus().<Object>localConsumer(ADDRESS, message -> snapshot().onSuccess(message::reply))
        .completion();
  }

  Future<JsonObject> snapshot() {
    Future<JsonObject> registry = queries.registry().otherwise(e -> new JsonObject().put("error", e.getMessage()));
    Future<JsonObject> mailboxes = queries.mailboxes();
    Future<JsonObject> raft = queries.raft();
    return Future.join(registry, mailboxes, raft).transform(x -> Future.succeededFuture(new JsonObject()
        .put("node", node.name())
        .put("incarnation", node.incarnation().id())
        .put("members", queries.members())
        .put("registry", registry.result())
        .put("mailboxes", mailboxes.result())
        .put("raft", raft.result())
        .put("circuits", queries.circuits())));
  }
}
