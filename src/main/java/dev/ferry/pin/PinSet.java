package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.SnapshotChunks;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The cluster's pinset, a Raft state machine ({@code pinset}): which CIDs are pinned, with which
 * replication factor, on which nodes. Every op names the allocations it decided (the proposer
 * chose them), so applying is deterministic. Ops (JSON):
 *
 * <pre>
 * {"op": "pin", "cid", "name", "replication_min", "replication_max", "allocations": [node...], "origin", "time"}
 *                                                → the pin ({@link Pin#toJson()})
 * {"op": "unpin", "cid"}                         → the pin removed; not-found when absent
 * {"op": "allocate", "cid", "allocations"}       → the pin with its new allocations; not-found when absent
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

  private final Map<String, Pin> pins = new TreeMap<>();
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
    if (!"list".equals(name)) {
      cid(op);
    }
    if ("pin".equals(name)) {
      Pin.fromOp(op);
    } else if ("allocate".equals(name)) {
      Pin.allocations(op);
    }
  }

  @Override
  public void checkQuery(JsonObject op) {
    String name = opName(op, READS, Set.of());
    if ("get".equals(name)) {
      cid(op);
    }
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    return switch (op.getString("op")) {
      case "pin" -> {
        Pin pin = Pin.fromOp(op).at(index);
        pins.put(pin.cid(), pin);
        yield pin.toJson();
      }
      case "unpin" -> existing(op).toJson().put("removed", pins.remove(cid(op)) != null);
      case "allocate" -> {
        Pin moved = existing(op).allocatedTo(Pin.allocations(op));
        pins.put(moved.cid(), moved);
        yield moved.toJson();
      }
      default -> query(op);
    };
  }

  @Override
  public JsonObject query(JsonObject op) {
    return switch (op.getString("op")) {
      case "get" -> existing(op).toJson();
      case "list" -> new JsonObject().put("pins", new JsonArray(pins.values().stream().map(Pin::toJson).toList()));
      default -> throw FerryException.badRequest("'" + op.getString("op") + "' changes the pinset: propose it");
    };
  }

  @Override
  public void snapshot(Consumer<JsonObject> chunks) {
    SnapshotChunks.write(pins.values(), "pins", chunkEntries, Pin::toJson, chunks);
  }

  @Override
  public void restore(List<JsonObject> chunks) {
    pins.clear();
    SnapshotChunks.read(chunks, "pins", item -> {
      Pin pin = Pin.fromJson((JsonObject) item);
      pins.put(pin.cid(), pin);
    });
  }

  private Pin existing(JsonObject op) {
    Pin pin = pins.get(cid(op));
    if (pin == null) {
      throw FerryException.notFound("no pin for " + op.getString("cid") + " in the pinset");
    }
    return pin;
  }

  /** The op's CID in its canonical form; a malformed one is a {@code bad-request}. */
  private static String cid(JsonObject op) {
    Object cid = op.getValue("cid");
    if (!(cid instanceof String text)) {
      throw FerryException.badRequest("field cid: expected a CID string, got " + cid);
    }
    return Cid.parse(text).toString();
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
