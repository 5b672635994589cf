package dev.ferry.raft;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Snapshot chunks for a {@link StateMachine} whose state is a collection of items: each chunk is
 * {@code {"<field>": [item, ...]}} with at most a given number of items, and an empty state is one
 * empty chunk (MicroRaft needs at least one). Stateless.
 */
public final class SnapshotChunks {
  private SnapshotChunks() {}

  /** Writes {@code items}, encoded, as chunks of at most {@code perChunk} under {@code field}. */
  public static <T> void write(Iterable<T> items, String field, int perChunk, Function<T, Object> encode,
      Consumer<JsonObject> chunks) {
    JsonArray chunk = new JsonArray();
    boolean wrote = false;
    for (T item : items) {
      chunk.add(encode.apply(item));
      if (chunk.size() == perChunk) {
        chunks.accept(new JsonObject().put(field, chunk));
        chunk = new JsonArray();
        wrote = true;
      }
    }
    if (!chunk.isEmpty() || !wrote) {
      chunks.accept(new JsonObject().put(field, chunk));
    }
  }

  /** Hands every item of {@code chunks} (written by {@link #write}) to {@code item}, in order. */
  public static void read(List<JsonObject> chunks, String field, Consumer<Object> item) {
    for (JsonObject chunk : chunks) {
      chunk.getJsonArray(field).forEach(item);
    }
  }
}
