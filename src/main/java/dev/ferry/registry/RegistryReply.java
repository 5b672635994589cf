package dev.ferry.registry;

import dev.ferry.core.BusJson;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** The registry's answers (docs/ADDRESSES.md, "Registry"), as records that write and read their wire JSON. Immutable. */
sealed interface RegistryReply extends BusJson {
  /** {@code {"name", "address"}}: a claim made or dropped (register, unregister), or the oldest claim (lookup). */
  record Claimant(String name, Address address) implements RegistryReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("address", address.toString());
    }

    static Claimant fromJson(JsonObject json, Mailboxes mailboxes) {
      return new Claimant(json.getString("name"), mailboxes.address(json.getString("address")));
    }
  }

  /** {@code {"name", "addresses"}}: every claimant, oldest claim first (lookupAll). */
  record Claimants(String name, List<Address> addresses) implements RegistryReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("name", name)
          .put("addresses", new JsonArray(addresses.stream().map(Address::toString).toList()));
    }

    static Claimants fromJson(JsonObject json, Mailboxes mailboxes) {
      return new Claimants(json.getString("name"),
          strings(json.getJsonArray("addresses")).stream().map(mailboxes::address).toList());
    }
  }

  /** {@code {"names": [...]}}: every registered name, sorted. */
  record NameList(List<String> names) implements RegistryReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("names", new JsonArray(names));
    }

    static NameList fromJson(JsonObject json) {
      return new NameList(strings(json.getJsonArray("names")));
    }
  }

  /** {@code {"names": {name: [claim]}}}: every claim of every name (claims). */
  record ClaimTable(Map<String, List<Claim>> names) implements RegistryReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("names", Claim.toJson(names));
    }

    static ClaimTable fromJson(JsonObject json) {
      return new ClaimTable(Claim.tableFromJson(json.getJsonObject("names")));
    }
  }

  private static List<String> strings(JsonArray array) {
    return array.stream().map(String.class::cast).toList();
  }
}
