package dev.ferry.registry;

import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.core.Fields;
import dev.ferry.core.Requests;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import io.vertx.core.json.JsonObject;

/**
 * The requests {@code ferry.registry} takes (docs/ADDRESSES.md, "Registry"), as records that write
 * their wire JSON; {@link #requests} reads them back at the registry. Immutable.
 */
sealed interface RegistryRequest extends BusJson {
  record Register(String name, Address address, ConflictPolicy policy) implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return op("register", name).put("address", address.toString()).put("policy", policy.wire());
    }
  }

  record Unregister(String name, Address address) implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return op("unregister", name).put("address", address.toString());
    }
  }

  record Lookup(String name) implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return op("lookup", name);
    }
  }

  record LookupAll(String name) implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return op("lookupAll", name);
    }
  }

  record Names() implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "names");
    }
  }

  record AllClaims() implements RegistryRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "claims");
    }
  }

  /** The requests as the registry of a node reads them; addresses are bound to its {@code mailboxes}. */
  static Requests<RegistryRequest> requests(Mailboxes mailboxes) {
    return Requests.<RegistryRequest>of("registry")
        .on("register", f -> new Register(name(f), address(f, mailboxes),
            ConflictPolicy.fromWire(f.string("policy", null))))
        .on("unregister", f -> new Unregister(name(f), address(f, mailboxes)))
        .on("lookup", f -> new Lookup(name(f)))
        .on("lookupAll", f -> new LookupAll(name(f)))
        .on("names", f -> new Names())
        .on("claims", f -> new AllClaims())
        .unknownMessage(op -> "unknown registry op '" + (op == null ? "" : op)
            + "' (expected register, unregister, lookup, lookupAll, names or claims)");
  }

  private static JsonObject op(String op, String name) {
    return new JsonObject().put(Requests.OP, op).put("name", name);
  }

  /** A name: non-blank, at most {@link RegistryVerticle#MAX_NAME_LENGTH} characters (names travel in every snapshot). */
  private static String name(Fields f) {
    String name = f.string("name", null);
    if (name == null || name.isBlank()) {
      throw FerryException.badRequest("field name: \"name\" is required: a non-empty string");
    }
    if (name.length() > RegistryVerticle.MAX_NAME_LENGTH) {
      throw FerryException.badRequest("field name: a name is at most " + RegistryVerticle.MAX_NAME_LENGTH
          + " characters, got " + name.length());
    }
    return name;
  }

  private static Address address(Fields f, Mailboxes mailboxes) {
    if (!f.has("address")) {
      throw Fields.bad("address", "a mailbox address ferry.mbx.<node>.<incarnation>.<n>", null);
    }
    return mailboxes.address(f.string("address"));
  }
}
