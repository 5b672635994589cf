package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.JsonInput;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import dev.ferry.pin.PinReply;
import dev.ferry.pin.StatusListing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The pin service over HTTP in the shapes of IPFS Cluster's REST API (docs/API.md): {@code /pins}
 * (pin, unpin, status, recover), {@code /allocations} (the pinset) and {@code /add} (upload, add to
 * this node's daemon, pin). Every route is one or more requests on {@code ferry.pin}, so any node
 * answers for the whole cluster; {@link PinJson} turns its answers into IPFS Cluster's JSON.
 * Stateless.
 */
final class PinRoutes implements Routes {
  /** The header of a change's answer that carries its log index: reads with it as {@code min_index} see the change. */
  static final String INDEX_HEADER = "X-Ferry-Index";

  /** The setting that bounds a {@code POST /pins/import} body, named in the 413 answer. */
  static final String MAX_IMPORT_BYTES = "api.max_import_bytes";

  /** The setting that bounds a {@code POST /add} body, named in the 413 answer. */
  static final String MAX_ADD_BYTES = "api.max_add_bytes";

  /** IPFS Cluster's pin types a {@code GET /allocations?filter=} may name; ferry's pins are all {@code pin}. */
  private static final Set<String> PIN_TYPES = Set.of("pin", "meta-pin", "clusterdag-pin", "shard-pin", "all");
  /** The IPFS path namespaces {@code /pins/{namespace}/{path}} accepts, as IPFS Cluster does. */
  private static final String PATH_PINS = "/pins/(ipfs|ipns|ipld)/(.+)";

  private final NodeContext node;
  private final PinClient pins;
  private final Adder adder;
  private final PinJson json;
  private final DaemonIdentity daemons;
  private final IpfsConnector ipfs;
  private final long maxImportBytes;

  /**
   * @param ipfs this node's IPFS daemon, where {@code POST /add} adds files
   * @param daemons each node's daemon identity, for {@code ipfs_peer_id}
   * @param uploads how {@code POST /add} bodies are received (bounded; streamed into the embedded store, else spooled to disk)
   * @param maxImportBytes the largest {@code POST /pins/import} body ({@value #MAX_IMPORT_BYTES})
   */
  PinRoutes(Vertx vertx, NodeContext node, IpfsConnector ipfs, DaemonIdentity daemons,
      Uploads uploads, long maxImportBytes) {
    this.maxImportBytes = maxImportBytes;
    this.node = node;
    this.pins = PinClient.forNode(node);
    this.json = new PinJson(node.peerIds());
    this.adder = new Adder(vertx, ipfs, pins, json, uploads);
    this.daemons = daemons;
    this.ipfs = ipfs;
  }

  @Override
  public void mount(Router router) {
    router.post("/pins/recover").handler(this::recoverAll);
    router.post("/pins/import").handler(this::pinEach);
    router.post("/pins/:cid/recover").handler(this::recover);
    router.postWithRegex(PATH_PINS).handler(ctx -> pinPath(ctx, this::pin));
    router.deleteWithRegex(PATH_PINS).handler(ctx -> pinPath(ctx, this::unpin));
    router.post("/pins/:cid").handler(ctx -> pin(ctx, cid(ctx)));
    router.delete("/pins/:cid").handler(ctx -> unpin(ctx, cid(ctx)));
    router.get("/pins/:cid").handler(this::status);
    router.get("/pins").handler(this::statusAll);
    router.get("/allocations/:cid").handler(ctx -> send(ctx, minIndex(ctx).compose(index ->
        pins.get(cid(ctx), index)).map(pin -> json.pin(pin.toJson()))));
    router.get("/allocations").handler(this::allocations);
    router.post("/add").handler(this::add);
  }

  /** {@code POST /pins/{cid}} with IPFS Cluster's pin options ({@link PinOptions#fromQuery}). */
  private void pin(RoutingContext ctx, String cid) {
    withPinOptions(ctx, options -> sendChange(ctx, pins.pin(cid, options).map(PinReply.Change::toJson)));
  }

  /**
   * {@code POST /pins/import} (ferry's, for {@code ferry state import}): a body of one JSON object
   * per line, a pin's {@code "cid"} and the query parameters of {@code POST /pins/{cid}} as fields
   * ({@code {"cid": "Qm…", "name": "a", "replication-min": 2, "meta-team": "web"}}), pinned in few
   * Raft proposals. Answers {@code {"pinned": n, "refused": [{"at", "cid", "code", "message"}...]}},
   * {@code at} being the refused pin's line (0 for the first; blank lines not counted), and the
   * log index of the last proposal in {@value #INDEX_HEADER}.
   */
  private void pinEach(RoutingContext ctx) {
    TextBody.read(ctx.request(), maxImportBytes, MAX_IMPORT_BYTES).compose(body -> {
      List<String> cids = new ArrayList<>();
      List<PinOptions> options = new ArrayList<>();
      List<Integer> positions = new ArrayList<>();
      List<PinReply.Batch.Refusal> refused = new ArrayList<>();
      int at = 0;
      for (String line : (Iterable<String>) body.lines()::iterator) {
        if (line.isBlank()) {
          continue;
        }
        String cid = "?";
        try {
          JsonObject pin = importLine(line);
          cid = (String) pin.remove("cid");
          Cid.parse(cid);
          options.add(PinOptions.fromQuery(param -> pin.getValue(param) == null ? null : String.valueOf(
              pin.getValue(param)), pin.fieldNames(), node.peerIds()::resolve));
          cids.add(cid);
          positions.add(at);
        } catch (FerryException e) {
          refused.add(new PinReply.Batch.Refusal(at, cid, e.code(), e.getMessage()));
        }
        at++;
      }
      Future<PinReply.Batch> pinned = cids.isEmpty() ? Future.succeededFuture(new PinReply.Batch(0, List.of(), 0))
          : pins.pinEach(cids, options);
      return pinned.map(batch -> {
        List<PinReply.Batch.Refusal> all = new ArrayList<>(refused);
        batch.refused().forEach(r -> all.add(new PinReply.Batch.Refusal(positions.get(r.at()), r.cid(), r.code(),
            r.message())));
        all.sort(Comparator.comparingInt(PinReply.Batch.Refusal::at));
        return new PinReply.Batch(batch.pinned(), all, batch.committed());
      });
    }).onSuccess(batch -> {
      ctx.response().putHeader(INDEX_HEADER, String.valueOf(batch.committed()));
      JsonObject answer = batch.toJson();
      answer.remove("committed");
      Json.send(ctx, answer);
    }).onFailure(ctx::fail);
  }

  /** One line of a {@code POST /pins/import} body: a JSON object with a {@code "cid"} string. */
  private static JsonObject importLine(String line) {
    JsonObject pin = JsonInput.object(line);
    if (!(pin.getValue("cid") instanceof String)) {
      throw FerryException.badRequest("field cid: expected a CID string, got " + pin.getValue("cid"));
    }
    return pin;
  }

  private void unpin(RoutingContext ctx, String cid) {
    sendChange(ctx, pins.unpin(cid).map(PinReply.Change::toJson));
  }

  /**
   * {@code /pins/{ipfs|ipns|ipld}/{path}}: the CID the path names, resolved by this node's daemon
   * ({@link IpfsConnector#resolve}; {@code /ipfs/<cid>} itself needs no daemon).
   */
  private void pinPath(RoutingContext ctx, BiConsumer<RoutingContext, String> then) {
    String path = "/" + ctx.pathParam("param0") + "/" + ctx.pathParam("param1");
    Future<String> cid = path.startsWith("/ipfs/") && !path.substring("/ipfs/".length()).contains("/")
        ? Future.succeededFuture(path.substring("/ipfs/".length()))
        : ipfs.resolve(path).map(Cid::toString);
    cid.onSuccess(resolved -> then.accept(ctx, resolved)).onFailure(ctx::fail);
  }

  /**
   * {@code GET /pins/{cid}[?local=true]}: every peer's status of it (those it is not allocated to
   * {@code remote}); a CID the pinset does not hold is {@code unpinned} on every peer, as IPFS
   * Cluster answers.
   */
  private void status(RoutingContext ctx) {
    String cid;
    try {
      cid = Cid.parse(cid(ctx)).toString();
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    Future<Long> index = minIndex(ctx);
    Future<Boolean> local = flag(ctx, "local");
    sendStatus(ctx, Future.all(index, local).compose(x -> pins.status(cid, local.result(), index.result())
        .map(PinReply.Status::toJson)
        .recover(e -> !FerryException.NOT_FOUND.equals(FerryException.from(e).code()) ? Future.failedFuture(e)
            : (local.result() ? Future.succeededFuture(List.of(node.name())) : pins.members())
                .map(peers -> json.unpinned(cid, peers, Instant.now().toString())))));
  }

  /** {@code POST /pins/{cid}/recover[?local=true]}: the status after the nodes retried a failed pin. */
  private void recover(RoutingContext ctx) {
    Future<Long> index = minIndex(ctx);
    Future<Boolean> local = flag(ctx, "local");
    sendStatus(ctx, Future.all(index, local).compose(x -> pins.recover(cid(ctx), local.result(), index.result())
        .map(PinReply.Status::toJson)));
  }

  /**
   * {@code POST /pins/recover[?local=true]}: each peer (or this node alone) pins or unpins again
   * what failed on it; the pins some peer retried, one per line with those peers' statuses, as IPFS
   * Cluster's {@code RecoverAll} ({@link StatusListing#recovered}).
   */
  private void recoverAll(RoutingContext ctx) {
    Future<Long> index = minIndex(ctx);
    Future<Boolean> local = flag(ctx, "local");
    Future.all(index, local).onFailure(ctx::fail).onSuccess(x -> streamStatuses(ctx,
        StatusListing.recovered(node, pins, local.result(), index.result())::page));
  }

  /**
   * {@code GET /allocations[?filter=pin,...][&min_index=N]}: every pin, one per line, streamed from
   * this node's replica page by page (see {@link LineStream}). ferry's pins are all of IPFS
   * Cluster's type {@code pin}: a filter without {@code pin} or {@code all} lists none.
   */
  private void allocations(RoutingContext ctx) {
    boolean listed;
    try {
      listed = pinTypesListed(ctx.request().getParam("filter"));
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    minIndex(ctx).onFailure(ctx::fail).onSuccess(index -> LineStream.<String>send(ctx, after -> !listed
        ? Future.succeededFuture(LineStream.Page.of(List.of(), null))
        : pins.page(after, Integer.MAX_VALUE, index).map(PinReply.Page::toJson).map(page -> {
          JsonArray found = page.getJsonArray("pins");
          List<JsonObject> lines = new ArrayList<>(found.size());
          found.forEach(pin -> lines.add(json.pin((JsonObject) pin)));
          String next = page.getBoolean("more") && !found.isEmpty()
              ? found.getJsonObject(found.size() - 1).getString("cid") : null;
          return LineStream.Page.of(lines, next);
        })));
  }

  /**
   * Whether a {@code filter} of pin types lists ferry's pins (type {@code pin}); none given lists all.
   *
   * @throws FerryException {@code bad-request} naming an unknown type and the known ones
   */
  static boolean pinTypesListed(String filter) {
    if (filter == null || filter.isBlank()) {
      return true;
    }
    boolean listed = false;
    for (String type : filter.split(",")) {
      String name = type.trim();
      if (!PIN_TYPES.contains(name)) {
        throw FerryException.badRequest("filter: unknown pin type '" + name + "'; expected some of "
            + new TreeSet<>(PIN_TYPES));
      }
      listed |= name.equals("pin") || name.equals("all");
    }
    return listed;
  }

  /**
   * The log index this node's replica must have applied before it answers a read: the query's
   * {@code min_index} (the {@value #INDEX_HEADER} of a change; 0 reads the replica as it is), or
   * without one the pinset's read index ({@link PinClient#readIndex}: one round trip to the Raft
   * leader), so a read sees every change acknowledged before it, through whichever node it was made.
   */
  private Future<Long> minIndex(RoutingContext ctx) {
    String text = ctx.request().getParam("min_index");
    if (text == null) {
      return pins.readIndex();
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
  private void sendChange(RoutingContext ctx, Future<JsonObject> change) {
    change.onSuccess(pin -> {
      ctx.response().putHeader(INDEX_HEADER, String.valueOf(pin.getLong("committed", 0L)));
      Json.send(ctx, json.pin(pin));
    }).onFailure(ctx::fail);
  }

  /** One pin's status, as IPFS Cluster's {@code GlobalPinInfo}. */
  private void sendStatus(RoutingContext ctx, Future<JsonObject> status) {
    status.compose(answer -> daemonIds(answer.getJsonObject("peer_map", new JsonObject()).fieldNames(), new HashMap<>())
            .map(ids -> json.globalPinInfo(answer, ids)))
        .onSuccess(body -> Json.send(ctx, body)).onFailure(ctx::fail);
  }

  /**
   * {@code POST /add} with the query of {@code POST /pins/{cid}} and IPFS Cluster's add options
   * ({@link AddOptions}): the files of the multipart body (a directory as paths in their file
   * names) added to this node's daemon, or a CAR imported, and the roots pinned ({@link Adder});
   * IPFS Cluster's {@code AddedOutput} one per line, or one JSON array with {@code stream-channels=false}.
   */
  private void add(RoutingContext ctx) {
    // Uploads listens to the body at once: nothing before it may wait, or the body's start is lost
    AddOptions add;
    try {
      add = AddOptions.fromQuery(ctx.request()::getParam);
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    withPinOptions(ctx, options -> adder.add(ctx, add, options)
        .onSuccess(lines -> {
          if (add.streamChannels()) {
            Json.sendLines(ctx, lines);
          } else {
            ctx.response().putHeader("Content-Type", Json.CONTENT_TYPE).end(new JsonArray(new ArrayList<>(lines)).encode());
          }
        })
        .onFailure(ctx::fail));
  }

  /** Runs {@code then} with the query's pin options, or fails the route saying what is wrong in them. */
  private void withPinOptions(RoutingContext ctx, Consumer<PinOptions> then) {
    PinOptions options;
    try {
      options = PinOptions.fromQuery(ctx.request()::getParam, ctx.queryParams().names(), node.peerIds()::resolve);
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    then.accept(options);
  }

  /**
   * {@code GET /pins[?filter=S,S...][&local=true][&cids=C,C...][&min_index=N]}: every peer's status
   * of every pin, one per line, streamed a page at a time from this node's replica while each peer
   * streams its statuses once ({@link StatusListing}); or those of the CIDs in {@code cids}, each
   * as {@code GET /pins/{cid}}. Only pins some peer's status of is in {@code filter}, with those
   * peers' statuses; with {@code local=true} this node's status alone.
   */
  private void statusAll(RoutingContext ctx) {
    String filter = ctx.request().getParam("filter");
    String cidList = ctx.request().getParam("cids");
    List<String> cids = cidList == null || cidList.isBlank() ? null : List.of(cidList.split(","));
    Future<Long> index = minIndex(ctx);
    Future<Boolean> onlyHere = flag(ctx, "local");
    Future.all(index, onlyHere).onFailure(ctx::fail).onSuccess(x -> {
      if (cids != null) {
        streamStatuses(ctx, after -> pins.statuses(after, filter, onlyHere.result(), cids, index.result()));
        return;
      }
      StatusListing listing;
      try {
        listing = StatusListing.statuses(node, pins, filter, onlyHere.result(), index.result());
      } catch (FerryException e) {
        ctx.fail(e);
        return;
      }
      streamStatuses(ctx, listing::page);
    });
  }

  /**
   * Streams pages of statuses as {@code GlobalPinInfo} lines. Each node's daemon is asked for its
   * peer ID once per listing, not per page: the live nodes' while the first page is gathered, any
   * other node's when a page first names it.
   */
  private void streamStatuses(RoutingContext ctx, Function<String, Future<PinReply.StatusPage>> pages) {
    Map<String, Future<String>> asked = new HashMap<>();
    daemonIds(node.members().names(), asked);
    LineStream.<String>send(ctx, after -> pages.apply(after).compose(page -> {
      Set<String> nodes = new TreeSet<>();
      page.pins().forEach(pin -> nodes.addAll(pin.peerMap().keySet()));
      return daemonIds(nodes, asked).map(ids -> new LineStream.Page<>(() -> json.globalPinInfoLines(page.pins(), ids),
          page.next()));
    }));
  }

  /**
   * Each node's daemon peer ID (absent when its daemon did not say); never fails. A node already in
   * {@code asked} is not asked again; the others are asked and added to it.
   */
  private Future<Map<String, String>> daemonIds(Collection<String> nodes, Map<String, Future<String>> asked) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    nodes.forEach(n -> asked.computeIfAbsent(n, x -> daemons.of(n, options).map(id -> id.getString("id"))));
    return Future.join(nodes.stream().map(asked::get).toList()).transform(x -> {
      Map<String, String> ids = new TreeMap<>();
      for (String n : nodes) {
        Future<String> id = asked.get(n);
        if (id.succeeded() && id.result() != null) {
          ids.put(n, id.result());
        }
      }
      return Future.succeededFuture(ids);
    });
  }

  /** A {@code true}/{@code false} query parameter, false when absent. */
  static Future<Boolean> flag(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    try {
      return Future.succeededFuture(AddOptions.bool(text, name, false));
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
  }

  private static String cid(RoutingContext ctx) {
    return ctx.pathParam("cid");
  }

  private static void send(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onSuccess(body -> Json.send(ctx, body)).onFailure(ctx::fail);
  }
}
