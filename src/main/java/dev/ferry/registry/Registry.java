package dev.ferry.registry;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The global name registry from Java: a client of this node's {@link RegistryVerticle} (requests
 * go to the local registry, so a node reads its own writes at once; other nodes see them within
 * the sync interval). Failures are {@link FerryException}s ({@code not-found}, {@code bad-request}).
 *
 * <p>Thread-safe; futures complete on the caller's context when it has one.
 */
public final class Registry {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final Mailboxes mailboxes;

  Registry(Vertx vertx, Mailboxes mailboxes) {
    this.vertx = vertx;
    this.mailboxes = mailboxes;
  }

  /** The registry of the node running on {@code vertx}, published by its {@link RegistryVerticle}. */
  public static Registry of(Vertx vertx) {
    return LocalServices.get(vertx, Registry.class,
        "deploy verticles/registry.json (dev.ferry.registry.RegistryVerticle)");
  }

  /** Claims {@code name} for a mailbox of this node, with the default {@code notify} policy. */
  public Future<Void> register(String name, Address address) {
    return register(name, address, ConflictPolicy.NOTIFY);
  }

  /** Claims {@code name} for a mailbox of this node; {@code policy} settles conflicts on the name. */
  public Future<Void> register(String name, Address address, ConflictPolicy policy) {
    return call(op("register", name).put("address", address.toString()).put("policy", policy.wire())).mapEmpty();
  }

  /** Drops the claim; ignored if {@code address} does not claim {@code name}. */
  public Future<Void> unregister(String name, Address address) {
    return call(op("unregister", name).put("address", address.toString())).mapEmpty();
  }

  /** One claimant of {@code name} (the oldest claim), or {@code not-found}. */
  public Future<Address> lookup(String name) {
    return call(op("lookup", name)).map(r -> mailboxes.address(r.getString("address")));
  }

  /** Every claimant of {@code name}, oldest claim first, or {@code not-found}. */
  public Future<List<Address>> lookupAll(String name) {
    return call(op("lookupAll", name)).map(r -> r.getJsonArray("addresses").stream()
        .map(a -> mailboxes.address((String) a)).toList());
  }

  /** Every registered name, sorted. */
  public Future<List<String>> names() {
    return call(new JsonObject().put("op", "names"))
        .map(r -> r.getJsonArray("names").stream().map(String.class::cast).toList());
  }

  private static JsonObject op(String op, String name) {
    return new JsonObject().put("op", op).put("name", name);
  }

  private Future<JsonObject> call(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.REGISTRY, request, LOCAL)
        .map(reply -> reply.body())
        .recover(e -> Future.failedFuture(FerryException.from(e)));
  }
}
