package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The cluster's pinset, a Raft state machine ({@code pinset}): which CIDs are pinned, with which
 * replication factor, on which nodes, and how many pins each node holds. An op either names the
 * allocations its proposer decided, or names the nodes its proposer saw live ({@code live}) and
 * leaves the choice to the pinset: when it is applied, the {@link Allocator} chooses among them by
 * the metrics the op carries ({@code "metrics"}: {@code pin.allocate_by} as the proposer saw it,
 * plain values, {@link Ranking}), then the fewest pins (ties by name), so allocating costs the same
 * whatever the size of the pinset and every replica, applying the same op to the same state,
 * chooses the same nodes. The writes are
 * {@link PinOp}s, applied to a {@link PinState} exactly as each node's tracker applies them to its
 * mirror. Ops (JSON):
 *
 * <pre>
 * {"op": "pin", "cid", "name", "replication_min", "replication_max", "live": [node...], "origin", "time",
 *  and optionally "mode", "user_allocations", "expire_at", "metadata", "origins", "pin_update",
 *  "metrics": [{"name", "values": {node: text or rank}}...]}
 *                                                → the pin ({@link Pin#toJson()}) on live nodes chosen by
 *                                                  the metrics, then the fewest pins (its user
 *                                                  allocations, or an existing pin's live nodes, first);
 *                                                  unavailable when fewer than replication_min are live
 * {"op": "pin", ..., "allocations": [node...]}   → the pin on exactly these nodes
 * {"op": "unpin", "cid"}                         → the pin removed; not-found when absent
 * {"op": "expire", "cid", "at"}                  → the pin removed if its expire_at is at or before at;
 *                                                  bad-request (nothing changes) when it is not
 * {"op": "allocate", "cid", "live": [node...], and optionally "metrics"}
 *                                                → the pin keeps its live nodes and takes the first live
 *                                                  ones by the metrics, then fewest pins, for the rest;
 *                                                  not-found when absent
 * {"op": "allocate", "cid", "allocations"}       → the pin with these allocations; not-found when absent
 * {"op": "pins", "ops": [op...]}                 → each write op above (no "pins") applied in order, on its
 *                                                  own, as if proposed alone at this index: {"applied": n,
 *                                                  "refused": [{"at", "cid", "code", "message"}...]}
 * {"op": "get", "cid"}                           → the pin; not-found when absent
 * {"op": "list"}                                 → {"pins": [pin...]}, ordered by CID
 * {"op": "list", "after", "limit"}               → {"pins": [pin...], "count", "more"}: at most limit pins
 *                                                  after CID after (absent: from the first), the
 *                                                  pinset's size, and whether more follow
 * {"op": "list", "node", ...}                    → the same, of the pins allocated to that node only
 *                                                  (pins for every node name none)
 * {"op": "expired", "at", "after", "limit"}      → {"pins": [{"cid", "expire_at"}...], "more"}: at most limit
 *                                                  pins whose expire_at is at or before at, soonest first,
 *                                                  after the {"cid", "expire_at"} after (absent: from the
 *                                                  first); read from an index of the expiring pins alone
 * </pre>
 *
 * <p>Snapshots ({@link PinsetSnapshot}) are captured in the time of a copy of the state's list of
 * leaves and encoded afterwards, on a worker, while ops go on being applied.
 *
 * <p>Not thread-safe: used on its group's Raft executor only (see {@link StateMachine}); a
 * captured snapshot's chunks are made on any thread.
 */
public final class PinSet implements StateMachine {
  /** The name groups configure ({@code raft.groups.<group>.state_machine}). */
  public static final String NAME = "pinset";
  private static final Set<String> WRITES = Set.of("pin", "unpin", "allocate", "expire", PinOp.BATCH);
  private static final Set<String> READS = Set.of("get", "list", "expired");

  private final PinState state = new PinState();
  private final int chunkEntries;

  public PinSet(int chunkEntries) {
    if (chunkEntries < 1) {
      throw new IllegalArgumentException("chunkEntries must be positive");
    }
    this.chunkEntries = chunkEntries;
  }

  @Override
  public void checkProposal(JsonObject op) {
    String name = opName(op, WRITES, READS);
    if (WRITES.contains(name)) {
      PinOp.parseEach(op);
    } else {
      checkQuery(op);
    }
  }

  @Override
  public void checkQuery(JsonObject op) {
    String name = opName(op, READS, Set.of());
    if ("get".equals(name)) {
      PinOp.cid(op);
    } else {
      after(op);
      limit(op);
      node(op);
    }
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    if (!WRITES.contains(op.getString("op"))) {
      return query(op);
    }
    if (PinOp.BATCH.equals(op.getString("op"))) {
      return applyEach(index, PinOp.parseEach(op));
    }
    PinState.Change change = state.apply(index, PinOp.parse(op));
    return change.after() != null ? change.after().toJson() : change.before().toJson().put("removed", true);
  }

  /**
   * A {@code pins} op: each of its ops applied in order, on its own (one refused changes nothing
   * and leaves the others be); how many were applied, and each refused one's position, CID and error.
   */
  private JsonObject applyEach(long index, List<PinOp> ops) {
    JsonArray refused = new JsonArray();
    for (int at = 0; at < ops.size(); at++) {
      try {
        state.apply(index, ops.get(at));
      } catch (FerryException e) {
        refused.add(new JsonObject().put("at", at).put("cid", ops.get(at).cid()).put("code", e.code())
            .put("message", e.getMessage()));
      }
    }
    return new JsonObject().put("applied", ops.size() - refused.size()).put("refused", refused);
  }

  @Override
  public JsonObject query(JsonObject op) {
    return switch (op.getString("op")) {
      case "get" -> state.existing(PinOp.cid(op)).toJson();
      case "list" -> list(op);
      case "expired" -> expired(op);
      default -> throw FerryException.badRequest("'" + op.getString("op") + "' changes the pinset: propose it");
    };
  }

  /** The whole pinset, or with {@code limit} one page of it: the pins after {@code after}, and whether more follow. */
  private JsonObject list(JsonObject op) {
    String after = after(op);
    int limit = limit(op);
    String node = node(op);
    Iterator<Pin> pins = (node != null ? state.pinsOf(node, after)
        : after == null ? state.pins() : state.pinsAfter(after)).iterator();
    JsonArray page = new JsonArray();
    while (pins.hasNext() && page.size() < limit) {
      page.add(pins.next().toJson());
    }
    JsonObject list = new JsonObject().put("pins", page);
    return op.getValue("limit") == null ? list : list.put("count", state.size()).put("more", pins.hasNext());
  }

  /** A page of the pins expired at {@code at} ({@link PinState#expiring}). */
  private JsonObject expired(JsonObject op) {
    Instant at = instant(op.getValue("at"), "at");
    JsonObject after = op.getJsonObject("after");
    PinState.Expiring from = after == null ? null
        : new PinState.Expiring(instant(after.getValue("expire_at"), "after.expire_at"), Cid.parse(after.getString("cid")).toString());
    Iterator<PinState.Expiring> expiring = state.expiring(at, from).iterator();
    JsonArray page = new JsonArray();
    int limit = limit(op);
    while (expiring.hasNext() && page.size() < limit) {
      PinState.Expiring next = expiring.next();
      page.add(new JsonObject().put("cid", next.cid()).put("expire_at", next.at().toString()));
    }
    return new JsonObject().put("pins", page).put("more", expiring.hasNext());
  }

  private static Instant instant(Object value, String field) {
    if (value instanceof String text) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        // the error below
      }
    }
    throw FerryException.badRequest("field " + field + ": expected a time such as 2026-12-03T12:00:00Z, got " + value);
  }

  /** The node a listing is limited to, or null: every pin. */
  private static String node(JsonObject op) {
    Object node = op.getValue("node");
    if (node != null && !(node instanceof String text && !text.isBlank())) {
      throw FerryException.badRequest("field node: expected the name of the node whose pins to list, got " + node);
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
      throw FerryException.badRequest("field after: expected the CID a page starts after, got " + after);
    }
    return Cid.parse(text).toString();
  }

  /** How many pins a listing holds at most: all without {@code limit}. */
  private static int limit(JsonObject op) {
    Object limit = op.getValue("limit");
    if (limit == null) {
      return Integer.MAX_VALUE;
    }
    if (!(limit instanceof Number n) || n.intValue() != n.doubleValue() || n.intValue() < 1) {
      throw FerryException.badRequest("field limit: expected a positive whole number of pins, got " + limit);
    }
    return n.intValue();
  }

  @Override
  public void snapshot(Consumer<JsonObject> chunks) {
    Snapshot captured = capture();
    for (int i = 0; i < captured.chunks(); i++) {
      chunks.accept(captured.chunk(i));
    }
  }

  /** The pins as they are now, in O(leaves) (copy-on-write, {@link PinTable}); encoded chunk by chunk when asked for. */
  @Override
  public Snapshot capture() {
    return PinsetSnapshot.of(state.capture(), chunkEntries);
  }

  @Override
  public void restore(List<JsonObject> chunks) {
    PinsetSnapshot.restore(chunks, state);
  }

  private static String opName(JsonObject op, Set<String> allowed, Set<String> alsoAllowed) {
    Object name = op.getValue("op");
    if (!(name instanceof String text) || !(allowed.contains(text) || alsoAllowed.contains(text))) {
      var names = new TreeSet<>(allowed);
      names.addAll(alsoAllowed);
      throw FerryException.badRequest("field op: expected one of " + names + ", got " + name);
    }
    return text;
  }
}
