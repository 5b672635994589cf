package dev.ferry.raft;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The built-in {@code kv} group's state: string keys to string values, each remembering the log
 * index that last wrote it. Ops (JSON):
 *
 * <pre>
 * {"op": "put",    "key": K, "value": V}              → {"key", "value", "index", "previous"}
 * {"op": "delete", "key": K}                          → {"key", "deleted", "index", "previous"}
 * {"op": "cas",    "key": K, "expect": E, "value": V} → {"key", "ok", "value", "index"}
 * {"op": "get",    "key": K}                          → {"key", "value", "index"}, or null when absent
 * {"op": "list",   "prefix": P, "limit": N}           → {"entries": [{"key", "value", "index"}]}
 * </pre>
 *
 * {@code cas} writes V only if the current value equals E; a null E means "absent", a null V
 * deletes. {@code get} and {@code list} are queries but may also be proposed (then they are
 * ordered in the log).
 *
 * <p>Not thread-safe: used on its group's Raft executor only (see {@link StateMachine}); a
 * captured snapshot's chunks are made on any thread, from a copy of the entries.
 */
public final class KvStateMachine implements StateMachine {
  private static final Set<String> WRITES = Set.of("put", "delete", "cas");
  private static final Set<String> READS = Set.of("get", "list");
  private static final Set<String> ALL = Set.of("put", "delete", "cas", "get", "list");

  private record Value(String value, long index) {}

  private final NavigableMap<String, Value> data = new TreeMap<>();
  private final int chunkEntries;

  /** @param chunkEntries how many keys one snapshot chunk holds */
  public KvStateMachine(int chunkEntries) {
    if (chunkEntries < 1) {
      throw new IllegalArgumentException("chunkEntries must be positive");
    }
    this.chunkEntries = chunkEntries;
  }

  @Override
  public void checkProposal(JsonObject op) {
    String name = opName(op, ALL);
    check(op, name);
  }

  @Override
  public void checkQuery(JsonObject op) {
    String name = opName(op, READS);
    check(op, name);
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    String key = op.getString("key");
    return switch (op.getString("op")) {
      case "put" -> put(index, key, op.getString("value"));
      case "delete" -> delete(index, key);
      case "cas" -> cas(index, key, op.getString("expect"), op.getString("value"));
      default -> query(op);
    };
  }

  @Override
  public JsonObject query(JsonObject op) {
    return switch (op.getString("op")) {
      case "get" -> get(op.getString("key"));
      case "list" -> list(op.getString("prefix", ""), op.getInteger("limit", Integer.MAX_VALUE));
      default -> throw FerryException.badRequest("'" + op.getString("op") + "' changes the state: propose it");
    };
  }

  @Override
  public void snapshot(Consumer<JsonObject> chunks) {
    Snapshot captured = capture();
    for (int i = 0; i < captured.chunks(); i++) {
      chunks.accept(captured.chunk(i));
    }
  }

  /** The keys and their values as they are now, copied (a value is immutable); packed when asked for. */
  @Override
  public Snapshot capture() {
    List<Map.Entry<String, Value>> entries = new ArrayList<>(data.size());
    data.forEach((key, value) -> entries.add(Map.entry(key, value)));
    return SnapshotChunks.of(entries, "entries", chunkEntries,
        e -> new JsonArray().add(e.getKey()).add(e.getValue().value()).add(e.getValue().index()));
  }

  @Override
  public void restore(List<JsonObject> chunks) {
    data.clear();
    SnapshotChunks.read(chunks, "entries", item -> {
      JsonArray e = (JsonArray) item;
      data.put(e.getString(0), new Value(e.getString(1), e.getLong(2)));
    });
  }

  /** How many keys are stored (for tests and status). */
  public int size() {
    return data.size();
  }

  private JsonObject put(long index, String key, String value) {
    Value previous = data.put(key, new Value(value, index));
    return new JsonObject().put("key", key).put("value", value).put("index", index)
        .put("previous", previous == null ? null : previous.value());
  }

  private JsonObject delete(long index, String key) {
    Value previous = data.remove(key);
    return new JsonObject().put("key", key).put("deleted", previous != null).put("index", index)
        .put("previous", previous == null ? null : previous.value());
  }

  private JsonObject cas(long index, String key, String expect, String value) {
    Value current = data.get(key);
    boolean ok = Objects.equals(current == null ? null : current.value(), expect);
    if (ok) {
      if (value == null) {
        data.remove(key);
      } else {
        data.put(key, new Value(value, index));
      }
      current = value == null ? null : data.get(key);
    }
    return new JsonObject().put("key", key).put("ok", ok)
        .put("value", current == null ? null : current.value())
        .put("index", ok ? index : current == null ? 0 : current.index());
  }

  private JsonObject get(String key) {
    Value v = data.get(key);
    return v == null ? null : entry(key, v);
  }

  private JsonObject list(String prefix, int limit) {
    JsonArray entries = new JsonArray();
    for (Map.Entry<String, Value> e : data.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix) || entries.size() >= limit) {
        break;
      }
      entries.add(entry(e.getKey(), e.getValue()));
    }
    return new JsonObject().put("entries", entries);
  }

  private static JsonObject entry(String key, Value v) {
    return new JsonObject().put("key", key).put("value", v.value()).put("index", v.index());
  }

  private static String opName(JsonObject op, Set<String> allowed) {
    Object name = op.getValue("op");
    if (!(name instanceof String text)) {
      throw FerryException.badRequest("a kv op needs \"op\": one of put, delete, cas, get, list");
    }
    if (!allowed.contains(text)) {
      throw FerryException.badRequest(WRITES.contains(text)
          ? "'" + text + "' changes the state: propose it, do not query it"
          : "unknown kv op '" + text + "': expected one of put, delete, cas, get, list");
    }
    return text;
  }

  private static void check(JsonObject op, String name) {
    if (name.equals("list")) {
      optionalString(op, "prefix");
      Object limit = op.getValue("limit");
      if (limit != null && !(limit instanceof Integer n && n > 0)) {
        throw FerryException.badRequest("list: \"limit\" must be a positive integer");
      }
      return;
    }
    Object key = op.getValue("key");
    if (!(key instanceof String text) || text.isEmpty()) {
      throw FerryException.badRequest(name + ": \"key\" must be a non-empty string");
    }
    if (name.equals("put")) {
      if (!(op.getValue("value") instanceof String)) {
        throw FerryException.badRequest("put: \"value\" must be a string");
      }
    } else if (name.equals("cas")) {
      optionalString(op, "expect");
      optionalString(op, "value");
    }
  }

  private static void optionalString(JsonObject op, String field) {
    Object value = op.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw FerryException.badRequest(op.getString("op") + ": \"" + field + "\" must be a string or null");
    }
  }
}
