package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.core.Fields;
import dev.ferry.raft.RaftOp;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * {"op": "list", "after", "limit"}               → {"pins": [pin...], "count", "more"}, ordered by CID: at
 *                                                  most limit and PinQuery.MAX_PAGE pins after CID after
 *                                                  (absent: from the first), the pinset's size, and
 *                                                  whether more follow
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
  /** The writes' names ({@link PinOp}s, and {@link PinOp.Each} as {@value PinOp#BATCH}), as their {@code "op"}. */
  private static final Set<String> WRITES = Set.of("pin", "unpin", "allocate", "expire", PinOp.BATCH);

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
    decode(op);
  }

  @Override
  public void checkQuery(JsonObject op) {
    PinQuery.parse(op);
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    RaftOp<?> decoded = decode(op);
    if (decoded instanceof PinQuery<?> query) {
      return read(query);
    } else if (decoded instanceof PinOp.Each each) {
      return applyEach(index, each.ops());
    }
    PinState.Change change = state.apply(index, (PinOp) decoded);
    return change.after() != null ? change.after().toJson() : change.before().toJson().put("removed", true);
  }

  /**
   * Reads and checks an op as it may be proposed, once: a write ({@link PinOp}), several in one
   * ({@link PinOp.Each}), or a read ({@link PinQuery}, proposed to be ordered in the log).
   *
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  private static RaftOp<?> decode(JsonObject op) {
    Object name = op.getValue("op");
    if (name instanceof String text) {
      if (PinQuery.NAMES.contains(text)) {
        return PinQuery.parse(op);
      } else if (text.equals(PinOp.BATCH)) {
        return new PinOp.Each(PinOp.parseEach(op));
      } else if (WRITES.contains(text)) {
        return PinOp.parse(op);
      }
    }
    Set<String> names = new TreeSet<>(WRITES);
    names.addAll(PinQuery.NAMES);
    throw Fields.bad("op", "one of " + names, name);
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
    return read(PinQuery.parse(op));
  }

  /** The answer to a read, dispatched over the query's type. */
  private JsonObject read(PinQuery<?> query) {
    if (query instanceof PinQuery.Get get) {
      return state.existing(get.cid()).toJson();
    } else if (query instanceof PinQuery.Listing listing) {
      return list(listing);
    }
    return expired((PinQuery.Expired) query);
  }

  /** One page of the pinset: the pins after {@code after}, at most {@code limit}, and whether more follow. */
  private JsonObject list(PinQuery.Listing listing) {
    String after = listing.after();
    int limit = listing.limit();
    Iterator<Pin> pins = (listing.node() != null ? state.pinsOf(listing.node(), after)
        : after == null ? state.pins() : state.pinsAfter(after)).iterator();
    JsonArray page = new JsonArray();
    while (pins.hasNext() && page.size() < limit) {
      page.add(pins.next().toJson());
    }
    return new JsonObject().put("pins", page).put("count", state.size()).put("more", pins.hasNext());
  }

  /** A page of the pins expired at {@code at} ({@link PinState#expiring}). */
  private JsonObject expired(PinQuery.Expired query) {
    Iterator<PinState.Expiring> expiring = state.expiring(query.at(), query.after()).iterator();
    JsonArray page = new JsonArray();
    while (expiring.hasNext() && page.size() < query.limit()) {
      PinState.Expiring next = expiring.next();
      page.add(new JsonObject().put("cid", next.cid()).put("expire_at", next.at().toString()));
    }
    return new JsonObject().put("pins", page).put("more", expiring.hasNext());
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
}
