package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * Asks the cluster's pin service on {@code ferry.pin} (docs/ADDRESSES.md), so callers outside this
 * package need not build its requests. It asks this node's service, so reads from this node's
 * replica see every change made through this node. Answers are the service's JSON; failures are
 * {@link FerryException}s with the service's code ({@code bad-request}, {@code not-found},
 * {@code unavailable}, {@code timeout}, ...).
 *
 * <p>Thread-safe; answers complete on the caller's context.
 */
public final class PinClient {
  private final Vertx vertx;
  private final DeliveryOptions options;

  /** A client whose requests wait at most {@code timeout} for the service's answer. */
  public PinClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
  }

  /**
   * Pins {@code cid} in the cluster as {@code options} say; the pin as the pinset now holds it, with
   * the log index of the change as {@code "committed"} (a {@code minIndex} for reads on other nodes).
   */
  public Future<JsonObject> pin(String cid, PinOptions options) {
    return ask(options.request(cid));
  }

  /** Removes the pin of {@code cid}, answering it (and {@code "committed"}); {@code not-found} if there is none. */
  public Future<JsonObject> unpin(String cid) {
    return ask(op("unpin", cid));
  }

  /** The pin of {@code cid}, read through the Raft leader (linearizable); {@code not-found} if there is none. */
  public Future<JsonObject> get(String cid) {
    return ask(op("get", cid));
  }

  /**
   * The pin of {@code cid} as this node's replica holds it once it has applied {@code minIndex};
   * {@code not-found} if there is none, {@code timeout} if the replica does not get there in time.
   */
  public Future<JsonObject> get(String cid, long minIndex) {
    return ask(local(op("get", cid), minIndex));
  }

  /**
   * As {@link #status}, after each allocated node (or only this node, {@code onlyHere}) retried a
   * failed pin.
   */
  public Future<JsonObject> recover(String cid, boolean onlyHere, long minIndex) {
    return ask(local(op("recover", cid), minIndex).put("only_here", onlyHere));
  }

  /**
   * The pin of {@code cid} (read as {@link #get}) with each allocated node's status of it
   * ({@code "peer_map"}), or this node's alone when {@code onlyHere}.
   */
  public Future<JsonObject> status(String cid, boolean onlyHere, long minIndex) {
    return ask(local(op("status", cid), minIndex).put("only_here", onlyHere));
  }

  /** Every pin of the pinset, read through the Raft leader (linearizable) and held whole: for small pinsets. */
  public Future<JsonArray> list() {
    return ask(new JsonObject().put("op", "list")).map(body -> body.getJsonArray("pins"));
  }

  /**
   * One page of the pinset from this node's replica (read as {@link #get}), in CID order:
   * {@code {"pins": [...], "count": size of the pinset, "more": whether pins follow}}, the pins
   * after CID {@code after} (null: from the first), at most {@code limit} and {@code pin.list_page_size}.
   */
  public Future<JsonObject> page(String after, int limit, long minIndex) {
    JsonObject request = local(new JsonObject().put("op", "list").put("limit", limit), minIndex);
    return ask(after == null ? request : request.put("after", after));
  }

  /**
   * One page of statuses from this node's replica (read as {@link #get}), in CID order:
   * {@code {"pins": [pin with "peer_map"...], "next": CID the next page starts after, or null}};
   * each node is asked once per page.
   *
   * @param after the CID the page starts after (null: from the first)
   * @param filter IPFS Cluster's status names and groups, comma-separated ({@code pinned,error});
   *     null or empty for every pin
   * @param onlyHere whether to give this node's status of every pin instead of each allocated node's
   * @param cids null for the whole pinset, else just these CIDs (those the pinset holds), as one page
   */
  public Future<JsonObject> statuses(String after, String filter, boolean onlyHere, List<String> cids, long minIndex) {
    return statuses(after, filter, onlyHere, cids, minIndex, false);
  }

  /** As {@link #statuses}, after each node asked retried its failed pins of the page ({@code recover}). */
  public Future<JsonObject> recoverPage(String after, boolean onlyHere, long minIndex) {
    return statuses(after, null, onlyHere, null, minIndex, true);
  }

  private Future<JsonObject> statuses(String after, String filter, boolean onlyHere, List<String> cids, long minIndex,
      boolean recover) {
    JsonObject request = local(new JsonObject().put("op", "statuses").put("filter", filter).put("only_here", onlyHere)
        .put("recover", recover), minIndex);
    if (after != null) {
      request.put("after", after);
    }
    if (cids != null) {
      request.put("cids", new JsonArray(cids));
    }
    return ask(request);
  }

  private static JsonObject op(String op, String cid) {
    return new JsonObject().put("op", op).put("cid", cid);
  }

  private static JsonObject local(JsonObject request, long minIndex) {
    return request.put("local", true).put("min_index", minIndex);
  }

  private Future<JsonObject> ask(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.PIN, request, options)
        .transform(reply -> reply.succeeded() ? Future.succeededFuture(reply.result().body())
            : Future.failedFuture(FerryException.from(reply.cause())));
  }
}
