package dev.ferry.raft.impl;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/** The answer to a node-internal {@code removed} request: {@code {"removed": true}} if this node acted on it. Immutable. */
record Removal(boolean removed) implements BusJson {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("removed", removed);
  }
}
