package dev.ferry.registry;

import io.vertx.core.json.JsonObject;

/**
 * One mailbox's claim on a name, as the registry keeps and syncs it.
 *
 * @param address the claimant's mailbox address (string form)
 * @param node the claimant's node
 * @param since when the claim was made (epoch ms on the claimant's node); orders claims
 */
record Claim(String name, String address, String node, long since, ConflictPolicy policy) {
  JsonObject toJson() {
    return new JsonObject().put("name", name).put("address", address).put("node", node).put("since", since)
        .put("policy", policy.wire());
  }

  static Claim fromJson(JsonObject json) {
    return new Claim(json.getString("name"), json.getString("address"), json.getString("node"),
        json.getLong("since"), ConflictPolicy.fromWire(json.getString("policy")));
  }

  /** Oldest first; the address breaks ties so every node orders claims alike. */
  static int oldestFirst(Claim a, Claim b) {
    int bySince = Long.compare(a.since, b.since);
    return bySince != 0 ? bySince : a.address.compareTo(b.address);
  }
}
