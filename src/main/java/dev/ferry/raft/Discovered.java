package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who answers at a Raft address (changeagent's Discover): the node, its incarnation, the group,
 * the Raft endpoint id of its replica ({@code name} or {@code name#generation}, docs/RAFT.md), the
 * id of the store that replica runs on, and the group's records of stores as that replica applied
 * them (endpoint id → store id; how a node that lost its data dir learns it had a store).
 * Immutable.
 */
public record Discovered(String node, String incarnation, String group, String endpoint, String storeId,
    Map<String, String> stores) implements BusJson {

  public Discovered {
    stores = stores == null ? Map.of() : Map.copyOf(stores);
  }

  @Override
  public JsonObject toJson() {
    JsonObject records = new JsonObject();
    new TreeMap<>(stores).forEach(records::put);
    return new JsonObject().put("node", node).put("incarnation", incarnation).put("group", group)
        .put("endpoint", endpoint).put("storeId", storeId).put("stores", records);
  }

  /** @param json a reply; one from a ferry without store records has no {@code storeId} and no {@code stores} */
  public static Discovered fromJson(JsonObject json) {
    Map<String, String> stores = new TreeMap<>();
    JsonObject records = json.getJsonObject("stores");
    if (records != null) {
      records.forEach(e -> stores.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return new Discovered(json.getString("node"), json.getString("incarnation"), json.getString("group"),
        json.getString("endpoint"), json.getString("storeId"), stores);
  }
}
