package dev.ferry.pin;

import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One entry of the pinset: a CID (canonical text), its name, its replication factor (the least
 * and most nodes that should pin it; -1 for "every node"), the nodes it is allocated to, the node
 * that asked for it, when, the log index that last changed it, and IPFS Cluster's further pin
 * options ({@link Extras}: mode, user allocations, expiry, metadata, origins, the pin it updated).
 *
 * <p>Immutable.
 */
public record Pin(String cid, String name, int replicationMin, int replicationMax, List<String> allocations,
    String origin, String time, long index, Extras extras) implements BusJson {
  /** Replication "every node". */
  public static final int EVERYWHERE = -1;
  /** Longest pin name accepted (IPFS Cluster's limit). */
  public static final int MAX_NAME_LENGTH = 255;

  public Pin {
    allocations = List.copyOf(allocations);
  }

  /** A pin without further options ({@link Extras#NONE}). */
  public Pin(String cid, String name, int replicationMin, int replicationMax, List<String> allocations,
      String origin, String time, long index) {
    this(cid, name, replicationMin, replicationMax, allocations, origin, time, index, Extras.NONE);
  }

  /** The pin as the log and {@code ferry.pin} carry it; an extra left at its default is left out. */
  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("cid", cid).put("name", name).put("replication_min", replicationMin)
        .put("replication_max", replicationMax).put("allocations", new JsonArray(allocations))
        .put("origin", origin).put("time", time).put("index", index);
    extras.writeTo(json);
    return json;
  }

  /**
   * IPFS Cluster's pin options beyond name and replication, as a pin keeps them: {@code mode}
   * ({@value #RECURSIVE} or {@value #DIRECT}), the nodes the caller asked for first
   * ({@code userAllocations}, node names), when the pin expires ({@code expireAt}, an ISO-8601
   * instant, empty for never), its {@code metadata}, the multiaddrs its content may be fetched from
   * ({@code origins}), and the CID whose pin it updated ({@code pinUpdate}, empty for none). Most
   * pins have none of them and share {@link #NONE}.
   *
   * <p>Immutable.
   */
  public record Extras(String mode, List<String> userAllocations, String expireAt, Map<String, String> metadata,
      List<String> origins, String pinUpdate) {
    public static final String RECURSIVE = "recursive";
    public static final String DIRECT = "direct";
    /** No further options: recursive, no user allocations, no expiry, metadata, origins or update. */
    public static final Extras NONE = new Extras(RECURSIVE, List.of(), "", Map.of(), List.of(), "");

    public Extras {
      // one string per mode, not one per pin read from JSON (every copy of the pinset holds them)
      mode = RECURSIVE.equals(mode) ? RECURSIVE : DIRECT.equals(mode) ? DIRECT : mode;
      userAllocations = List.copyOf(userAllocations);
      metadata = Map.copyOf(metadata);
      origins = List.copyOf(origins);
    }

    /** When the pin expires; null for never. */
    public Instant expiry() {
      return expireAt.isEmpty() ? null : Instant.parse(expireAt);
    }

    /** The metadata sorted by key, as it is written. */
    public Map<String, String> sortedMetadata() {
      return new TreeMap<>(metadata);
    }

    void writeTo(JsonObject json) {
      if (!mode.equals(RECURSIVE)) {
        json.put("mode", mode);
      }
      if (!userAllocations.isEmpty()) {
        json.put("user_allocations", new JsonArray(userAllocations));
      }
      if (!expireAt.isEmpty()) {
        json.put("expire_at", expireAt);
      }
      if (!metadata.isEmpty()) {
        json.put("metadata", new JsonObject(new TreeMap<String, Object>(metadata)));
      }
      if (!origins.isEmpty()) {
        json.put("origins", new JsonArray(origins));
      }
      if (!pinUpdate.isEmpty()) {
        json.put("pin_update", pinUpdate);
      }
    }

    /**
     * Reads and checks what {@link #writeTo} wrote (absent fields take their defaults).
     *
     * @throws FerryException {@code bad-request} naming the field that is wrong
     */
    static Extras from(JsonObject op) {
      if (!op.containsKey("mode") && !op.containsKey("user_allocations") && !op.containsKey("expire_at")
          && !op.containsKey("metadata") && !op.containsKey("origins") && !op.containsKey("pin_update")) {
        return NONE;
      }
      String mode = op.getValue("mode") == null ? RECURSIVE : string(op, "mode");
      if (!mode.equals(RECURSIVE) && !mode.equals(DIRECT)) {
        throw FerryException.badRequest("field mode: expected recursive or direct, got " + mode);
      }
      List<String> users = op.getValue("user_allocations") == null ? List.of()
          : List.copyOf(nodes(op, "user_allocations"));
      String expireAt = op.getValue("expire_at") == null ? "" : instant(string(op, "expire_at"), "field expire_at");
      Map<String, String> metadata = new TreeMap<>();
      Object meta = op.getValue("metadata");
      if (meta instanceof JsonObject object) {
        object.forEach(entry -> {
          if (!(entry.getValue() instanceof String value)) {
            throw FerryException.badRequest("field metadata: expected string values, got " + entry.getKey() + "="
                + entry.getValue());
          }
          metadata.put(entry.getKey(), value);
        });
      } else if (meta != null) {
        throw FerryException.badRequest("field metadata: expected an object of strings, got " + meta);
      }
      List<String> origins = op.getValue("origins") == null ? List.of() : strings(op, "origins");
      String update = op.getValue("pin_update") == null ? "" : Cid.parse(string(op, "pin_update")).toString();
      return new Extras(mode, users, expireAt, metadata, origins, update);
    }
  }

  /**
   * An RFC 3339 / ISO-8601 time (with a zone or offset) as the canonical UTC instant text.
   *
   * @throws FerryException {@code bad-request} starting with {@code what}
   */
  static String instant(String text, String what) {
    try {
      return OffsetDateTime.parse(text).toInstant().toString();
    } catch (DateTimeParseException e) {
      throw FerryException.badRequest(what + ": expected an RFC 3339 time such as 2030-01-02T15:04:05Z, got '"
          + text + "'");
    }
  }

  private static List<String> strings(JsonObject op, String field) {
    if (!(op.getValue(field) instanceof JsonArray array)
        || !array.stream().allMatch(item -> item instanceof String text && !text.isBlank())) {
      throw FerryException.badRequest("field " + field + ": expected an array of strings, got " + op.getValue(field));
    }
    return array.stream().map(String::valueOf).toList();
  }

  /**
   * What {@link #toJson} wrote, also a pin left on no node (a move off a node that left, with no
   * live node to take it, allocates none): a pin as the pinset holds it reads back whole.
   */
  static Pin fromJson(JsonObject json) {
    boolean onNoNode = json.getValue("allocations") instanceof JsonArray allocations && allocations.isEmpty();
    return fromOp(json, onNoNode).at(json.getLong("index", 0L));
  }

  /** The same pin on other nodes. */
  Pin allocatedTo(List<String> nodes) {
    return new Pin(cid, name, replicationMin, replicationMax, nodes, origin, time, index, extras);
  }

  Pin at(long logIndex) {
    return new Pin(cid, name, replicationMin, replicationMax, allocations, origin, time, logIndex, extras);
  }

  /**
   * The nodes to keep or place first when this pin is (re)placed over {@code before} (null: a new
   * pin): the caller's user allocations when it named any, as IPFS Cluster honours them first,
   * else the nodes {@code before} had.
   */
  List<String> preferred(Pin before) {
    if (!extras.userAllocations().isEmpty()) {
      return extras.userAllocations();
    }
    return before == null ? List.of() : before.allocations();
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
        op.getValue("time") == null ? "" : string(op, "time"), 0, Extras.from(op));
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
