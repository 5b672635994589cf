package dev.ferry.registry;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.registry.RegistryReply.ClaimTable;
import dev.ferry.registry.RegistryReply.Claimant;
import dev.ferry.registry.RegistryReply.Claimants;
import dev.ferry.registry.RegistryReply.NameList;
import dev.ferry.registry.RegistryRequest.AllClaims;
import dev.ferry.registry.RegistryRequest.Lookup;
import dev.ferry.registry.RegistryRequest.LookupAll;
import dev.ferry.registry.RegistryRequest.Names;
import dev.ferry.registry.RegistryRequest.Register;
import dev.ferry.registry.RegistryRequest.Unregister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The global name registry from Java: a client of this node's {@link RegistryVerticle} (requests
 * go to the local registry, so a node reads its own writes at once; other nodes see them within
 * the sync interval). Failures are {@link FerryException}s ({@code not-found}, {@code bad-request}).
 *
 * <p>Thread-safe; futures complete on the caller's context when it has one.
 */
public final class Registry {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final BusClient bus;
  private final Mailboxes mailboxes;

  Registry(Vertx vertx, Mailboxes mailboxes) {
    this.bus = BusClient.of(vertx);
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
    return ask(new Register(name, address, policy), reply -> null);
  }

  /** Drops the claim; ignored if {@code address} does not claim {@code name}. */
  public Future<Void> unregister(String name, Address address) {
    return ask(new Unregister(name, address), reply -> null);
  }

  /** One claimant of {@code name} (the oldest claim), or {@code not-found}. */
  public Future<Address> lookup(String name) {
    return ask(new Lookup(name), reply -> Claimant.fromJson(reply, mailboxes).address());
  }

  /** Every claimant of {@code name}, oldest claim first, or {@code not-found}. */
  public Future<List<Address>> lookupAll(String name) {
    return ask(new LookupAll(name), reply -> Claimants.fromJson(reply, mailboxes).addresses());
  }

  /** Every registered name, sorted. */
  public Future<List<String>> names() {
    return ask(new Names(), reply -> NameList.fromJson(reply).names());
  }

  /** Every claim of every name, oldest claim first, as this node sees them (names sorted). */
  public Future<Map<String, List<Claim>>> claims() {
    return ask(new AllClaims(), reply -> ClaimTable.fromJson(reply).names());
  }

  private <A> Future<A> ask(RegistryRequest request, Function<JsonObject, A> answer) {
    return bus.ask(Addresses.REGISTRY, request, LOCAL, answer);
  }
}
