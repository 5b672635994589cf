package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/** The answer to a {@code transfer} request, once {@code leader} leads: {@code {"leader": name}}. Immutable. */
public record Transferred(String leader) implements BusJson {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("leader", leader);
  }

  public static Transferred fromJson(JsonObject json) {
    return new Transferred(json.getString("leader"));
  }
}
