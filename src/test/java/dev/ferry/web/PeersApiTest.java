package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.RaftClient;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DELETE /peers/{peer}} ({@code ferry ctl peers rm}) and {@code POST /peers} on three nodes
 * in this JVM while a client keeps pinning through node1 (two replicas a pin): the removed node
 * leaves every Raft group, gets no pin any more and keeps none, and comes back as a voter; no
 * acknowledged pin is lost or left under-replicated.
 */
@Timeout(300)
class PeersApiTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final List<String> GROUPS = List.of("kv", "pins");

  @Test
  void aPeerRemovedAndAddedUnderPinLoadLosesNoPin() throws Exception {
    try (JvmCluster cluster = TestCluster.inJvm(3, i -> List.of("pin.replication_min=2", "pin.replication_max=2"))
        .awaitFullMembership()) {
      String node3 = cluster.node(3).peerId().toString();
      Set<String> first2 = Set.of(cluster.node(1).peerId().toString(), cluster.node(2).peerId().toString());
      try (Pinner load = new Pinner(cluster.apiPort(1))) {
        load.awaitMore(20);

        // removed as ipfs-cluster-ctl removes a peer: by its peer ID
        CommandRun rm = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + cluster.apiPort(1), "peers", "rm", node3);
        assertThat(rm.code()).as(rm.out() + rm.err()).isZero();
        awaitGroups(cluster, 1, "node3 out of every group", status -> status.members().equals(List.of("node1", "node2")));
        int removedAt = load.acked();
        load.awaitMore(20);
        Eventually.await("every pin on node1 and node2 only", WAIT, () -> {
          Map<String, Set<String>> pins = allocations(cluster.apiPort(2));
          return pins.keySet().containsAll(load.cids()) && pins.values().stream().allMatch(first2::equals);
        });
        assertThat(load.acked()).isGreaterThan(removedAt);

        HttpResponse<String> added = post(cluster.apiPort(2), "/peers", "{\"peer_id\": \"node3\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(new JsonObject(added.body()).getString("id")).isEqualTo(node3);
        assertThat(new JsonObject(added.body()).getString("peername")).isEqualTo("node3");
        awaitGroups(cluster, 3, "node3 a voter of every group",
            status -> Set.copyOf(status.voters()).equals(Set.of("node1", "node2", "node3")));
        int addedAt = load.acked();
        Eventually.await("a pin made after the add to land on node3", WAIT, () -> load.acked() > addedAt
            && allocations(cluster.apiPort(3)).values().stream().anyMatch(nodes -> nodes.contains(node3)));
        load.close();
        // node3 answers from its own replica, which may be a few ops behind the last acknowledged pin
        Eventually.await("node3's replica to hold every acknowledged pin", WAIT,
            () -> allocations(cluster.apiPort(3)).keySet().containsAll(load.cids()));
        assertThat(allocations(cluster.apiPort(3)).values()).allSatisfy(nodes -> assertThat(nodes).hasSize(2));
      }
    }
  }

  @Test
  void theHealthGraphShowsEachPeerWhatItSeesAndItsDaemonAndCtlDrawsIt() {
    try (JvmCluster cluster = TestCluster.inJvm(3).awaitFullMembership()) {
      String p1 = cluster.node(1).peerId().toString();
      String p2 = cluster.node(2).peerId().toString();
      String p3 = cluster.node(3).peerId().toString();
      cluster.stop(3);
      Eventually.await("node1 and node2 to see node3 gone", WAIT, () -> cluster.node(1).members().names().size() == 2
          && cluster.node(2).members().names().size() == 2);

      HttpResponse<String> answer = Http.get(cluster.apiPort(1), "/health/graph");
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonObject graph = new JsonObject(answer.body());
      assertThat(graph.fieldNames()).containsExactly("cluster_id", "id_to_peername", "ipfs_links", "cluster_links",
          "cluster_trust_links", "cluster_to_ipfs");
      assertThat(graph.getString("cluster_id")).isEqualTo(p1);
      assertThat(graph.getJsonObject("cluster_links")).isEqualTo(new JsonObject().put(p1, List.of(p2))
          .put(p2, List.of(p1)).put(p3, List.of()));
      assertThat(graph.getJsonObject("id_to_peername")).isEqualTo(new JsonObject().put(p1, "node1").put(p2, "node2"));
      assertThat(graph.getJsonObject("cluster_trust_links")).isEqualTo(new JsonObject().put(p1, true).put(p2, true)
          .put(p3, true));
      // embedded stores: each is its node's, and exchanges blocks with the other live one
      assertThat(graph.getJsonObject("cluster_to_ipfs")).isEqualTo(new JsonObject().put(p1, p1).put(p2, p2));
      assertThat(graph.getJsonObject("ipfs_links")).isEqualTo(new JsonObject().put(p1, List.of(p2))
          .put(p2, List.of(p1)));

      CommandRun dot = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + cluster.apiPort(1), "health", "graph");
      assertThat(dot.code()).as(dot.err()).isZero();
      // ipfs-cluster-ctl numbers peers in peer ID order: C for the contacted one, T for the trusted others
      List<String> all = Stream.of(p1, p2, p3).sorted().toList();
      List<String> live = Stream.of(p1, p2).sorted().toList();
      String c1 = "C" + all.indexOf(p1);
      String c2 = "T" + all.indexOf(p2);
      String c3 = "T" + all.indexOf(p3);
      String i1 = "I" + live.indexOf(p1);
      String i2 = "I" + live.indexOf(p2);
      assertThat(dot.out()).startsWith("digraph cluster {\n").endsWith("}")
          .contains(c1 + " -> " + c2 + "\n", c2 + " -> " + c1 + "\n", c1 + " -> " + i1 + "\n", c2 + " -> " + i2 + "\n",
              i1 + " -> " + i2 + "\n", i2 + " -> " + i1 + "\n", c3 + " -> I2 [ style=\"dotted\" ]\n")
          .contains(c1 + " [label=< <B> node1 </B>").contains("peripheries=\"2\"")
          .contains("I2 [label=< <B> IPFS </B> <BR/> <B> Errored </B> >");
      assertThat(dot.out().lines().filter(l -> l.contains(" -> ")).count()).isEqualTo(7);
    }
  }

  @Test
  void theHealthGraphLinksJsIpfsDaemonsByTheirSwarmPeers(@TempDir Path dir) {
    try (IpfsCluster nodes = IpfsCluster.start(dir, 2, i -> new JsonObject())) {
      JvmCluster cluster = nodes.nodes();
      String p1 = cluster.node(1).peerId().toString();
      String p2 = cluster.node(2).peerId().toString();
      String d1 = Futures.await(nodes.ipfs(1).id(), WAIT).id();
      String d2 = Futures.await(nodes.ipfs(2).id(), WAIT).id();

      JsonObject graph = new JsonObject(Http.get(cluster.apiPort(2), "/health/graph").body());
      assertThat(graph.getString("cluster_id")).isEqualTo(p2);
      assertThat(graph.getJsonObject("cluster_to_ipfs")).isEqualTo(new JsonObject().put(p1, d1).put(p2, d2));
      assertThat(graph.getJsonObject("ipfs_links").fieldNames()).containsExactlyInAnyOrder(d1, d2);
      assertThat(graph.getJsonObject("ipfs_links").getJsonArray(d1).getList()).contains(d2);
      assertThat(graph.getJsonObject("ipfs_links").getJsonArray(d2).getList()).contains(d1);
    }
  }

  @Test
  void badPeerRequestsSayWhatIsWrong() {
    try (JvmCluster cluster = TestCluster.inJvm(1)) {
      int api = cluster.apiPort(1);
      assertError(post(api, "/peers", "not json"), 400, "error decoding request body");
      assertError(post(api, "/peers", "{\"peer_id\": 7}"), 400, "error decoding peer_id");
      assertError(post(api, "/peers", "{\"peer_id\": \"node9\"}"), 404, "no node node9 in this cluster");
      assertError(Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/peers/node9")).DELETE()),
          404, "no node node9 in this cluster");
    }
  }

  /** Waits until node {@code i}'s replica of every group says {@code what}. */
  private static void awaitGroups(JvmCluster cluster, int i, String what, Predicate<GroupStatus> holds) {
    Eventually.await(what + ", as node" + i + " sees it", WAIT, () -> GROUPS.stream()
        .allMatch(group -> holds.test(Futures.await(RaftClient.forNode(cluster.node(i)).status(group), WAIT))));
  }

  private static void assertError(HttpResponse<String> response, int status, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(new JsonObject(response.body()).getString("message")).contains(message);
  }

  /** Every pin's allocations (peer IDs), as {@code GET /allocations} on a node answers them. */
  private static Map<String, Set<String>> allocations(int api) {
    HttpResponse<String> listed = Http.get(api, "/allocations");
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    Map<String, Set<String>> pins = new TreeMap<>();
    listed.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(pin -> pins.put(pin.getString("cid"),
        pin.getJsonArray("allocations").stream().map(String::valueOf).collect(Collectors.toSet())));
    return pins;
  }

  private static HttpResponse<String> post(int api, String path, String body) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** A client that pins one new CID after the other through a node's API, and remembers those acknowledged. */
  private static final class Pinner implements AutoCloseable {
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Pinner(int api) {
      thread = new Thread(() -> {
        for (int n = 0; running.get(); n++) {
          String cid = cid(n);
          HttpResponse<String> pinned = post(api, "/pins/" + cid, "");
          if (pinned.statusCode() == 200) {
            acked.add(Cid.parse(cid).toString());
          } else {
            failed.incrementAndGet();   // no-leader while a leader leaves: the pin is not acknowledged
          }
        }
      }, "pinner");
      thread.start();
    }

    int acked() {
      return acked.size();
    }

    Set<String> cids() {
      return Set.copyOf(acked);
    }

    void awaitMore(int more) {
      int from = acked();
      Eventually.await(more + " more pins acknowledged", WAIT, () -> acked() >= from + more);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();   // the last pin asked for is answered
    }

    private static String cid(int n) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(("peer load " + n).getBytes(StandardCharsets.UTF_8));
        return "f01551220" + HexFormat.of().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
