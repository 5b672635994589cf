package dev.ferry.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.SharedJvmCluster;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The global registry over three clustered nodes in one JVM. */
@Timeout(180)
class RegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  static final SharedJvmCluster cluster = new SharedJvmCluster(3);

  private static Registry registry(int node) {
    return Registry.of(cluster.node(node).vertx());
  }

  private static <T> T await(Future<T> future) {
    return Futures.await(future, WAIT);
  }

  private static FerryException failure(Future<?> future) {
    return FerryException.from(Futures.cause(future, WAIT));
  }

  private static List<Address> claimantsSeenBy(int node, String name) {
    try {
      return await(registry(node).lookupAll(name));
    } catch (CompletionException e) {
      return List.of();
    }
  }

  @Test
  void aNameRegisteredOnOneNodeIsFoundFromEveryNode() {
    Mailbox service = cluster.newMailbox(2);
    await(registry(2).register("calculator", service.address()));
    assertThat(await(registry(2).lookup("calculator"))).isEqualTo(service.address());
    for (int i = 1; i <= 3; i++) {
      int node = i;
      Eventually.await("node" + node + " to find calculator", WAIT,
          () -> claimantsSeenBy(node, "calculator").equals(List.of(service.address())));
    }
    assertThat(await(registry(1).names())).contains("calculator");

    // the address found elsewhere is usable there
    Address found = await(registry(3).lookup("calculator"));
    await(found.send("1+1"));
    assertThat(await(service.receive(WAIT))).isEqualTo("1+1");

    await(registry(2).unregister("calculator", service.address()));
    Eventually.await("every node to forget calculator", WAIT, () -> claimantsSeenBy(1, "calculator").isEmpty()
        && claimantsSeenBy(3, "calculator").isEmpty());
    service.close();
  }

  @Test
  void bridgeStyleJsonRequestsWorkOnTheBus() {
    Mailbox service = cluster.newMailbox(1);
    await(registry(1).register("json-api", service.address()));
    Eventually.await("node3 to know json-api", WAIT, () -> !claimantsSeenBy(3, "json-api").isEmpty());
    var bus = cluster.node(3).vertx().eventBus();
    var local = new DeliveryOptions().setLocalOnly(true);
    JsonObject lookup = await(bus.<JsonObject>request(Addresses.REGISTRY,
        new JsonObject().put("op", "lookup").put("name", "json-api"), local)).body();
    assertThat(lookup).isEqualTo(new JsonObject().put("name", "json-api").put("address", service.address().toString()));
    JsonObject all = await(bus.<JsonObject>request(Addresses.REGISTRY,
        new JsonObject().put("op", "lookupAll").put("name", "json-api"), local)).body();
    assertThat(all.getJsonArray("addresses").getList()).containsExactly(service.address().toString());
    JsonObject names = await(bus.<JsonObject>request(Addresses.REGISTRY, new JsonObject().put("op", "names"), local)).body();
    assertThat(names.getJsonArray("names").getList()).contains("json-api");
    service.close();
  }

  @Test
  void badRegistryRequestsAreFailuresWithACode() {
    var bus = cluster.node(1).vertx().eventBus();
    FerryException unknownName = failure(registry(1).lookup("no-such-name"));
    assertThat(unknownName.code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(unknownName.getMessage()).contains("no-such-name");
    ReplyException unknownOp = (ReplyException) catchCause(bus.request(Addresses.REGISTRY, new JsonObject().put("op", "dance")));
    assertThat(unknownOp.failureCode()).isEqualTo(400);
    assertThat(unknownOp.getMessage()).startsWith("bad-request: unknown registry op 'dance'");
    assertThat(failure(bus.request(Addresses.REGISTRY, new JsonObject().put("op", "lookup"))).getMessage())
        .contains("\"name\" is required");
    assertThat(failure(bus.request(Addresses.REGISTRY, "not json")).code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(failure(bus.request(Addresses.REGISTRY, new JsonObject().put("op", "lookup").put("name", "n".repeat(300))))
        .getMessage()).contains("at most 256 characters");
    Mailbox remote = cluster.newMailbox(2);
    FerryException notLocal = failure(registry(1).register("x", cluster.mailboxes(1).address(remote.address().toString())));
    assertThat(notLocal.getMessage()).contains("only open mailboxes of this node");
    FerryException malformed = failure(bus.request(Addresses.REGISTRY,
        new JsonObject().put("op", "register").put("name", "x").put("address", "nope")));
    assertThat(malformed.getMessage()).contains("not a mailbox address");
    remote.close();
  }

  @Test
  void aMalformedFieldIsNamedWithTheTypeItNeeds() {
    var bus = cluster.node(1).vertx().eventBus();
    assertThat(failure(bus.request(Addresses.REGISTRY, new JsonObject().put("op", "lookup").put("name", 7))).getMessage())
        .isEqualTo("field name: expected a string, got 7");
    assertThat(failure(bus.request(Addresses.REGISTRY, new JsonObject().put("op", "register").put("name", "x")))
        .getMessage()).startsWith("field address: expected a mailbox address");
  }

  private static Throwable catchCause(Future<?> future) {
    return Futures.cause(future, WAIT);
  }

  @Test
  void everyClaimantHearsOfAConflict() {
    Mailbox first = cluster.newMailbox(1);
    Mailbox second = cluster.newMailbox(3);
    await(registry(1).register("leader", first.address()));
    await(registry(3).register("leader", second.address()));
    for (Mailbox claimant : List.of(first, second)) {
      Object notice = await(claimant.receive(m -> m instanceof MultipleClaim, WAIT));
      assertThat(((MultipleClaim) notice).name()).isEqualTo("leader");
      assertThat(((MultipleClaim) notice).claimants()).containsExactlyInAnyOrder(first.address(), second.address());
    }
    first.close();
    second.close();
  }

  @Test
  void aConflictMadeDuringAPartitionIsReportedWhenItHeals() {
    // cut registry traffic between node1 and node2 both ways; node3 still hears both
    Firewall firewall = cluster.firewall();
    firewall.split(Set.of(1), Set.of(2), n -> Addresses.nodeRegistry(n)::equals);
    Mailbox left = cluster.newMailbox(1);
    Mailbox right = cluster.newMailbox(2);
    try {
      await(registry(1).register("primary", left.address()));
      await(registry(2).register("primary", right.address()));
      Eventually.await("node3 to see both claims", WAIT, () -> claimantsSeenBy(3, "primary").size() == 2);
      assertThat(claimantsSeenBy(1, "primary")).containsExactly(left.address());
      assertThat(claimantsSeenBy(2, "primary")).containsExactly(right.address());
    } finally {
      firewall.heal();
    }
    for (Mailbox claimant : List.of(left, right)) {
      MultipleClaim notice = (MultipleClaim) await(claimant.receive(m -> m instanceof MultipleClaim, WAIT));
      assertThat(notice.claimants()).containsExactlyInAnyOrder(left.address(), right.address());
    }
    left.close();
    right.close();
  }

  @Test
  void keepOldestDropsTheNewerClaimAfterTellingBoth() {
    Mailbox older = cluster.newMailbox(2);
    await(registry(2).register("singleton", older.address(), ConflictPolicy.KEEP_OLDEST));
    Eventually.await("node3 to know the first claim", WAIT, () -> claimantsSeenBy(3, "singleton").size() == 1);
    Mailbox newer = cluster.newMailbox(3);
    await(registry(3).register("singleton", newer.address(), ConflictPolicy.KEEP_OLDEST));
    assertThat(await(newer.receive(m -> m instanceof MultipleClaim, WAIT))).isInstanceOf(MultipleClaim.class);
    assertThat(await(older.receive(m -> m instanceof MultipleClaim, WAIT))).isInstanceOf(MultipleClaim.class);
    for (int i = 1; i <= 3; i++) {
      int node = i;
      Eventually.await("node" + node + " to keep only the oldest claim", WAIT,
          () -> claimantsSeenBy(node, "singleton").equals(List.of(older.address())));
    }
    older.close();
    newer.close();
  }

  @Test
  void aNameVanishesWithItsMailbox() {
    Mailbox service = cluster.newMailbox(3);
    await(registry(3).register("ephemeral", service.address()));
    Eventually.await("node1 to know ephemeral", WAIT, () -> !claimantsSeenBy(1, "ephemeral").isEmpty());
    await(service.close());
    for (int i = 1; i <= 3; i++) {
      int node = i;
      Eventually.await("node" + node + " to drop ephemeral", WAIT, () -> claimantsSeenBy(node, "ephemeral").isEmpty());
    }
  }

  @Test
  void httpListsNamesAndClaimantsAndMailboxes() {
    Mailbox service = cluster.newMailbox(1);
    await(registry(1).register("http-visible", service.address()));
    Eventually.await("GET /registry on node2 to list the name", WAIT, () -> {
      var body = new JsonObject(Http.get(cluster.apiPort(2), "/registry").body());
      var claims = body.getJsonObject("names").getJsonArray("http-visible");
      return claims != null && claims.getJsonObject(0).getString("address").equals(service.address().toString())
          && claims.getJsonObject(0).getString("node").equals("node1");
    });
    var mailboxes = new JsonObject(Http.get(cluster.apiPort(3), "/mailboxes").body()).getJsonObject("nodes");
    assertThat(mailboxes.fieldNames()).containsExactlyInAnyOrder("node1", "node2", "node3");
    assertThat(mailboxes.getJsonObject("node1").getJsonArray("mailboxes").stream().map(JsonObject.class::cast)
        .map(m -> m.getString("address"))).contains(service.address().toString());
    service.close();
  }
}
