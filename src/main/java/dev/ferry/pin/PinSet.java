package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.raft.SnapshotChunks;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The cluster's pinset, a Raft state machine ({@code pinset}): which CIDs are pinned, with which
 * replication factor, on which nodes, and how many pins each node holds. An op either names the
 * allocations its proposer decided, or names the nodes its proposer saw live ({@code live}) and
 * leaves the choice to the pinset: when it is applied, the live nodes that hold the fewest pins
 * (ties by name) are chosen, so allocating costs the same whatever the size of the pinset and
 * every replica, applying the same op to the same state, chooses the same nodes. The writes are
 * {@link PinOp}s, applied to a {@link PinState} exactly as each node's tracker applies them to its
 * mirror. Ops (JSON):
 *
 * <pre>
 * {"op": "pin", "cid", "name", "replication_min", "replication_max", "live": [node...], "origin", "time"}
 *                                                → the pin ({@link Pin#toJson()}) on the least loaded live
 *                                                  nodes (an existing pin keeps its live ones);
 *                                                  unavailable when fewer than replication_min are live
 * {"op": "pin", ..., "allocations": [node...]}   → the pin on exactly these nodes
 * {"op": "unpin", "cid"}                         → the pin removed; not-found when absent
 * {"op": "allocate", "cid", "live": [node...]}   → the pin keeps its live nodes and takes the least loaded
 *                                                  live ones for the rest; not-found when absent
 * {"op": "allocate", "cid", "allocations"}       → the pin with these allocations; not-found when absent
 * {"op": "get", "cid"}                           → the pin; not-found when absent
 * {"op": "list"}                                 → {"pins": [pin...]}, ordered by CID
 * </pre>
 *
 * <p>Not thread-safe: used on its group's Raft executor only (see {@link StateMachine}).
 */
public final class PinSet implements StateMachine {
  /** The name groups configure ({@code raft.groups.<group>.state_machine}). */
  public static final String NAME = "pinset";
  private static final Set<String> WRITES = Set.of("pin", "unpin", "allocate");
  private static final Set<String> READS = Set.of("get", "list");

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
      PinOp.parse(op);
    } else {
      checkQuery(op);
    }
  }

  @Override
  public void checkQuery(JsonObject op) {
    String name = opName(op, READS, Set.of());
    if ("get".equals(name)) {
      PinOp.cid(op);
    }
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    if (!WRITES.contains(op.getString("op"))) {
      return query(op);
    }
    PinState.Change change = state.apply(index, PinOp.parse(op));
    return change.after() != null ? change.after().toJson() : change.before().toJson().put("removed", true);
  }

  @Override
  public JsonObject query(JsonObject op) {
    return switch (op.getString("op")) {
      case "get" -> state.existing(PinOp.cid(op)).toJson();
      case "list" -> new JsonObject().put("pins", new JsonArray(state.pins().stream().map(Pin::toJson).toList()));
      default -> throw FerryException.badRequest("'" + op.getString("op") + "' changes the pinset: propose it");
    };
  }

  @Override
  public void snapshot(Consumer<JsonObject> chunks) {
    SnapshotChunks.write(state.pins(), "pins", chunkEntries, Pin::toJson, chunks);
  }

  @Override
  public void restore(List<JsonObject> chunks) {
    List<Pin> pins = new ArrayList<>();
    SnapshotChunks.read(chunks, "pins", item -> pins.add(Pin.fromJson((JsonObject) item)));
    state.reset(pins);
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
