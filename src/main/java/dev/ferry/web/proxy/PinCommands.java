package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import dev.ferry.pin.PinReply.Change;
import io.vertx.core.Vertx;
import java.time.Duration;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pin/add}, {@code pin/rm} and {@code pin/ls} through the proxy: they act on the cluster's
 * pinset (the pin service, {@code ferry.pin}) instead of the daemon's own pins, and answer in
 * Kubo's shapes. A cluster pin is recursive or direct ({@code recursive=false}), as its mode says.
 *
 * <p>Stateless (a {@code pin/add?progress=true} answer keeps its own, {@link PinProgress}); each
 * call runs on the proxy instance's context.
 */
final class PinCommands {
  private static final String RECURSIVE = Pin.Extras.RECURSIVE;
  private static final String ALL = "all";
  /** The pin types Kubo lists; the cluster's pins are recursive or direct, never indirect. */
  private static final Set<String> TYPES = Set.of(ALL, RECURSIVE, Pin.Extras.DIRECT, "indirect");

  private final Vertx vertx;
  private final PinClient pins;
  private final IpfsConnector ipfs;
  private final Duration progressInterval;

  /**
   * @param ipfs resolves the IPFS paths and IPNS names of {@code pin/add}, {@code pin/rm} and {@code pin/update}
   * @param progressInterval how often {@code pin/add?progress=true} reports ({@link PinProgress})
   */
  PinCommands(Vertx vertx, PinClient pins, IpfsConnector ipfs, Duration progressInterval) {
    this.vertx = vertx;
    this.pins = pins;
    this.ipfs = ipfs;
    this.progressInterval = progressInterval;
  }

  /**
   * {@code pin/add?arg=CID|PATH...}: pins each in the cluster; {@code {"Pins": [cid, ...]}} once they
   * are in the pinset, or with {@code progress=true} once every allocated node has pinned them,
   * {@code {"Progress": n}} lines coming first ({@link PinProgress}).
   */
  void add(KuboOptions options, HttpServerResponse response) {
    List<String> args = options.args();
    boolean progress = options.flag("progress", false);
    PinOptions given = options.clusterPin();
    PinOptions cluster = options.flag(RECURSIVE, true) ? given
        : with(given, Pin.Extras.DIRECT, given.extras().pinUpdate());
    Future<List<Change>> pinned = InOrder.each(args, arg -> resolve(arg).compose(cid -> pins.pin(cid.toString(), cluster)));
    if (progress) {
      pinned.onSuccess(changes -> new PinProgress(vertx, pins, progressInterval, changes, response).start())
          .onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
      return;
    }
    answer(response, pinned.map(changes -> new JsonObject().put("Pins",
        new JsonArray(changes.stream().map(change -> change.pin().cid()).toList()))));
  }

  /** {@code options} with another {@code mode} ({@code recursive=false}: direct) and {@code pin-update}. */
  private static PinOptions with(PinOptions options, String mode, String pinUpdate) {
    Pin.Extras extras = options.extras();
    return new PinOptions(options.name(), options.replicationMin(), options.replicationMax(), new Pin.Extras(
        mode, extras.userAllocations(), extras.expireAt(), extras.metadata(), extras.origins(), pinUpdate));
  }

  /**
   * The CID an argument names: a CID, bare or as {@code /ipfs/CID}, as it is; a path below one, an
   * {@code /ipns/} name or an {@code /ipld/} path resolved by the node's daemon, as IPFS Cluster's
   * proxy resolves them (the embedded store resolves only CIDs: 501 for the rest).
   */
  private Future<Cid> resolve(String arg) {
    try {
      Optional<Cid> plain = KuboOptions.plainCid(arg);
      if (plain.isPresent()) {
        return Future.succeededFuture(plain.get());
      }
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return ipfs.resolve(arg.startsWith("/") ? arg : "/ipfs/" + arg);
  }

  /** {@code pin/rm?arg=CID|PATH...}: unpins each in the cluster; {@code {"Pins": [cid, ...]}}. */
  void rm(KuboOptions options, HttpServerResponse response) {
    List<String> args = options.args();
    answer(response, InOrder.each(args, arg -> resolve(arg).compose(cid -> notPinnedSaysSo(cid,
            pins.unpin(cid.toString()))))
        .map(removed -> new JsonObject().put("Pins", new JsonArray(removed.stream().map(p -> p.pin().cid()).toList()))));
  }

  /**
   * {@code pin/update?arg=FROM&arg=TO[&unpin=false]}, as IPFS Cluster's proxy serves it: pins TO in
   * the cluster with {@code pin-update} FROM (so it goes where FROM is, and each of those nodes
   * updates its daemon's pin) under FROM's name (unless named), then unpins FROM unless
   * {@code unpin=false}; {@code {"Pins": [from, to]}}. FROM must be pinned.
   */
  void update(KuboOptions options, HttpServerResponse response) {
    List<String> args = options.args();
    if (args.size() != 2) {
      throw FerryException.badRequest("pin/update: expected two arguments, from-path and to-path, got " + args.size());
    }
    boolean unpin = options.flag("unpin", true);
    PinOptions given = options.clusterPin();
    answer(response, Future.all(resolve(args.get(0)), resolve(args.get(1))).compose(both -> {
      Cid from = both.resultAt(0);
      Cid to = both.resultAt(1);
      return update(from, to, with(given, given.extras().mode(), from.toString()), unpin);
    }));
  }

  private Future<JsonObject> update(Cid from, Cid to, PinOptions cluster, boolean unpin) {
    return notPinnedSaysSo(from, pins.get(from.toString()))
        .compose(old -> pins.pin(to.toString(), cluster.orName(old.name() == null ? "" : old.name())))
        .compose(pinned -> unpin ? pins.unpin(from.toString()).mapEmpty() : Future.<Void>succeededFuture())
        .map(done -> new JsonObject().put("Pins", new JsonArray().add(from.toString()).add(to.toString())));
  }

  /**
   * {@code pin/ls[?arg=CID...][&type=T][&names=true][&stream=true]}: the cluster's pinset as
   * {@code {"Keys": {cid: {"Type": "recursive"}}}}, or one {@code {"Cid", "Type"}} line per pin
   * with {@code stream}; a CID asked for that is not in the pinset is an error, as with Kubo.
   */
  void ls(KuboOptions options, HttpServerResponse response) {
    List<Cid> asked = options.optionalCids();
    String type = options.string("type", ALL);
    if (!TYPES.contains(type)) {
      throw FerryException.badRequest("invalid type '" + type + "', must be one of {direct, indirect, recursive, all}");
    }
    boolean names = options.flag("names", false);
    boolean stream = options.flag("stream", false);
    if (asked.isEmpty() && !type.equals("indirect")) {
      new Listing(response, type, names, stream).start();
      return;
    }
    Future<List<JsonObject>> found;
    if (asked.isEmpty()) {
      found = Future.succeededFuture(List.of());
    } else {
      List<Future<JsonObject>> each = new ArrayList<>();
      for (Cid cid : asked) {
        each.add(notPinnedSaysSo(cid, pins.get(cid.toString()))
            .compose(pin -> ofType(pin, type) ? Future.succeededFuture(pin.toJson()) : Future.failedFuture(notPinned(cid))));
      }
      found = Future.all(each).map(all -> each.stream().map(Future::result).toList());
    }
    found.onSuccess(list -> {
      if (stream) {
        KuboAnswers.lines(response, list.stream().map(pin -> entry(pin, names).put("Cid", pin.getString("cid"))).toList());
      } else {
        JsonObject keys = new JsonObject();
        list.forEach(pin -> keys.put(pin.getString("cid"), entry(pin, names)));
        KuboAnswers.json(response, new JsonObject().put("Keys", keys));
      }
    }).onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  /**
   * The whole pinset for {@code pin/ls}, read from this node's replica a page at a time, each page
   * written (in Kubo's shape, lines or one {@code Keys} object) before the next is read and only
   * once the client has taken the last: never held whole. A failure before the first page is
   * Kubo's error answer; after it, the connection is reset ({@link KuboAnswers#error}).
   */
  private final class Listing {
    private final HttpServerResponse response;
    private final String type;
    private final boolean names;
    private final boolean stream;
    private boolean started;
    /** Whether a {@code Keys} entry has been written (the next needs a comma). */
    private boolean wrote;
    /** The pinset's read index when the listing began: every page is read at or after it. */
    private long readIndex;

    Listing(HttpServerResponse response, String type, boolean names, boolean stream) {
      this.response = response;
      this.type = type;
      this.names = names;
      this.stream = stream;
    }

    /**
     * Lists from the first page, once this node's replica has every pin change acknowledged before
     * the call, wherever it was made (the pinset's read index): a pin added through another node's
     * proxy is listed here as soon as that {@code pin/add} answered.
     */
    void start() {
      pins.readIndex().onComplete(index -> {
        if (index.failed()) {
          KuboAnswers.error(response, FerryException.from(index.cause()));
          return;
        }
        readIndex = index.result();
        page(null);
      });
    }

    private void page(String after) {
      pins.page(after, Integer.MAX_VALUE, readIndex).onComplete(read -> {
        if (response.closed()) {
          return;   // the client went away: read no further
        }
        if (read.failed()) {
          KuboAnswers.error(response, FerryException.from(read.cause()));
          return;
        }
        List<Pin> found = read.result().pins().stream().filter(pin -> ofType(pin, type)).toList();
        Buffer chunk = Buffer.buffer();
        if (!started) {
          started = true;
          response.setChunked(true).putHeader("Content-Type", KuboAnswers.CONTENT_TYPE);
          if (stream) {
            response.putHeader("X-Chunked-Output", "1");
          } else {
            chunk.appendString("{\"Keys\":{");
          }
        }
        for (Pin each : found) {
          JsonObject pin = each.toJson();
          String cid = pin.getString("cid");
          if (stream) {
            chunk.appendString(entry(pin, names).put("Cid", cid).encode()).appendString("\n");
          } else {
            chunk.appendString((wrote ? "," : "") + Json.encode(cid) + ":" + entry(pin, names).encode());
            wrote = true;
          }
        }
        String next = read.result().next();
        if (next == null) {
          response.end(stream ? chunk : chunk.appendString("}}"));
          return;
        }
        response.write(chunk);
        if (response.writeQueueFull()) {
          response.drainHandler(x -> page(next));
        } else {
          page(next);
        }
      });
    }
  }

  /** Whether {@code pin/ls?type=} lists {@code pin}: its mode, or {@code all}. */
  private static boolean ofType(Pin pin, String type) {
    return type.equals(ALL) || type.equals(pin.extras().mode());
  }

  private static JsonObject entry(JsonObject pin, boolean names) {
    JsonObject entry = new JsonObject().put("Type", pin.getString("mode", RECURSIVE));
    return names ? entry.put("Name", pin.getString("name", "")) : entry;
  }

  /** The pin service's {@code not-found} in the daemon's words. */
  private static <T> Future<T> notPinnedSaysSo(Cid cid, Future<T> asked) {
    return asked.recover(e -> Future.failedFuture(FerryException.NOT_FOUND.equals(FerryException.from(e).code())
        ? notPinned(cid) : e));
  }

  private static FerryException notPinned(Cid cid) {
    return new FerryException(FerryException.NOT_FOUND, "path '" + cid + "' is not pinned");
  }

  private static void answer(HttpServerResponse response, Future<JsonObject> body) {
    body.onSuccess(json -> KuboAnswers.json(response, json))
        .onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }
}
