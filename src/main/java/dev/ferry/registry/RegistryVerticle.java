package dev.ferry.registry;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.MailboxDown;
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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
    Requests<RegistryRequest> requests = RegistryRequest.requests(mailboxes);
    Dispatch<RegistryRequest, Future<? extends BusJson>> dispatch = clientRequests();
    return vertx.eventBus().consumer(Addresses.REGISTRY, m -> requests.serve(m, dispatch::apply)).completion();
  }

  private Future<Void> serveSync() {
    Dispatch<SyncRequest, Future<? extends BusJson>> dispatch = syncRequests();
    return vertx.eventBus().consumer(Addresses.nodeRegistry(node.name()),
        m -> SyncRequest.REQUESTS.serve(m, dispatch::apply, e -> syncFailure(m, e))).completion();
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

  /** The client requests, each answered from this node's view (docs/ADDRESSES.md, "Registry"). */
  private Dispatch<RegistryRequest, Future<? extends BusJson>> clientRequests() {
    return Dispatch.<RegistryRequest, Future<? extends BusJson>>over(RegistryRequest.class)
        .on(Register.class, r -> answer(register(r)))
        .on(Unregister.class, r -> answer(unregister(r)))
        .on(Lookup.class, r -> answer(new Claimant(r.name(), mailboxes.address(claimsOf(r.name()).get(0).address()))))
        .on(LookupAll.class, r -> answer(new Claimants(r.name(),
            claimsOf(r.name()).stream().map(c -> mailboxes.address(c.address())).toList())))
        .on(Names.class, r -> answer(new NameList(List.copyOf(claims.names()))))
        .on(AllClaims.class, r -> answer(allClaims()))
        .build();
  }

  private static Future<BusJson> answer(BusJson reply) {
    return Future.succeededFuture(reply);
  }

  private Claimant register(Register request) {
    Address address = request.address();
    if (!mailboxes.isOpenHere(address)) {
      throw FerryException.badRequest("only open mailboxes of this node (" + node.name() + ") can be registered "
          + "here; " + address + " is not one");
    }
    String name = request.name();
    if (claims.claim(new Claim(name, address.toString(), node.name(), System.currentTimeMillis(), request.policy()))) {
      address.monitor(watcher.address());
      log.debug("{} claims {}", address, name);
      changed(Set.of(name));
      tellVersionToAll();
    }
    return new Claimant(name, address);
  }

  private Claimant unregister(Unregister request) {
    if (claims.unclaim(request.name(), request.address().toString())) {
      changed(Set.of(request.name()));
      tellVersionToAll();
    }
    return new Claimant(request.name(), request.address());
  }

  private ClaimTable allClaims() {
    Map<String, List<Claim>> names = new LinkedHashMap<>();
    for (String name : claims.names()) {
      names.put(name, claims.of(name));
    }
    return new ClaimTable(names);
  }

  private List<Claim> claimsOf(String name) {
    List<Claim> found = claims.of(name);
    if (found.isEmpty()) {
      throw FerryException.notFound("no mailbox is registered as '" + name + "'");
    }
    return found;
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

  /**
   * Anti-entropy from other nodes: a version to compare (a send: its empty answer goes nowhere), or
   * a request for this node's snapshot.
   */
  private Dispatch<SyncRequest, Future<? extends BusJson>> syncRequests() {
    return Dispatch.<SyncRequest, Future<? extends BusJson>>over(SyncRequest.class)
        .on(SyncRequest.Version.class, v -> {
          if (!claims.isCurrent(v.node(), v.incarnation(), v.version())) {
            fetchSnapshot(v.node(), v.incarnation());
          }
          return answer(null);
        })
        .on(SyncRequest.Snapshot.class, s -> {
          JsonObject snapshot = claims.snapshot();
          return answer(() -> snapshot);
        })
        .build();
  }

  /** A sync message this node cannot read comes from a node that runs other code: worth a warning. */
  private static FerryException syncFailure(Message<?> message, Throwable e) {
    FerryException failure = FerryException.from(e);
    log.warn("registry sync: {} in {}", failure.getMessage(), message.body());
    return failure;
  }

  private void tellVersionToAll() {
    for (Members.Member m : node.members().current()) {
      if (!m.local()) {
        tellVersion(m.name());
      }
    }
  }

  private void tellVersion(String other) {
    vertx.eventBus().send(Addresses.nodeRegistry(other),
        new SyncRequest.Version(node.name(), node.incarnation().id(), claims.version()).toJson());
  }

  private void fetchSnapshot(String other, String incarnation) {
    if (other.equals(node.name())) {
      return;
    }
    var options = new DeliveryOptions().setSendTimeout(config.requestTimeout().toMillis());
    BusClient.of(vertx).ask(Addresses.nodeRegistry(other), new SyncRequest.Snapshot(), options, Claims::viewOf)
        .onSuccess(view -> {
          if (node.members().isUp(other, view.incarnation())) {
            changed(claims.replace(other, view));
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
