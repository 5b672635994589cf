package dev.ferry.pin;

import dev.ferry.core.BusJson;
import dev.ferry.core.Fields;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The requests a node's pin tracker takes on {@code ferry.node.<node>.pin} (node-internal,
 * docs/ADDRESSES.md): its status of one CID or of several, after retrying a failed pin if
 * {@code recover}, a part of its stream of statuses for a listing, or a few of its pins in
 * error. Read back at the tracker's consumer with {@link #REQUESTS}. Immutable.
 */
sealed interface TrackerRequest extends BusJson {
  /** {@code {"op": "status"|"recover", "cid"}} → {@code {"status", "error", "time", "attempts"}}. */
  record One(String cid, boolean recover) implements TrackerRequest {
    @Override
    public JsonObject toJson() {
      return named(recover).put("cid", cid);
    }
  }

  /** {@code {"op": "status"|"recover", "cids": [...]}} → {@code {"statuses": {cid: status}}}. */
  record Batch(List<String> cids, boolean recover) implements TrackerRequest {
    public Batch {
      cids = List.copyOf(cids);
    }

    @Override
    public JsonObject toJson() {
      return named(recover).put("cids", new JsonArray(cids));
    }
  }

  /**
   * {@code {"op": "list", "after", "limit", "recover"}} → a {@link StatusChunk}: one part of the
   * node's stream of statuses for a listing, in CID order after CID {@code after} (null: from the
   * first), at most {@code limit}: its statuses of the pins allocated to it, or with
   * {@code recover} its failed pins, each retried first (those it did not retry are left out).
   */
  record Listing(String after, int limit, boolean recover) implements TrackerRequest {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put(Requests.OP, "list").put("limit", limit).put("recover", recover);
      return after == null ? json : json.put("after", after);
    }
  }

  /**
   * {@code {"op": "errors", "limit"}} → {@code {"count", "pins": [{"cid", "status", "error", "time",
   * "attempts"}]}}: how many of the node's pins are {@code pin_error} or {@code unpin_error}, and at
   * most {@code limit} of them.
   */
  record Errors(int limit) implements TrackerRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "errors").put("limit", limit);
    }
  }

  Requests<TrackerRequest> REQUESTS = Requests.<TrackerRequest>of("pin tracker")
      .on("status", f -> read(f, false))
      .on("recover", f -> read(f, true))
      .on("errors", f -> new Errors(limit(f)))
      .on("list", f -> new Listing(f.string("after", null), limit(f), f.bool("recover", false)));

  private static JsonObject named(boolean recover) {
    return new JsonObject().put(Requests.OP, recover ? "recover" : "status");
  }

  /** A required {@code limit} of at least 1; a part or an error list holds at most {@link PinQuery#MAX_PAGE} whatever it asks. */
  static int limit(Fields f) {
    Integer limit = f.integer("limit", 1, null);
    if (limit == null) {
      throw Fields.bad("limit", "a whole number >= 1", null);
    }
    return Math.min(limit, PinQuery.MAX_PAGE);
  }

  /** One CID ({@code cid}) or several ({@code cids}, which wins when both are there). */
  private static TrackerRequest read(Fields f, boolean recover) {
    List<String> cids = f.strings("cids", "CID strings");
    return cids == null ? new One(f.string("cid"), recover) : new Batch(cids, recover);
  }
}
