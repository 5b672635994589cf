package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code pin/add}, {@code pin/rm} and {@code pin/ls} through the proxy: they act on the cluster's
 * pinset (the pin service, {@code ferry.pin}) instead of the daemon's own pins, and answer in
 * Kubo's shapes. Every pin of the cluster is recursive.
 *
 * <p>Stateless; each call runs on the proxy instance's context.
 */
final class PinCommands {
  private static final String RECURSIVE = "recursive";
  /** The pin types Kubo lists; the cluster has pins of the first two only. */
  private static final Set<String> LISTING_RECURSIVE = Set.of("all", RECURSIVE);
  private static final Set<String> TYPES = Set.of("all", RECURSIVE, "direct", "indirect");

  private final PinClient pins;

  PinCommands(PinClient pins) {
    this.pins = pins;
  }

  /** {@code pin/add?arg=CID...}: pins each CID in the cluster; {@code {"Pins": [cid, ...]}}. */
  void add(KuboOptions options, HttpServerResponse response) {
    List<Cid> cids = options.cids();
    if (!options.flag(RECURSIVE, true)) {
      throw FerryException.badRequest("the cluster pins recursively only: recursive=false is not supported");
    }
    PinOptions cluster = options.clusterPin();
    answer(response, InOrder.each(cids, cid -> pins.pin(cid.toString(), cluster).map(change -> change.pin().cid()))
        .map(pinned -> new JsonObject().put("Pins", new JsonArray(pinned))));
  }

  /** {@code pin/rm?arg=CID...}: unpins each CID in the cluster; {@code {"Pins": [cid, ...]}}. */
  void rm(KuboOptions options, HttpServerResponse response) {
    List<Cid> cids = options.cids();
    answer(response, InOrder.each(cids, cid -> notPinnedSaysSo(cid, pins.unpin(cid.toString())))
        .map(removed -> new JsonObject().put("Pins", new JsonArray(removed.stream().map(p -> p.pin().cid()).toList()))));
  }

  /**
   * {@code pin/update?arg=FROM&arg=TO[&unpin=false]}: pins TO in the cluster under FROM's name (unless
   * named), then unpins FROM unless {@code unpin=false}; {@code {"Pins": [from, to]}}. FROM must be
   * pinned. (Without a daemon; a daemon's own {@code pin/update} is forwarded to it.)
   */
  void update(KuboOptions options, HttpServerResponse response) {
    List<Cid> cids = options.cids();
    if (cids.size() != 2) {
      throw FerryException.badRequest("pin/update: expected two arguments, from-path and to-path, got " + cids.size());
    }
    Cid from = cids.get(0);
    Cid to = cids.get(1);
    boolean unpin = options.flag("unpin", true);
    PinOptions cluster = options.clusterPin();
    answer(response, notPinnedSaysSo(from, pins.get(from.toString()))
        .compose(old -> pins.pin(to.toString(), cluster.orName(old.name() == null ? "" : old.name())))
        .compose(pinned -> unpin ? pins.unpin(from.toString()).mapEmpty() : Future.<Void>succeededFuture())
        .map(done -> new JsonObject().put("Pins", new JsonArray().add(from.toString()).add(to.toString()))));
  }

  /**
   * {@code pin/ls[?arg=CID...][&type=T][&names=true][&stream=true]}: the cluster's pinset as
   * {@code {"Keys": {cid: {"Type": "recursive"}}}}, or one {@code {"Cid", "Type"}} line per pin
   * with {@code stream}; a CID asked for that is not in the pinset is an error, as with Kubo.
   */
  void ls(KuboOptions options, HttpServerResponse response) {
    List<Cid> asked = options.optionalCids();
    String type = options.string("type", "all");
    if (!TYPES.contains(type)) {
      throw FerryException.badRequest("invalid type '" + type + "', must be one of {direct, indirect, recursive, all}");
    }
    boolean names = options.flag("names", false);
    boolean stream = options.flag("stream", false);
    boolean listed = LISTING_RECURSIVE.contains(type);
    if (asked.isEmpty() && listed) {
      new Listing(response, names, stream).page(null);
      return;
    }
    Future<List<JsonObject>> found;
    if (asked.isEmpty()) {
      found = Future.succeededFuture(List.of());
    } else {
      List<Future<JsonObject>> each = new ArrayList<>();
      for (Cid cid : asked) {
        each.add(listed ? notPinnedSaysSo(cid, pins.get(cid.toString()).map(Pin::toJson))
            : Future.failedFuture(notPinned(cid)));
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
    private final boolean names;
    private final boolean stream;
    private boolean started;

    Listing(HttpServerResponse response, boolean names, boolean stream) {
      this.response = response;
      this.names = names;
      this.stream = stream;
    }

    void page(String after) {
      pins.page(after, Integer.MAX_VALUE, 0).onComplete(read -> {
        if (response.closed()) {
          return;   // the client went away: read no further
        }
        if (read.failed()) {
          KuboAnswers.error(response, FerryException.from(read.cause()));
          return;
        }
        List<Pin> found = read.result().pins();
        Buffer chunk = Buffer.buffer();
        if (!started) {
          started = true;
          response.setChunked(true).putHeader("Content-Type", KuboAnswers.CONTENT_TYPE);
          if (stream) {
            response.putHeader("X-Chunked-Output", "1");
          } else {
            chunk.appendString("{\"Keys\":{");
          }
        } else if (!stream && !found.isEmpty()) {
          chunk.appendString(",");
        }
        for (int i = 0; i < found.size(); i++) {
          JsonObject pin = found.get(i).toJson();
          String cid = pin.getString("cid");
          if (stream) {
            chunk.appendString(entry(pin, names).put("Cid", cid).encode()).appendString("\n");
          } else {
            chunk.appendString((i == 0 ? "" : ",") + Json.encode(cid) + ":" + entry(pin, names).encode());
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

  private static JsonObject entry(JsonObject pin, boolean names) {
    JsonObject entry = new JsonObject().put("Type", RECURSIVE);
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
