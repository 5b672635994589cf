package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/**
 * The answer to a proposal or query: the log index it was committed at (for a query, the commit
 * index the answer reflects) and the state machine's result, which may be null. Immutable.
 */
public record Committed(long index, JsonObject result) implements BusJson {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("index", index).put("result", result);
  }

  public static Committed fromJson(JsonObject json) {
    return new Committed(json.getLong("index", 0L), json.getJsonObject("result"));
  }
}
