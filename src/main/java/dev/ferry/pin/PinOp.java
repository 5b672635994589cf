package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.RaftOp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A change to the pinset, as the pin service proposes it and every replica applies it: decoded
 * once from its JSON ({@link #parse}), applied in one place ({@link #applyTo}), by the
 * {@link PinSet} state machine and by each node's {@link PinTracker}, which mirrors the pinset
 * from the change feed. The JSON is the log's contract (docs/RAFT.md, {@link PinSet}). The pin
 * service proposes each through the Raft client ({@link RaftOp}); the pinset answers with the pin,
 * as {@link PinReply.Change} reads it (its {@code committed} index is the proposal's, which the pin
 * service knows). Several ops go in one proposal as {@link Each}; the reads are {@link PinQuery}s.
 *
 * <p>Immutable.
 */
sealed interface PinOp extends RaftOp<PinReply.Change> {
  /** The CID the op changes, canonical. */
  String cid();

  /** The op as it travels in the log. */
  @Override
  JsonObject toJson();

  /** The pinset's answer: the pin as it holds it now (as it held it, when removed); {@code committed} is 0. */
  @Override
  default PinReply.Change answer(JsonObject result) {
    return PinReply.Change.fromJson(result);
  }

  /**
   * Applies this op to {@code state} at log {@code index}; deterministic.
   *
   * @throws FerryException {@code not-found} for a change of a pin that is not there
   */
  PinState.Change applyTo(PinState state, long index);

  /**
   * Decodes and checks a write op: {@code pin}, {@code unpin}, {@code allocate} or {@code expire}. A {@code pin} or
   * {@code allocate} that names {@code live} nodes and no {@code allocations} is allocated when it
   * is applied ({@link Place}, {@link Reallocate}).
   *
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  static PinOp parse(JsonObject op) {
    String name = op.getString("op");
    boolean atApply = op.getValue("allocations") == null && op.getValue(LIVE) != null;
    return switch (String.valueOf(name)) {
      case "pin" -> atApply ? new Place(Pin.fromOp(op, true), live(op), Ranking.of(op)) : new Add(Pin.fromOp(op, false));
      case "unpin" -> new Remove(cid(op));
      case "allocate" -> atApply ? new Reallocate(cid(op), live(op), Ranking.of(op))
          : new Allocate(cid(op), Pin.allocations(op));
      case "expire" -> new Expire(cid(op), Instant.parse(Pin.instant(String.valueOf(op.getValue("at")), "field at")));
      default -> throw FerryException.badRequest("field op: expected one of [allocate, expire, pin, unpin], got " + name);
    };
  }

  /** The op that carries several ops in one proposal ({@link Each}). */
  String BATCH = "pins";

  /**
   * Decodes a write op into the ops it carries: a {@code pins} op's {@code ops}, each decoded by
   * {@link #parse} (a {@code pins} op inside one is refused), in order, or any other op alone.
   * Each is applied on its own with {@link #applyTo}, as if proposed alone at the same index.
   *
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  static List<PinOp> parseEach(JsonObject op) {
    if (!BATCH.equals(op.getValue("op"))) {
      return List.of(parse(op));
    }
    if (!(op.getValue("ops") instanceof JsonArray ops) || ops.isEmpty()) {
      throw FerryException.badRequest("field ops: expected a non-empty array of pin ops, got " + op.getValue("ops"));
    }
    List<PinOp> each = new ArrayList<>(ops.size());
    for (Object part : ops) {
      if (!(part instanceof JsonObject json)) {
        throw FerryException.badRequest("field ops: expected pin ops (JSON objects), got " + part);
      }
      each.add(parse(json));
    }
    return each;
  }

  /**
   * One proposal carrying {@code ops} ({@code {"op": "pins", "ops": [op...]}}), read back by
   * {@link #parseEach}; the pinset applies each on its own and answers how many it applied and
   * which it refused ({@link PinReply.Batch}, {@code committed} 0: the pin service knows it).
   */
  record Each(List<PinOp> ops) implements RaftOp<PinReply.Batch> {
    public Each {
      ops = List.copyOf(ops);
    }

    @Override
    public JsonObject toJson() {
      JsonArray json = new JsonArray(new ArrayList<>(ops.size()));
      ops.forEach(op -> json.add(op.toJson()));
      return new JsonObject().put("op", BATCH).put("ops", json);
    }

    @Override
    public PinReply.Batch answer(JsonObject result) {
      return PinReply.Batch.fromApplied(result);
    }
  }

  /** The field of an op that names the nodes its proposer saw live. */
  String LIVE = "live";

  private static List<String> live(JsonObject op) {
    return List.copyOf(Pin.nodes(op, LIVE));
  }

  /** The op's CID in its canonical form; a malformed one is a {@code bad-request}. */
  static String cid(JsonObject op) {
    Object cid = op.getValue("cid");
    if (!(cid instanceof String text)) {
      throw FerryException.badRequest("field cid: expected a CID string, got " + cid);
    }
    return Cid.parse(text).toString();
  }

  /**
   * Pins a CID (or replaces its pin) on the live nodes ({@code live}, as the proposer saw them,
   * without those too full for the pin) chosen by the {@link Allocator}: its user allocations or
   * the nodes it has first, then in the order of the proposer's {@code by} ({@code pin.allocate_by}
   * as it saw the metrics), ties by fewest pins when the op is applied. Fewer live nodes than the
   * pin's minimum is {@code unavailable}.
   */
  record Place(Pin pin, List<String> live, List<Ranking> by) implements PinOp {
    public Place {
      live = List.copyOf(live);
      by = List.copyOf(by);
    }

    /** By fewest pins, then name: no rankings. */
    Place(Pin pin, List<String> live) {
      this(pin, live, List.of());
    }

    @Override
    public String cid() {
      return pin.cid();
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = pin.toJson().put("op", "pin").put(LIVE, new JsonArray(live));
      json.remove("index");
      json.remove("allocations");
      return by.isEmpty() ? json : json.put(Ranking.FIELD, Ranking.toJson(by));
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      List<String> keep = pin.preferred(state.get(pin.cid()));
      return state.put(pin.cid(), pin.allocatedTo(state.allocate(pin, keep, live, true, by)).at(index));
    }
  }

  /** Pins a CID (or replaces its pin) with the allocations the op names. */
  record Add(Pin pin) implements PinOp {
    @Override
    public String cid() {
      return pin.cid();
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = pin.toJson().put("op", "pin");
      json.remove("index");
      return json;
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      return state.put(pin.cid(), pin.at(index));
    }
  }

  /**
   * Removes a CID's pin if it expired by {@code at}, the proposer's clock when it proposed: every
   * replica decides by the op's time and the pin's {@code expire_at}, never by its own clock, so
   * all agree; a pin pinned again meanwhile with a later expiry (or none) stays.
   */
  record Expire(String cid, Instant at) implements PinOp {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("op", "expire").put("cid", cid).put("at", at.toString());
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      Instant expiry = state.existing(cid).extras().expiry();
      if (expiry == null || expiry.isAfter(at)) {
        throw FerryException.badRequest("pin " + cid + " has not expired at " + at + " (expire_at " + expiry + ")");
      }
      return state.put(cid, null);
    }
  }

  /** Removes a CID's pin. */
  record Remove(String cid) implements PinOp {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("op", "unpin").put("cid", cid);
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      state.existing(cid);
      return state.put(cid, null);
    }
  }

  /**
   * Moves a CID's pin off nodes that left: those of its nodes that are in {@code live} stay, the
   * live nodes first in the order of {@code by} (then fewest pins when the op is applied) make up
   * the rest.
   */
  record Reallocate(String cid, List<String> live, List<Ranking> by) implements PinOp {
    public Reallocate {
      live = List.copyOf(live);
      by = List.copyOf(by);
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("op", "allocate").put("cid", cid).put(LIVE, new JsonArray(live));
      return by.isEmpty() ? json : json.put(Ranking.FIELD, Ranking.toJson(by));
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      Pin pin = state.existing(cid);
      return state.put(cid, pin.allocatedTo(state.allocate(pin, pin.allocations(), live, false, by)));
    }
  }

  /** Moves a CID's pin to the nodes the op names. */
  record Allocate(String cid, List<String> allocations) implements PinOp {
    public Allocate {
      allocations = List.copyOf(allocations);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("op", "allocate").put("cid", cid).put("allocations", new JsonArray(allocations));
    }

    @Override
    public PinState.Change applyTo(PinState state, long index) {
      return state.put(cid, state.existing(cid).allocatedTo(allocations));
    }
  }
}
