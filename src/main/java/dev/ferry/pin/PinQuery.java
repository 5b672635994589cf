package dev.ferry.pin;

import dev.ferry.raft.RaftQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * The reads of the pinset ({@link PinSet}'s queries), as the pin service and each node's tracker
 * send them through the Raft client, each with its typed answer; the writes are the
 * {@link PinOp}s. A record writes the query's JSON, the pinset's contract ({@link PinSet}).
 *
 * <p>Immutable.
 *
 * @param <A> the type of the answer
 */
sealed interface PinQuery<A> extends RaftQuery<A> {
  /** The pin of {@code cid}; {@code not-found} when the pinset has none. */
  record Get(String cid) implements PinQuery<Pin> {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("op", "get").put("cid", cid);
    }

    @Override
    public Pin answer(JsonObject result) {
      return Pin.fromJson(result);
    }
  }

  /**
   * The pins in CID order after CID {@code after} (null: from the first), of node {@code node}
   * only (null: of every node), at most {@code limit} (null: the whole pinset, and the pinset's
   * JSON has no {@code count} nor {@code more}: the page's count is then its size, and no more follow).
   */
  record Listing(String node, String after, Integer limit) implements PinQuery<PinReply.Page> {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("op", "list");
      if (node != null) {
        json.put("node", node);
      }
      if (limit != null) {
        json.put("limit", limit);
      }
      return after == null ? json : json.put("after", after);
    }

    @Override
    public PinReply.Page answer(JsonObject result) {
      return PinReply.Page.fromJson(result);
    }
  }

  /** The pins whose {@code expire_at} is at or before {@code at}, soonest first, after {@code after} (null: from the first), at most {@code limit}. */
  record Expired(Instant at, PinState.Expiring after, int limit) implements PinQuery<ExpiredPage> {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("op", "expired").put("at", at.toString()).put("limit", limit);
      return after == null ? json
          : json.put("after", new JsonObject().put("cid", after.cid()).put("expire_at", after.at().toString()));
    }

    @Override
    public ExpiredPage answer(JsonObject result) {
      JsonArray pins = result.getJsonArray("pins");
      return new ExpiredPage(pins.stream().map(p -> (JsonObject) p)
          .map(p -> new PinState.Expiring(Instant.parse(p.getString("expire_at")), p.getString("cid"))).toList(),
          result.getBoolean("more", false));
    }
  }

  /** A page of expired pins, and whether more follow. */
  record ExpiredPage(List<PinState.Expiring> pins, boolean more) {
    public ExpiredPage {
      pins = List.copyOf(pins);
    }
  }
}
