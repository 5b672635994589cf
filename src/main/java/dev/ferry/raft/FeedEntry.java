package dev.ferry.raft;

import io.vertx.core.json.JsonObject;

/**
 * One committed op as the change feed ({@code ferry.raft.<group>.log}) carries it: {@code {index,
 * term, op}}. Indices grow but have gaps where Raft logged its own entries (a new leader's first
 * entry, membership changes). Immutable.
 */
public record FeedEntry(long index, int term, JsonObject op) {
  public JsonObject toJson() {
    return new JsonObject().put("index", index).put("term", term).put("op", op);
  }

  public static FeedEntry fromJson(JsonObject json) {
    return new FeedEntry(json.getLong("index"), json.getInteger("term"), json.getJsonObject("op"));
  }
}
