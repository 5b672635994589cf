package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/**
 * Who answers at a Raft address (changeagent's Discover): the node, its incarnation, the group,
 * and the Raft endpoint id of its replica ({@code name} or {@code name#generation}, docs/RAFT.md).
 * Immutable.
 */
public record Discovered(String node, String incarnation, String group, String endpoint) implements BusJson {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("node", node).put("incarnation", incarnation).put("group", group)
        .put("endpoint", endpoint);
  }

  public static Discovered fromJson(JsonObject json) {
    return new Discovered(json.getString("node"), json.getString("incarnation"), json.getString("group"),
        json.getString("endpoint"));
  }
}
