package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.ask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.raft.RaftClient;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pins of a node that left move only once it has stayed away for {@code pin.reallocate_after_ms},
 * as IPFS Cluster repins only when a peer's ping expired: a node restarted within that keeps every
 * allocation (no {@code allocate} op is committed), one that stays away has its pins moved to live
 * nodes, and {@code DELETE /peers/{peer}} moves them at once. Three nodes in this JVM, two replicas
 * a pin.
 */
@Timeout(300)
class ReallocationGraceTest {
  /** Long enough for an in-JVM node to stop and start again, short enough to wait out. */
  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final int PINS = 30;

  @Test
  void aRestartedNodeKeepsItsPinsOneThatStaysAwayLosesThemAndARemovedOneAtOnce() {
    try (JvmCluster cluster = TestCluster.inJvm(3, i -> List.of("pin.replication_min=2", "pin.replication_max=2",
        "pin.reallocate_after_ms=" + GRACE.toMillis())).awaitFullMembership()) {
      Eventually.await("the pinset to take the first pin", WAIT, () -> pin(cluster, cid(0)) != null);
      IntStream.range(1, PINS).forEach(n -> pin(cluster, cid(n)));
      Map<String, List<String>> before = allocations(cluster);
      assertThat(before).hasSize(PINS);
      assertThat(before.values()).allSatisfy(nodes -> assertThat(nodes).hasSize(2));
      String onNode3 = before.entrySet().stream().filter(e -> e.getValue().contains("node3")).findFirst()
          .orElseThrow().getKey();

      // (a) restarts within the grace: node3, then node1 (the lowest-named, which moves the pins of
      // the others), each counted as back by the node that would have moved its pins; every
      // allocation stays and no allocate op is committed
      long committedBefore = Futures.await(raft(cluster, 2).status("pins"), WAIT).commitIndex();
      restartWithinGrace(cluster, 3);
      Eventually.await("node1 to find node3 back once the grace ended", GRACE.plus(WAIT),
          () -> counted(cluster, 1, "ferry.pin.returns") >= 1);
      restartWithinGrace(cluster, 1);
      Eventually.await("node2 to find node1 back once the grace ended", GRACE.plus(WAIT),
          () -> counted(cluster, 2, "ferry.pin.returns") >= 1);
      Map<String, List<String>> after = allocations(cluster);
      before.forEach((cid, nodes) -> assertThat(after.get(cid)).as(cid).containsExactlyInAnyOrderElementsOf(nodes));
      List<String> ops = Futures.await(raft(cluster, 2).feed("pins", committedBefore), WAIT).stream()
          .filter(e -> !e.isSnapshot()).map(e -> e.op().getString("op")).toList();
      assertThat(ops).as("ops committed since the restarts began").doesNotContain("allocate");
      for (int i = 1; i <= 3; i++) {
        assertThat(counted(cluster, i, "ferry.pin.reallocations")).as("pins node%d moved", i).isZero();
      }

      // (b) node3 stays away: within the grace new pins go to live nodes and node3 shows as unreachable
      // in a status; past it every pin ends on two live nodes
      long stopped = System.nanoTime();
      cluster.stop(3);
      Eventually.await("node1 to see node3 gone", WAIT, () -> !cluster.node(1).members().names().contains("node3"));
      AtomicReference<JsonObject> during = new AtomicReference<>();
      Eventually.await("a pin while node3 is away (the pinset may elect a leader)", WAIT,
          () -> during.compareAndSet(null, pin(cluster, cid(PINS))));
      assertThat(strings(during.get().getJsonArray("allocations").getList())).as("a new pin while node3 is away")
          .containsExactlyInAnyOrder("node1", "node2");
      JsonObject peerMap = ask(cluster, Addresses.PIN, new JsonObject().put("op", "status").put("cid", onNode3))
          .getJsonObject("peer_map");
      assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("checked within the grace").isLessThan(GRACE);
      assertThat(peerMap.getJsonObject("node3")).as(peerMap.encode()).isNotNull();
      assertThat(peerMap.getJsonObject("node3").getString("status")).as(peerMap.encode()).isEqualTo("cluster_error");
      Eventually.await("every pin on node1 and node2", GRACE.plus(WAIT), () -> allocations(cluster).values().stream()
          .allMatch(nodes -> Set.copyOf(nodes).equals(Set.of("node1", "node2"))));
      assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("moved only after the grace").isGreaterThanOrEqualTo(GRACE);
      assertThat(counted(cluster, 1, "ferry.pin.reallocations")).as("pins node1 moved off node3").isGreaterThan(0);
      // as IPFS Cluster, node3 (down, still a peer) is cluster_error on every pin of a listing, as its
      // stream of statuses failed, and remote in the status of a pin not allocated to it, as it is not asked
      List<JsonObject> listed = Http.get(cluster.apiPort(1), "/pins").body().lines().map(JsonObject::new).toList();
      assertThat(listed).hasSize(PINS + 1).allSatisfy(line -> assertThat(statusOf(line, "node3")).as(line.encode())
          .isEqualTo("cluster_error"));
      assertThat(listed).allSatisfy(line -> assertThat(line.getJsonObject("peer_map")).hasSize(3));
      JsonObject notOnNode3 = new JsonObject(Http.get(cluster.apiPort(2), "/pins/" + cid(PINS)).body());
      assertThat(statusOf(notOnNode3, "node3")).as(notOnNode3.encode()).isEqualTo("remote");

      // (c) a removed node's pins move at once: new pins land on node3 again, then it is removed
      cluster.restart(3);
      cluster.awaitFullMembership();
      AtomicInteger next = new AtomicInteger(PINS + 1);
      Eventually.await("a new pin to land on node3", WAIT, () -> strings(pin(cluster, cid(next.getAndIncrement()))
          .getJsonArray("allocations").getList()).contains("node3"));
      long removing = System.nanoTime();
      HttpResponse<String> removed = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + cluster.apiPort(1) + "/peers/node3")).DELETE());
      assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
      assertThat(allocations(cluster).values()).as("every pin off node3 once the removal answered")
          .allSatisfy(nodes -> assertThat(nodes).containsExactlyInAnyOrder("node1", "node2"));
      assertThat(Duration.ofNanos(System.nanoTime() - removing)).as("no grace for a removed node").isLessThan(GRACE);
    }
  }


  /** The status of node {@code name} in a status of the HTTP API (IPFS Cluster's GlobalPinInfo, by peer ID). */
  private static String statusOf(JsonObject status, String name) {
    return status.getJsonObject("peer_map").stream().map(e -> (JsonObject) e.getValue())
        .filter(entry -> name.equals(entry.getString("peername"))).map(entry -> entry.getString("status"))
        .findFirst().orElse(null);
  }

  private static JsonObject pin(JvmCluster cluster, String cid) {
    return ask(cluster, Addresses.PIN, new JsonObject().put("op", "pin").put("cid", cid));
  }

  private static String cid(int n) {
    return PinSetTest.cid(7_000 + n);
  }

  private static RaftClient raft(JvmCluster cluster, int i) {
    return RaftClient.forNode(cluster.node(i));
  }

  /** Stops node {@code i} and starts it again, failing unless every node sees it back within the grace. */
  private static void restartWithinGrace(JvmCluster cluster, int i) {
    long stopped = System.nanoTime();
    cluster.stop(i);
    cluster.restart(i);
    cluster.awaitFullMembership();
    assertThat(Duration.ofNanos(System.nanoTime() - stopped))
        .as("node%d back within the grace (if not, raise GRACE: this machine restarts nodes slowly)", i)
        .isLessThan(GRACE);
  }

  /** Every pin's allocations (node names), read through the pinset's leader. */
  private static Map<String, List<String>> allocations(JvmCluster cluster) {
    Map<String, List<String>> pins = new TreeMap<>();
    ask(cluster, Addresses.PIN, new JsonObject().put("op", "list")).getJsonArray("pins").forEach(p -> {
      JsonObject pin = (JsonObject) p;
      pins.put(pin.getString("cid"), strings(pin.getJsonArray("allocations").getList()));
    });
    return pins;
  }

  /** Counter {@code name} of node {@code i} (0 before anything counted it). */
  private static double counted(JvmCluster cluster, int i, String name) {
    var counter = cluster.node(i).meters().find(name).counter();
    return counter == null ? 0 : counter.count();
  }

  private static List<String> strings(List<?> list) {
    return new ArrayList<>(list.stream().map(String::valueOf).toList());
  }
}
