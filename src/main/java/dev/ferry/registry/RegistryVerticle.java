package dev.ferry.registry;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.MailboxDown;
import dev.ferry.mailbox.Mailboxes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global name registry, one per node. Each node is the authority for the claims of its own
 * mailboxes and keeps the latest snapshot of every other node's; nodes exchange version digests
 * every {@code registry.sync_interval_ms} and fetch a snapshot when one is behind, so views
 * converge after any lost message or healed partition. Claims go with their mailbox (monitored)
 * and with their node (membership). When a name has several claimants, each node tells its own
 * claimants with {@link MultipleClaim}.
 *
 * <p>Serves {@code ferry.registry} (clients, JSON ops) and {@code ferry.node.<node>.registry}
 * (sync). All state is owned by this verticle's event loop.
 */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RegistryVerticle.class);
  /** Names travel in every snapshot; a bound keeps one careless client from bloating them all. */
  static final int MAX_NAME_LENGTH = 256;

  private final NodeContext node;
  private Claims claims;
  private RegistryConfig config;
  private Mailboxes mailboxes;
  /** The Java client published for this node's code ({@link Registry#of}). */
  private Registry client;
  private Mailbox watcher;
  /** The claimant set each conflicted name was last announced with, so each change is told once. */
  private final Map<String, List<String>> announced = new HashMap<>();
  /** Names known cluster-wide, kept for the metrics gauge (read off the event loop). */
  private volatile int knownNames;
  private Counter conflicts;

  public RegistryVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    claims = new Claims(node.name(), node.incarnation().id());
    config = RegistryConfig.from(node.config().section("registry"));
    mailboxes = Mailboxes.of(vertx);
    registerMetrics();
    return openWatcher()
        .compose(v -> Future.all(serveClients(), serveSync(), followMembers()))
        .onSuccess(v -> {
          vertx.setPeriodic(config.syncInterval().toMillis(), id -> tellVersionToAll());
          node.members().current().forEach(m -> fetchSnapshot(m.name(), m.incarnation()));
          client = new Registry(vertx, mailboxes);
          LocalServices.publish(vertx, Registry.class, client);
          log.info("registry ready on {}", node.name());
        });
  }

  @Override
  public Future<?> stop() {
    if (client != null) {
      LocalServices.withdraw(vertx, Registry.class, client);
    }
    return watcher == null ? Future.succeededFuture() : watcher.close();
  }

  // ---- start-up steps ----

  private void registerMetrics() {
    Gauge.builder("ferry.registry.names", this, r -> r.knownNames)
        .description("Names registered across the cluster, as this node sees them").register(node.meters());
    conflicts = Counter.builder("ferry.registry.conflicts")
        .description("Conflicts (names with several claimants) this node has seen").register(node.meters());
  }

  /** A mailbox of the registry's own that monitors every claimant. */
  private Future<Void> openWatcher() {
    return mailboxes.create().map(m -> {
      watcher = m;
      awaitDown();
      return null;
    });
  }

  private Future<Void> serveClients() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY, this::client).completion();
  }

  private Future<Void> serveSync() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.nodeRegistry(node.name()), this::sync).completion();
  }

  private Future<Void> followMembers() {
    return Future.all(
        node.members().onLeft(left -> {
          if (!left.node().equals(node.name())) {
            changed(claims.forget(left.node(), left.incarnation()));
          }
        }),
        node.members().onJoined(joined -> {
          if (!joined.node().equals(node.name())) {
            fetchSnapshot(joined.node(), joined.incarnation());
            tellVersion(joined.node());
          }
        })).mapEmpty();
  }

  // ---- clients: ferry.registry ----

  private void client(Message<JsonObject> message) {
    try {
      JsonObject request = message.body();
      if (request == null) {
        throw FerryException.badRequest("a registry request is a JSON object with an \"op\"");
      }
      String op = request.getString("op");
      message.reply(switch (op == null ? "" : op) {
        case "register" -> register(request);
        case "unregister" -> unregister(request);
        case "lookup" -> lookup(name(request));
        case "lookupAll" -> lookupAll(name(request));
        case "names" -> new JsonObject().put("names", new JsonArray(List.copyOf(claims.names())));
        case "claims" -> allClaims();
        default -> throw FerryException.badRequest("unknown registry op '" + op
            + "' (expected register, unregister, lookup, lookupAll, names or claims)");
      });
    } catch (FerryException e) {
      e.failReply(message);
    } catch (ClassCastException e) {
      FerryException.badRequest("malformed registry request: " + e.getMessage()).failReply(message);
    }
  }

  private JsonObject register(JsonObject request) {
    String name = name(request);
    Address address = address(request);
    if (!mailboxes.isOpenHere(address)) {
      throw FerryException.badRequest("only open mailboxes of this node (" + node.name() + ") can be registered "
          + "here; " + address + " is not one");
    }
    ConflictPolicy policy = ConflictPolicy.fromWire(request.getString("policy"));
    if (claims.claim(new Claim(name, address.toString(), node.name(), System.currentTimeMillis(), policy))) {
      address.monitor(watcher.address());
      log.debug("{} claims {}", address, name);
      changed(Set.of(name));
      tellVersionToAll();
    }
    return new JsonObject().put("name", name).put("address", address.toString());
  }

  private JsonObject unregister(JsonObject request) {
    String name = name(request);
    Address address = address(request);
    if (claims.unclaim(name, address.toString())) {
      changed(Set.of(name));
      tellVersionToAll();
    }
    return new JsonObject().put("name", name).put("address", address.toString());
  }

  private JsonObject lookup(String name) {
    List<Claim> found = claimsOf(name);
    return new JsonObject().put("name", name).put("address", found.get(0).address());
  }

  private JsonObject lookupAll(String name) {
    return new JsonObject().put("name", name)
        .put("addresses", new JsonArray(claimsOf(name).stream().map(Claim::address).toList()));
  }

  private JsonObject allClaims() {
    JsonObject names = new JsonObject();
    for (String name : claims.names()) {
      names.put(name, new JsonArray(claims.of(name).stream().map(Claim::toJson).toList()));
    }
    return new JsonObject().put("names", names);
  }

  private List<Claim> claimsOf(String name) {
    List<Claim> found = claims.of(name);
    if (found.isEmpty()) {
      throw FerryException.notFound("no mailbox is registered as '" + name + "'");
    }
    return found;
  }

  private static String name(JsonObject request) {
    String name = request.getString("name");
    if (name == null || name.isBlank()) {
      throw FerryException.badRequest("\"name\" is required: a non-empty string");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw FerryException.badRequest("a name is at most " + MAX_NAME_LENGTH + " characters, got " + name.length());
    }
    return name;
  }

  private Address address(JsonObject request) {
    String text = request.getString("address");
    if (text == null) {
      throw FerryException.badRequest("\"address\" is required: a mailbox address ferry.mbx.<node>.<incarnation>.<n>");
    }
    return mailboxes.address(text);
  }

  // ---- claimants that close ----

  private void awaitDown() {
    watcher.receive(m -> m instanceof MailboxDown).onSuccess(m -> {
      Set<String> names = claims.dropAddress(((MailboxDown) m).address().toString());
      if (!names.isEmpty()) {
        changed(names);
        tellVersionToAll();
      }
      awaitDown();
    });
  }

  // ---- sync between nodes: ferry.node.<node>.registry ----

  private void sync(Message<JsonObject> message) {
    JsonObject body = message.body();
    switch (body.getString("op", "")) {
      case "version" -> {
        String other = body.getString("node");
        if (!claims.isCurrent(other, body.getString("incarnation"), body.getLong("version"))) {
          fetchSnapshot(other, body.getString("incarnation"));
        }
      }
      case "snapshot" -> message.reply(claims.snapshot());
      default -> log.warn("registry sync: unknown op in {}", body.encode());
    }
  }

  private void tellVersionToAll() {
    for (Members.Member m : node.members().current()) {
      if (!m.local()) {
        tellVersion(m.name());
      }
    }
  }

  private void tellVersion(String other) {
    vertx.eventBus().send(Addresses.nodeRegistry(other), new JsonObject().put("op", "version")
        .put("node", node.name()).put("incarnation", node.incarnation().id()).put("version", claims.version()));
  }

  private void fetchSnapshot(String other, String incarnation) {
    if (other.equals(node.name())) {
      return;
    }
    var options = new DeliveryOptions().setSendTimeout(config.requestTimeout().toMillis());
    vertx.eventBus().<JsonObject>request(Addresses.nodeRegistry(other), new JsonObject().put("op", "snapshot"), options)
        .onSuccess(reply -> {
          JsonObject snapshot = reply.body();
          String inc = snapshot.getString("incarnation");
          if (node.members().isUp(other, inc)) {
            changed(claims.replace(other, Claims.viewOf(snapshot)));
          }
        })
        .onFailure(e -> log.debug("registry snapshot from {} not fetched: {}", other, e.getMessage()));
  }

  // ---- conflicts ----

  /** Announces new conflicts among {@code names} to this node's claimants, and applies keep-* policies. */
  private void changed(Set<String> names) {
    knownNames = claims.names().size();
    boolean dropped = false;
    for (String name : names) {
      List<Claim> all = claims.of(name);
      List<String> claimants = all.stream().map(Claim::address).distinct().toList();
      if (claimants.size() < 2) {
        announced.remove(name);
        continue;
      }
      if (claimants.equals(announced.get(name))) {
        continue;
      }
      announced.put(name, claimants);
      conflicts.increment();
      var notice = new MultipleClaim(name, claimants.stream().map(mailboxes::address).toList());
      List<Claim> own = claims.ownOf(name);
      log.info("name '{}' has {} claimants: {}", name, claimants.size(), claimants);
      ConflictPolicy policy = all.get(0).policy();
      if (policy == ConflictPolicy.NOTIFY) {
        // every node tells its own claimants, so each hears once
        own.forEach(c -> mailboxes.address(c.address()).send(notice));
        continue;
      }
      // keep-*: a node with losing claims tells every claimant (the winner may never see the
      // conflict: the losers are gone before its next sync) and drops its losers
      Claim keep = policy == ConflictPolicy.KEEP_OLDEST ? all.get(0) : all.get(all.size() - 1);
      List<Claim> losers = own.stream().filter(c -> !c.address().equals(keep.address())).toList();
      if (!losers.isEmpty()) {
        notice.claimants().forEach(a -> a.send(notice));
        losers.forEach(c -> claims.unclaim(name, c.address()));
        dropped = true;
      }
    }
    if (dropped) {
      tellVersionToAll();
    }
  }
}
