package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import dev.ferry.pin.PinReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
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

  /** The header of a change's answer that carries its log index: reads with it as {@code min_index} see the change. */
  static final String INDEX_HEADER = "X-Ferry-Index";

  /** The setting that bounds a {@code POST /add} body, named in the 413 answer. */
  static final String MAX_ADD_BYTES = "api.max_add_bytes";

  private final PinClient pins;
  private final Adder adder;
  private final Uploads uploads;

  /**
   * @param node this node's name
   * @param ipfs this node's IPFS daemon, where {@code POST /add} adds files
   * @param uploads how {@code POST /add} bodies are received (bounded, spooled to disk)
   */
  PinRoutes(Vertx vertx, Duration requestTimeout, String node, IpfsConnector ipfs, Uploads uploads) {
    this.pins = new PinClient(vertx, requestTimeout);
    this.adder = new Adder(node, ipfs, pins);
    this.uploads = uploads;
  }

  @Override
  public void mount(Router router) {
    router.post("/pins/:cid/recover").handler(ctx -> send(ctx, minIndex(ctx).compose(index ->
        pins.recover(cid(ctx), index)).map(status -> globalPinInfo(status.toJson()))));
    router.post("/pins/:cid").handler(this::pin);
    router.post("/add").handler(this::add);
    router.delete("/pins/:cid").handler(ctx -> sendChange(ctx, pins.unpin(cid(ctx))));
    router.get("/pins/:cid").handler(ctx -> send(ctx, minIndex(ctx).compose(index ->
        pins.status(cid(ctx), index)).map(status -> globalPinInfo(status.toJson()))));
    router.get("/pins").handler(this::statusAll);
    router.get("/allocations/:cid").handler(ctx -> send(ctx, minIndex(ctx).compose(index ->
        pins.get(cid(ctx), index)).map(pin -> clusterPin(pin.toJson()))));
    router.get("/allocations").handler(this::allocations);
  }

  /** {@code POST /pins/{cid}?name=&replication=&replication-min=&replication-max=}. */
  private void pin(RoutingContext ctx) {
    withPinOptions(ctx, options -> sendChange(ctx, pins.pin(cid(ctx), options)));
  }

  /**
   * {@code GET /allocations[?min_index=N]}: every pin, one per line, streamed from this node's
   * replica page by page (see {@link LineStream}).
   */
  private void allocations(RoutingContext ctx) {
    minIndex(ctx).onFailure(ctx::fail).onSuccess(index -> LineStream.<String>send(ctx, after ->
        pins.page(after, Integer.MAX_VALUE, index).map(page ->
            new LineStream.Page<>(page.pins().stream().map(pin -> clusterPin(pin.toJson())).toList(), page.next()))));
  }

  /**
   * The query's {@code min_index}: the log index this node's replica must have applied before it
   * answers (the {@value #INDEX_HEADER} of a change made through another node); 0 without one.
   */
  private static Future<Long> minIndex(RoutingContext ctx) {
    String text = ctx.request().getParam("min_index");
    if (text == null) {
      return Future.succeededFuture(0L);
    }
    try {
      long index = Long.parseLong(text.trim());
      if (index >= 0) {
        return Future.succeededFuture(index);
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    return Future.failedFuture(FerryException.badRequest("min_index: expected a log index (a whole number, 0 or "
        + "more, as in the " + INDEX_HEADER + " header of a change), got '" + text + "'"));
  }

  /** A change to the pinset: the pin in IPFS Cluster's shape, and the log index of the change in a header. */
  private static void sendChange(RoutingContext ctx, Future<PinReply.Change> change) {
    change.onSuccess(changed -> {
      ctx.response().putHeader(INDEX_HEADER, String.valueOf(changed.committed()));
      Json.send(ctx, clusterPin(changed.pin().toJson()));
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST /add} with the query of {@code POST /pins/{cid}}: each file of the multipart body
   * added to this node's daemon and pinned; one {@code {"name", "cid", "size", "allocations"}} per
   * line. The name defaults to each file's name.
   */
  private void add(RoutingContext ctx) {
    // Uploads listens to the body at once: nothing before it may wait, or the body's start is lost
    withPinOptions(ctx, options -> uploads.receive(ctx, files -> adder.addAll(files, options))
        .onSuccess(lines -> Json.sendLines(ctx, lines))
        .onFailure(ctx::fail));
  }

  /** Runs {@code then} with the query's pin options, or fails the route saying what is wrong in them. */
  private static void withPinOptions(RoutingContext ctx, Consumer<PinOptions> then) {
    PinOptions options;
    try {
      options = PinOptions.fromQuery(ctx.request()::getParam);
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    then.accept(options);
  }

  /**
   * {@code GET /pins[?filter=S,S...][&local=true][&cids=C,C...][&min_index=N]}: the status of every
   * pin (or of those CIDs), one per line, streamed a page at a time from this node's replica, each
   * node asked once per page; only pins some node's status of is in {@code filter}; with
   * {@code local=true} this node's status alone.
   */
  private void statusAll(RoutingContext ctx) {
    String filter = ctx.request().getParam("filter");
    String cidList = ctx.request().getParam("cids");
    List<String> cids = cidList == null ? null : List.of(cidList.split(","));
    Future<Long> index = minIndex(ctx);
    Future<Boolean> onlyHere = flag(ctx, "local");
    Future.all(index, onlyHere).onFailure(ctx::fail).onSuccess(x -> LineStream.<String>send(ctx, after ->
        pins.statuses(after, filter, onlyHere.result(), cids, index.result()).map(page -> new LineStream.Page<>(
            page.pins().stream().map(status -> globalPinInfo(status.toJson())).toList(), page.next()))));
  }

  /** A {@code true}/{@code false} query parameter, false when absent. */
  private static Future<Boolean> flag(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    if (text == null || text.equals("false")) {
      return Future.succeededFuture(false);
    }
    return text.equals("true") ? Future.succeededFuture(true)
        : Future.failedFuture(FerryException.badRequest(name + ": expected true or false, got '" + text + "'"));
  }

  private static String cid(RoutingContext ctx) {
    return ctx.pathParam("cid");
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
          .put("attempt_count", local.getInteger("attempts", 0)).put("priority_pin", false));
    }
    return new JsonObject().put("cid", status.getString("cid")).put("name", status.getString("name", ""))
        .put("allocations", status.getJsonArray("allocations", new JsonArray())).put("origins", new JsonArray())
        .put("created", status.getString("time", NO_TIME)).put("metadata", null).put("peer_map", peers);
  }
}
