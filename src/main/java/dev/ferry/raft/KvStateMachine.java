package dev.ferry.raft;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The built-in {@code kv} group's state: string keys to string values, each remembering the log
 * index that last wrote it. Its ops and their answers are the {@link KvOp}s: each op is read from
 * its JSON once ({@link KvOp#parse}), when it is checked and when it is applied, and each answer
 * written by its record.
 *
 * <p>Not thread-safe: used on its group's Raft executor only (see {@link StateMachine}); a
 * captured snapshot's chunks are made on any thread, from a copy of the entries.
 */
public final class KvStateMachine implements StateMachine {
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
    KvOp.parse(op, false);
  }

  @Override
  public void checkQuery(JsonObject op) {
    KvOp.parse(op, true);
  }

  @Override
  public JsonObject apply(long index, JsonObject op) {
    KvOp<?> kv = KvOp.parse(op, false);
    if (kv instanceof KvOp.Put put) {
      return put(index, put).toJson();
    } else if (kv instanceof KvOp.Delete delete) {
      return delete(index, delete).toJson();
    } else if (kv instanceof KvOp.Cas cas) {
      return cas(index, cas).toJson();
    }
    return read(kv);
  }

  @Override
  public JsonObject query(JsonObject op) {
    return read(KvOp.parse(op, true));
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

  private KvOp.Written put(long index, KvOp.Put put) {
    Value previous = data.put(put.key(), new Value(put.value(), index));
    return new KvOp.Written(put.key(), put.value(), index, previous == null ? null : previous.value());
  }

  private KvOp.Deleted delete(long index, KvOp.Delete delete) {
    Value previous = data.remove(delete.key());
    return new KvOp.Deleted(delete.key(), previous != null, index, previous == null ? null : previous.value());
  }

  private KvOp.Swapped cas(long index, KvOp.Cas cas) {
    String key = cas.key();
    Value current = data.get(key);
    boolean ok = Objects.equals(current == null ? null : current.value(), cas.expect());
    if (ok) {
      if (cas.value() == null) {
        data.remove(key);
      } else {
        data.put(key, new Value(cas.value(), index));
      }
      current = cas.value() == null ? null : data.get(key);
    }
    return new KvOp.Swapped(key, ok, current == null ? null : current.value(),
        ok ? index : current == null ? 0 : current.index());
  }

  /** The answer to a read: {@link KvOp.Get} or {@link KvOp.ListEntries} (queried, or proposed to order it). */
  private JsonObject read(KvOp<?> op) {
    if (op instanceof KvOp.Get get) {
      Value v = data.get(get.key());
      return v == null ? null : new KvOp.Entry(get.key(), v.value(), v.index()).toJson();
    }
    KvOp.ListEntries list = (KvOp.ListEntries) op;
    int limit = list.most();
    List<KvOp.Entry> entries = new ArrayList<>();
    boolean after = list.after() != null && list.after().compareTo(list.prefix()) >= 0;
    for (Map.Entry<String, Value> e : data.tailMap(after ? list.after() : list.prefix(), !after).entrySet()) {
      if (!e.getKey().startsWith(list.prefix())) {
        break;
      }
      if (entries.size() >= limit) {
        return KvOp.entries(entries, true);
      }
      entries.add(new KvOp.Entry(e.getKey(), e.getValue().value(), e.getValue().index()));
    }
    return KvOp.entries(entries, false);
  }
}
