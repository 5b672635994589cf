package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import dev.ferry.pin.PinClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * One snapshot of the cluster for the dashboard: members, registry, mailboxes per node, Raft
 * groups as this node sees them, this node's circuits, and the pinset's size. Served on
 * the bus at {@value Addresses#STATUS} (bridge clients may ask it) and over HTTP at {@code GET /status}.
 * A section whose service does not answer carries {@code {"error"}} instead.
 */
final class StatusService implements Routes {
  private final Vertx vertx;
  private final NodeContext node;
  private final ClusterQueries queries;
  private final PinClient pinService;

  StatusService(Vertx vertx, NodeContext node, ClusterQueries queries) {
    this.vertx = vertx;
    this.node = node;
    this.queries = queries;
    this.pinService = PinClient.forNode(node);
  }

  @Override
  public void mount(Router router) {
    router.get("/status").handler(ctx -> snapshot().onSuccess(s -> Json.send(ctx, s)).onFailure(ctx::fail));
  }

  /**
   * Answers {@value Addresses#STATUS} on this node (a bridge client asks the node it is connected
   * to); a snapshot that cannot be made is the asker's failure, with its code.
   */
  Future<Void> serve() {
    return vertx.eventBus().<Object>localConsumer(Addresses.STATUS,
        message -> Requests.reply(message, snapshot().map(BusJson::of))).completion();
  }

  Future<JsonObject> snapshot() {
    Future<JsonObject> registry = queries.registry().otherwise(e -> new JsonObject().put("error", e.getMessage()));
    Future<JsonObject> mailboxes = queries.mailboxes();
    Future<JsonObject> raft = queries.raft();
    Future<JsonObject> pins = pins();
    return Future.join(registry, mailboxes, raft, pins).transform(x -> Future.succeededFuture(new JsonObject()
        .put("node", node.name())
        .put("incarnation", node.incarnation().id())
        .put("members", queries.members())
        .put("registry", registry.result())
        .put("mailboxes", mailboxes.result())
        .put("raft", raft.result())
        .put("circuits", queries.circuits())
        .put("pins", pins.result())));
  }

  /**
   * {@code {"count"}}: the pinset's size from this node's replica (a page of one pin says it), or
   * {@code {"error"}}. The dashboard lists pins a page at a time itself ({@code GET /dashboard/pins}).
   */
  private Future<JsonObject> pins() {
    return pinService.page(null, 1, 0)
        .map(page -> new JsonObject().put("count", page.count()))
        .otherwise(e -> new JsonObject().put("error", e.getMessage()));
  }
}
