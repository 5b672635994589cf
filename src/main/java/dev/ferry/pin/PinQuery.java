package dev.ferry.pin;

import dev.ferry.core.Fields;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.RaftQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The reads of the pinset ({@link PinSet}'s queries), as the pin service and each node's tracker
 * send them through the Raft client, each with its typed answer; the writes are the
 * {@link PinOp}s. A record writes the query's JSON, the pinset's contract ({@link PinSet});
 * {@link #parse} reads it back, once, where the pinset checks and answers it.
 *
 * <p>Immutable.
 *
 * @param <A> the type of the answer
 */
sealed interface PinQuery<A> extends RaftQuery<A> {
  /** The queries' names, as their {@code "op"}. */
  Set<String> NAMES = Set.of("get", "list", "expired");
  /**
   * The most pins one answer holds, whatever the query's {@code limit} (or without one): a page,
   * never the whole pinset, which at a million pins is a gigabyte of JSON built on the group's
   * executor for any client (bridge clients read the pinset's group too).
   */
  int MAX_PAGE = 10_000;

  /**
   * Reads and checks a query's JSON (as it arrives from any client); a record's {@link #toJson}
   * reads back to an equal record, but for a {@link Listing}'s {@code after} and a {@link Get}'s
   * CID, which come back canonical.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} naming the field that is wrong
   */
  static PinQuery<?> parse(JsonObject op) {
    Object name = op.getValue("op");
    if (!(name instanceof String text && NAMES.contains(text))) {
      throw Fields.bad("op", "one of " + new TreeSet<>(NAMES), name);
    }
    return switch (text) {
      case "get" -> new Get(PinOp.cid(op));
      case "list" -> new Listing(node(op), after(op), limit(op));
      default -> new Expired(instant(op.getValue("at"), "at"), expiredAfter(op), limit(op));
    };
  }

  /** The node a listing is limited to, or null: every pin. */
  private static String node(JsonObject op) {
    Object node = op.getValue("node");
    if (node != null && !(node instanceof String text && !text.isBlank())) {
      throw Fields.bad("node", "the name of the node whose pins to list", node);
    }
    return (String) node;
  }

  /** The canonical CID a listing starts after, or null: from the first. */
  private static String after(JsonObject op) {
    Object after = op.getValue("after");
    if (after == null) {
      return null;
    }
    if (!(after instanceof String text)) {
      throw Fields.bad("after", "the CID a page starts after", after);
    }
    return Cid.parse(text).toString();
  }

  /** How many pins a page holds at most: the query's {@code limit}, and never more than {@link #MAX_PAGE}. */
  private static int limit(JsonObject op) {
    Object limit = op.getValue("limit");
    if (limit != null && (!(limit instanceof Number n) || n.longValue() != n.doubleValue() || n.longValue() < 1)) {
      throw Fields.bad("limit", "a positive whole number of pins", limit);
    }
    return limit == null ? MAX_PAGE : (int) Math.min(((Number) limit).longValue(), MAX_PAGE);
  }

  /** The expiring pin an {@code expired} page starts after ({@code {"cid", "expire_at"}}), or null: from the first. */
  private static PinState.Expiring expiredAfter(JsonObject op) {
    Object after = op.getValue("after");
    if (after == null) {
      return null;
    }
    if (!(after instanceof JsonObject last) || !(last.getValue("cid") instanceof String cid)) {
      throw Fields.bad("after", "the {\"cid\", \"expire_at\"} of the last pin of the page before", after);
    }
    return new PinState.Expiring(instant(last.getValue("expire_at"), "after.expire_at"), Cid.parse(cid).toString());
  }

  private static Instant instant(Object value, String field) {
    if (value instanceof String text) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        // the error below
      }
    }
    throw Fields.bad(field, "a time such as 2026-12-03T12:00:00Z", value);
  }

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
   * A page of the pins in CID order after CID {@code after} (null: from the first), of node
   * {@code node} only (null: of every node), at most {@code limit} and {@link #MAX_PAGE}; its
   * answer says how many pins the pinset holds and whether more follow.
   */
  record Listing(String node, String after, int limit) implements PinQuery<PinReply.Page> {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("op", "list").put("limit", limit);
      if (node != null) {
        json.put("node", node);
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
