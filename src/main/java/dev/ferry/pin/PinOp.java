package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A change to the pinset, as the pin service proposes it and every replica applies it: decoded
 * once from its JSON ({@link #parse}), applied in one place ({@link #applyTo}), by the
 * {@link PinSet} state machine and by each node's {@link PinTracker}, which mirrors the pinset
 * from the change feed. The JSON is the log's contract (docs/RAFT.md, {@link PinSet}).
 *
 * <p>Immutable.
 */
sealed interface PinOp {
  /** The CID the op changes, canonical. */
  String cid();

  /** The op as it travels in the log. */
  JsonObject toJson();

  /**
   * Applies this op to {@code state} at log {@code index}; deterministic.
   *
   * @throws FerryException {@code not-found} for a change of a pin that is not there
   */
  PinState.Change applyTo(PinState state, long index);

  /**
   * Decodes and checks a write op: {@code pin}, {@code unpin} or {@code allocate}.
   *
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  static PinOp parse(JsonObject op) {
    String name = op.getString("op");
    return switch (String.valueOf(name)) {
      case "pin" -> new Add(Pin.fromOp(op));
      case "unpin" -> new Remove(cid(op));
      case "allocate" -> new Allocate(cid(op), Pin.allocations(op));
      default -> throw FerryException.badRequest("field op: expected one of [allocate, pin, unpin], got " + name);
    };
  }

  /** The op's CID in its canonical form; a malformed one is a {@code bad-request}. */
  static String cid(JsonObject op) {
    Object cid = op.getValue("cid");
    if (!(cid instanceof String text)) {
      throw FerryException.badRequest("field cid: expected a CID string, got " + cid);
    }
    return Cid.parse(text).toString();
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

  /** Moves a CID's pin to other nodes (a node it was on left). */
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
