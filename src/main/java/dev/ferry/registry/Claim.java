package dev.ferry.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mailbox's claim on a name, as the registry keeps and syncs it. Immutable.
 *
 * @param address the claimant's mailbox address (string form)
 * @param node the claimant's node
 * @param since when the claim was made (epoch ms on the claimant's node); orders claims
 */
public record Claim(String name, String address, String node, long since, ConflictPolicy policy) {
  /** {@code {"name", "address", "node", "since", "policy"}}. */
  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("address", address).put("node", node).put("since", since)
        .put("policy", policy.wire());
  }

  /** What {@link #toJson(Map)} wrote. */
  static Map<String, List<Claim>> tableFromJson(JsonObject json) {
    Map<String, List<Claim>> names = new LinkedHashMap<>();
    json.fieldNames().forEach(name -> names.put(name, json.getJsonArray(name).stream()
        .map(c -> fromJson((JsonObject) c)).toList()));
    return names;
  }

  static Claim fromJson(JsonObject json) {
    return new Claim(json.getString("name"), json.getString("address"), json.getString("node"),
        json.getLong("since"), ConflictPolicy.fromWire(json.getString("policy")));
  }

  /** {@code {name: [claim, ...]}}: every claim of every name, as the registry's {@code claims} answers them. */
  public static JsonObject toJson(Map<String, List<Claim>> names) {
    JsonObject json = new JsonObject();
    names.forEach((name, claims) -> json.put(name, new JsonArray(claims.stream().map(Claim::toJson).toList())));
    return json;
  }

  /** Oldest first; the address breaks ties so every node orders claims alike. */
  static int oldestFirst(Claim a, Claim b) {
    int bySince = Long.compare(a.since, b.since);
    return bySince != 0 ? bySince : a.address.compareTo(b.address);
  }
}
