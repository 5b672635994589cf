package dev.ferry.web;

import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.node.Addresses;
import dev.ferry.node.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The pin service over HTTP in the shapes of IPFS Cluster's REST API (docs/API.md): {@code /pins}
 * (pin, unpin, status, recover), {@code /allocations} (the pinset) and {@code /add} (upload, add to
 * this node's daemon, pin). Every route is one or more requests on {@code ferry.pin}, so any node
 * answers for the whole cluster. Stateless.
 */
final class PinRoutes implements Routes {
  /** IPFS Cluster's "pin type" of a plain data pin, and its "zero" time, for fields ferry does not use. */
  private static final int DATA_PIN = 2;
  private static final String NO_TIME = "0001-01-01T00:00:00Z";

  /** The setting that bounds a {@code POST /add} body, named in the 413 answer. */
  static final String MAX_ADD_BYTES = "api.max_add_bytes";

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final Adder adder;
  private final long maxAddBytes;

  /**
   * @param node this node's name
   * @param ipfs this node's IPFS daemon, where {@code POST /add} adds files
   * @param maxAddBytes the largest {@code POST /add} body ({@value #MAX_ADD_BYTES})
   */
  PinRoutes(Vertx vertx, Duration requestTimeout, String node, IpfsConnector ipfs, long maxAddBytes) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis());
    this.adder = new Adder(node, ipfs, this::ask);
    this.maxAddBytes = maxAddBytes;
  }

  @Override
  public void mount(Router router) {
    router.post("/pins/:cid/recover").handler(ctx -> send(ctx, ask(op("recover", ctx)).map(PinRoutes::globalPinInfo)));
    router.post("/pins/:cid").handler(this::pin);
    router.post("/add").handler(this::add);
    router.delete("/pins/:cid").handler(ctx -> send(ctx, ask(op("unpin", ctx)).map(PinRoutes::clusterPin)));
    router.get("/pins/:cid").handler(ctx -> send(ctx, ask(op("status", ctx)).map(PinRoutes::globalPinInfo)));
    router.get("/pins").handler(this::statusAll);
    router.get("/allocations/:cid").handler(ctx -> send(ctx, ask(op("get", ctx)).map(PinRoutes::clusterPin)));
    router.get("/allocations").handler(ctx -> list().onSuccess(pins -> Json.sendLines(ctx,
        pins.stream().map(p -> clusterPin((JsonObject) p)).toList())).onFailure(ctx::fail));
  }

  /** {@code POST /pins/{cid}?name=&replication=&replication-min=&replication-max=}. */
  private void pin(RoutingContext ctx) {
    withPinRequest(ctx, request -> send(ctx, ask(request.put("cid", ctx.pathParam("cid"))).map(PinRoutes::clusterPin)));
  }

  /**
   * {@code POST /add} with the query of {@code POST /pins/{cid}}: each file of the multipart body
   * added to this node's daemon and pinned; one {@code {"name", "cid", "size", "allocations"}} per
   * line. The name defaults to each file's name.
   */
  private void add(RoutingContext ctx) {
    // FileParts listens to the body at once: nothing before it may wait, or the body's start is lost
    withPinRequest(ctx, request -> FileParts.read(ctx.request(), maxAddBytes, MAX_ADD_BYTES)
        .compose(files -> adder.addAll(files, request))
        .onSuccess(lines -> Json.sendLines(ctx, lines))
        .onFailure(ctx::fail));
  }

  /** Runs {@code then} with the query's {@code pin} request, or fails the route saying what is wrong in it. */
  private static void withPinRequest(RoutingContext ctx, Consumer<JsonObject> then) {
    JsonObject request;
    try {
      request = pinRequest(ctx);
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    then.accept(request);
  }

  /** A {@code pin} request from the query: {@code name} and the replication bounds, checked. */
  private static JsonObject pinRequest(RoutingContext ctx) {
    Integer both = replication(ctx, "replication");
    Integer min = replication(ctx, "replication-min");
    Integer max = replication(ctx, "replication-max");
    return new JsonObject().put("op", "pin").put("name", ctx.request().getParam("name", ""))
        .put("replication_min", min != null ? min : both).put("replication_max", max != null ? max : both);
  }

  /** {@code GET /pins}: every pin's status, one JSON object per line. */
  private void statusAll(RoutingContext ctx) {
    list().compose(pins -> {
      List<Future<JsonObject>> statuses = new ArrayList<>();
      for (Object pin : pins) {
        statuses.add(ask(new JsonObject().put("op", "status").put("cid", ((JsonObject) pin).getString("cid")))
            .map(PinRoutes::globalPinInfo));
      }
      return Future.all(statuses).map(all -> statuses.stream().map(Future::result).toList());
    }).onSuccess(lines -> Json.sendLines(ctx, lines)).onFailure(ctx::fail);
  }

  private Future<JsonArray> list() {
    return ask(new JsonObject().put("op", "list")).map(body -> body.getJsonArray("pins"));
  }

  private Future<JsonObject> ask(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.PIN, request, options).map(m -> m.body());
  }

  private static JsonObject op(String op, RoutingContext ctx) {
    return new JsonObject().put("op", op).put("cid", ctx.pathParam("cid"));
  }

  private static Integer replication(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    if (text == null) {
      return null;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw FerryException.badRequest(name + ": expected a whole number (-1 for every node), got '" + text + "'");
    }
  }

  private static void send(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onSuccess(body -> Json.send(ctx, body)).onFailure(ctx::fail);
  }

  /** A pinset entry as IPFS Cluster writes a pin. */
  static JsonObject clusterPin(JsonObject pin) {
    return new JsonObject().put("cid", pin.getString("cid")).put("name", pin.getString("name", ""))
        .put("allocations", pin.getJsonArray("allocations", new JsonArray()))
        .put("origins", new JsonArray()).put("timestamp", pin.getString("time", NO_TIME)).put("metadata", new JsonObject())
        .put("mode", "recursive").put("type", DATA_PIN).put("max_depth", -1)
        .put("replication_factor_min", pin.getInteger("replication_min")).put("replication_factor_max",
            pin.getInteger("replication_max"))
        .put("shard_size", 0).put("user_allocations", null).put("expire_at", NO_TIME).put("pin_update", null)
        .put("reference", null);
  }

  /** A pin's status on each node as IPFS Cluster's {@code GlobalPinInfo}. */
  static JsonObject globalPinInfo(JsonObject status) {
    JsonObject peers = new JsonObject();
    JsonObject peerMap = status.getJsonObject("peer_map", new JsonObject());
    for (String node : peerMap.fieldNames()) {
      JsonObject local = peerMap.getJsonObject(node);
      peers.put(node, new JsonObject().put("peername", node).put("ipfs_peer_id", "")
          .put("ipfs_peer_addresses", new JsonArray()).put("status", local.getString("status"))
          .put("timestamp", local.getString("time")).put("error", local.getString("error", ""))
          .put("attempt_count", 0).put("priority_pin", false));
    }
    return new JsonObject().put("cid", status.getString("cid")).put("name", status.getString("name", ""))
        .put("allocations", status.getJsonArray("allocations", new JsonArray())).put("origins", new JsonArray())
        .put("created", status.getString("time", NO_TIME)).put("metadata", null).put("peer_map", peers);
  }
}
