package dev.ferry.raft;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * The ops of the built-in {@code kv} group ({@link KvStateMachine}), each with its typed answer.
 * A record writes the op's JSON ({@link #toJson}, the log's contract and what bus clients send);
 * {@link #parse} reads it back, once, where the state machine checks and applies it:
 *
 * <pre>
 * {"op": "put",    "key": K, "value": V}              → {@link Written}  {"key", "value", "index", "previous"}
 * {"op": "delete", "key": K}                          → {@link Deleted}  {"key", "deleted", "index", "previous"}
 * {"op": "cas",    "key": K, "expect": E, "value": V} → {@link Swapped}  {"key", "ok", "value", "index"}
 * {"op": "get",    "key": K}                          → {@link Entry}    {"key", "value", "index"}, or null when absent
 * {"op": "list",   "prefix": P, "limit": N}           → the {@link Entry}s {"entries": [{"key", "value", "index"}]}
 * </pre>
 *
 * {@code cas} writes V only if the current value equals E; a null E means "absent", a null V
 * deletes. {@code get} and {@code list} are {@link RaftQuery queries} but may also be proposed
 * (then they are ordered in the log).
 *
 * <p>Immutable records, so thread-safe.
 *
 * @param <A> the type of the op's answer
 */
public sealed interface KvOp<A> extends RaftOp<A> {
  /** Sets {@code key} to {@code value}. */
  record Put(String key, String value) implements KvOp<Written> {
    @Override
    public JsonObject toJson() {
      return named("put").put("key", key).put("value", value);
    }

    @Override
    public Written answer(JsonObject result) {
      return Written.fromJson(result);
    }
  }

  /** Removes {@code key}. */
  record Delete(String key) implements KvOp<Deleted> {
    @Override
    public JsonObject toJson() {
      return named("delete").put("key", key);
    }

    @Override
    public Deleted answer(JsonObject result) {
      return Deleted.fromJson(result);
    }
  }

  /** Sets {@code key} to {@code value} (null: removes it) if its value is {@code expect} (null: absent). */
  record Cas(String key, String expect, String value) implements KvOp<Swapped> {
    @Override
    public JsonObject toJson() {
      return named("cas").put("key", key).put("expect", expect).put("value", value);
    }

    @Override
    public Swapped answer(JsonObject result) {
      return Swapped.fromJson(result);
    }
  }

  /** The entry of {@code key}; the answer is null when the key is absent. */
  record Get(String key) implements KvOp<Entry>, RaftQuery<Entry> {
    @Override
    public JsonObject toJson() {
      return named("get").put("key", key);
    }

    @Override
    public Entry answer(JsonObject result) {
      return Entry.fromJson(result);
    }
  }

  /**
   * The entries whose key starts with {@code prefix}, in key order, after key {@code after} (null:
   * from the first), at most {@code limit} and {@link #MAX_PAGE} (null: {@link #MAX_PAGE}): one
   * page, never the whole store; its JSON says whether {@code more} follow (page on after the last key).
   */
  record ListEntries(String prefix, String after, Integer limit) implements KvOp<Page>, RaftQuery<Page> {
    /** The most entries one answer holds. */
    public static final int MAX_PAGE = 10_000;

    public ListEntries {
      if (prefix == null) {
        prefix = "";
      }
    }

    public ListEntries(String prefix, Integer limit) {
      this(prefix, null, limit);
    }

    /** How many entries the page holds at most. */
    int most() {
      return limit == null ? MAX_PAGE : Math.min(limit, MAX_PAGE);
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = named("list").put("prefix", prefix);
      if (after != null) {
        json.put("after", after);
      }
      return limit == null ? json : json.put("limit", limit);
    }

    @Override
    public Page answer(JsonObject result) {
      return new Page(result.getJsonArray("entries").stream().map(e -> Entry.fromJson((JsonObject) e)).toList(),
          result.getBoolean("more", false));
    }
  }

  /** A {@link ListEntries} answer: its entries, and whether more follow (ask again after the last key). */
  record Page(List<Entry> entries, boolean more) {
    public Page {
      entries = List.copyOf(entries);
    }
  }

  /** A key's value and the log index that last wrote it. */
  record Entry(String key, String value, long index) {
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("value", value).put("index", index);
    }

    static Entry fromJson(JsonObject json) {
      return new Entry(json.getString("key"), json.getString("value"), json.getLong("index"));
    }
  }

  /** The answer to a {@link Put}: the value written at {@code index}, and the value it replaced (null: none). */
  record Written(String key, String value, long index, String previous) {
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("value", value).put("index", index).put("previous", previous);
    }

    static Written fromJson(JsonObject json) {
      return new Written(json.getString("key"), json.getString("value"), json.getLong("index"),
          json.getString("previous"));
    }
  }

  /** The answer to a {@link Delete}: whether there was a value to delete, and which (null: none). */
  record Deleted(String key, boolean deleted, long index, String previous) {
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("deleted", deleted).put("index", index).put("previous", previous);
    }

    static Deleted fromJson(JsonObject json) {
      return new Deleted(json.getString("key"), json.getBoolean("deleted"), json.getLong("index"),
          json.getString("previous"));
    }
  }

  /**
   * The answer to a {@link Cas}: whether it wrote, and the key's value now (null: absent) with the
   * index that wrote it (0 when absent and nothing was written).
   */
  record Swapped(String key, boolean ok, String value, long index) {
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("ok", ok).put("value", value).put("index", index);
    }

    static Swapped fromJson(JsonObject json) {
      return new Swapped(json.getString("key"), json.getBoolean("ok"), json.getString("value"), json.getLong("index"));
    }
  }

  /** The answer to a {@link ListEntries}: {@code {"entries": [entry...], "more"}}. */
  static JsonObject entries(List<Entry> entries, boolean more) {
    JsonArray json = new JsonArray();
    entries.forEach(e -> json.add(e.toJson()));
    return new JsonObject().put("entries", json).put("more", more);
  }

  /** The ops that change the state. */
  Set<String> WRITES = Set.of("put", "delete", "cas");
  /** The ops that read it. */
  Set<String> READS = Set.of("get", "list");

  /**
   * Reads and checks an op's JSON (as it arrives from any client): a query only if
   * {@code query}. A record's {@link #toJson} reads back to an equal record.
   *
   * @throws FerryException {@code bad-request} naming what is wrong
   */
  static KvOp<?> parse(JsonObject op, boolean query) {
    Object name = op.getValue("op");
    if (!(name instanceof String text)) {
      throw FerryException.badRequest("a kv op needs \"op\": one of put, delete, cas, get, list");
    }
    boolean write = WRITES.contains(text);
    if (!write && !READS.contains(text) || write && query) {
      throw FerryException.badRequest(write
          ? "'" + text + "' changes the state: propose it, do not query it"
          : "unknown kv op '" + text + "': expected one of put, delete, cas, get, list");
    }
    if (text.equals("list")) {
      String prefix = optionalString(op, "list", "prefix");
      String after = optionalString(op, "list", "after");
      Object limit = op.getValue("limit");
      if (limit != null && !(limit instanceof Integer n && n > 0)) {
        throw FerryException.badRequest("list: \"limit\" must be a positive integer");
      }
      return new ListEntries(prefix, after, (Integer) limit);
    }
    Object key = op.getValue("key");
    if (!(key instanceof String k) || k.isEmpty()) {
      throw FerryException.badRequest(text + ": \"key\" must be a non-empty string");
    }
    return switch (text) {
      case "put" -> {
        if (!(op.getValue("value") instanceof String value)) {
          throw FerryException.badRequest("put: \"value\" must be a string");
        }
        yield new Put(k, value);
      }
      case "delete" -> new Delete(k);
      case "cas" -> new Cas(k, optionalString(op, text, "expect"), optionalString(op, text, "value"));
      default -> new Get(k);
    };
  }

  private static JsonObject named(String op) {
    return new JsonObject().put("op", op);
  }

  private static String optionalString(JsonObject op, String name, String field) {
    Object value = op.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw FerryException.badRequest(name + ": \"" + field + "\" must be a string or null");
    }
    return (String) value;
  }
}
