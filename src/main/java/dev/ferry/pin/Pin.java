package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeSet;

/**
 * One entry of the pinset: a CID (canonical text), its name, its replication factor (the least
 * and most nodes that should pin it; -1 for "every node"), the nodes it is allocated to, the node
 * that asked for it, when, and the log index that last changed it.
 *
 * <p>Immutable.
 */
public record Pin(String cid, String name, int replicationMin, int replicationMax, List<String> allocations,
    String origin, String time, long index) {
  /** Replication "every node". */
  public static final int EVERYWHERE = -1;
  /** Longest pin name accepted (IPFS Cluster's limit). */
  public static final int MAX_NAME_LENGTH = 255;

  public Pin {
    allocations = List.copyOf(allocations);
  }

  public JsonObject toJson() {
    return new JsonObject().put("cid", cid).put("name", name).put("replication_min", replicationMin)
        .put("replication_max", replicationMax).put("allocations", new JsonArray(allocations))
        .put("origin", origin).put("time", time).put("index", index);
  }

  /** What {@link #toJson} wrote. */
  static Pin fromJson(JsonObject json) {
    return fromOp(json, false).at(json.getLong("index", 0L));
  }

  /** The same pin on other nodes. */
  Pin allocatedTo(List<String> nodes) {
    return new Pin(cid, name, replicationMin, replicationMax, nodes, origin, time, index);
  }

  Pin at(long logIndex) {
    return new Pin(cid, name, replicationMin, replicationMax, allocations, origin, time, logIndex);
  }

  /**
   * Reads and checks a {@code pin} op.
   *
   * @param allocatedAtApply whether the op leaves the allocations to the state machine (it names
   *     the live nodes instead): then the pin read has none yet
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  static Pin fromOp(JsonObject op, boolean allocatedAtApply) {
    String cid = Cid.parse(string(op, "cid")).toString();
    String name = op.getValue("name") == null ? "" : string(op, "name");
    if (name.length() > MAX_NAME_LENGTH) {
      throw FerryException.badRequest("field name: at most " + MAX_NAME_LENGTH + " characters, got " + name.length());
    }
    int min = replication(op, "replication_min");
    int max = replication(op, "replication_max");
    checkBounds(min, max, "replication_min", "replication_max");
    List<String> allocations = max == EVERYWHERE ? everywhere(op) : allocatedAtApply ? List.of() : allocations(op);
    return new Pin(cid, name, min, max, allocations, op.getValue("origin") == null ? "" : string(op, "origin"),
        op.getValue("time") == null ? "" : string(op, "time"), 0);
  }

  /**
   * Checks that replication bounds fit together: the minimum at most the maximum, where -1 (every
   * node) is above any number, so a minimum of -1 needs a maximum of -1.
   *
   * @throws FerryException {@code bad-request} naming both bounds as {@code minName} and {@code maxName}
   */
  static void checkBounds(int min, int max, String minName, String maxName) {
    if (max != EVERYWHERE && (min == EVERYWHERE || min > max)) {
      throw FerryException.badRequest(minName + " (" + bound(min) + ") must not exceed " + maxName + " (" + bound(max)
          + "): a pin's least number of nodes cannot be more than its most");
    }
  }

  private static String bound(int value) {
    return value == EVERYWHERE ? "-1, every node" : String.valueOf(value);
  }

  /** Whether {@code node} should pin this CID: it is allocated there, or everywhere. */
  public boolean isAllocatedTo(String node) {
    return allocations.isEmpty() || allocations.contains(node);
  }

  /** A pin for every node names no allocations. */
  private static List<String> everywhere(JsonObject op) {
    Object value = op.getValue("allocations");
    if (value != null && !(value instanceof JsonArray array && array.isEmpty())) {
      throw FerryException.badRequest("field allocations: a pin for every node (replication_max -1) has none, got "
          + value);
    }
    return List.of();
  }

  /** The op's allocations: node names, at least one, no repeats; returned sorted. */
  static List<String> allocations(JsonObject op) {
    return List.copyOf(nodes(op, "allocations"));
  }

  /** The op's node names in {@code field}: at least one, no repeats. */
  static TreeSet<String> nodes(JsonObject op, String field) {
    Object value = op.getValue(field);
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw FerryException.badRequest("field " + field + ": expected a non-empty array of node names, got " + value);
    }
    TreeSet<String> nodes = new TreeSet<>();
    for (Object node : array) {
      if (!(node instanceof String text) || text.isBlank() || !nodes.add(text)) {
        throw FerryException.badRequest("field " + field + ": expected distinct node names, got " + array.encode());
      }
    }
    return nodes;
  }

  private static int replication(JsonObject op, String field) {
    Object value = op.getValue(field);
    if (value == null) {
      return EVERYWHERE;
    }
    if (!(value instanceof Number n) || n.intValue() != n.doubleValue() || n.intValue() == 0 || n.intValue() < EVERYWHERE) {
      throw FerryException.badRequest("field " + field + ": expected a positive whole number or -1 (every node), got "
          + value);
    }
    return n.intValue();
  }

  private static String string(JsonObject op, String field) {
    Object value = op.getValue(field);
    if (!(value instanceof String text)) {
      throw FerryException.badRequest("field " + field + ": expected a string, got " + value);
    }
    return text;
  }
}
