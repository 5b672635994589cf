package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.Version;
import dev.ferry.peers.PeerId;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP basics in IPFS Cluster's shapes, against a real two-node cluster. */
@Timeout(120)
class WebApiTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startCluster() {
    // node 2 keeps Vert.x's per-message event-bus meters, which are off by default, and its embedded
    // IPFS store; node 1 is set to a Kubo daemon that does not run
    cluster = TestCluster.inJvm(2, i -> i == 2 ? List.of("metrics.eventbus=true")
        : List.of("ipfs.api=http://127.0.0.1:" + Ports.free(1).get(0)));
    Eventually.await("both nodes to list each other", Duration.ofSeconds(30),
        () -> cluster.peersSeenBy(1).size() == 2 && cluster.peersSeenBy(2).size() == 2);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void healthAnswersNoContent() {
    var response = Http.get(cluster.apiPort(1), "/health");
    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void versionIsTheBuiltVersion() {
    var response = Http.get(cluster.apiPort(1), "/version");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("version")).isEqualTo(Version.current())
        .isNotEqualTo("unknown");
  }

  @Test
  void idIsAnIpfsClusterIdObjectWithTheIncarnation() {
    var response = Http.get(cluster.apiPort(2), "/id");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject id = new JsonObject(response.body());
    assertThat(id.fieldNames()).contains("id", "peername", "addresses", "cluster_peers", "version", "error", "ipfs",
        "incarnation");
    assertThat(id.getString("id")).isEqualTo(cluster.node(2).peerId().toString()).startsWith("12D3KooW");
    assertThat(PeerId.parse(id.getString("id"))).isEqualTo(cluster.node(2).peerId());
    assertThat(id.getString("peername")).isEqualTo("node2");
    assertThat(id.getString("incarnation")).isEqualTo(cluster.node(2).incarnation().id());
    assertThat(id.getJsonArray("cluster_peers").getList())
        .containsExactlyInAnyOrder(cluster.node(1).peerId().toString(), cluster.node(2).peerId().toString());
    assertThat(id.getJsonArray("addresses").getString(0))
        .isEqualTo("/ip4/127.0.0.1/tcp/" + cluster.peer(2).port());
    // node 2's embedded store is part of the node: the node's peer ID and the store's agent, empty values left out
    assertThat(id.getJsonObject("ipfs")).isEqualTo(new JsonObject()
        .put("id", cluster.node(2).peerId().toString()).put("agent", "ferry-embedded/" + Version.current()));
  }

  @Test
  void idOfANodeWhoseKuboDaemonDoesNotRunSaysSoWithoutADaemonId() {
    JsonObject ipfs = new JsonObject(Http.get(cluster.apiPort(1), "/id").body()).getJsonObject("ipfs");
    // the connector's error, and no daemon id (left out when empty, as omitempty)
    assertThat(ipfs.getString("error")).contains("IPFS daemon at http://127.0.0.1:");
    assertThat(ipfs.fieldNames()).containsExactlyInAnyOrder("addresses", "error");
  }

  @Test
  void aRepoStatTheDaemonCannotGiveFailsTheAskerWithTheConnectorsCode() {
    // node 1's Kubo daemon does not run: its repo/stat, asked over the bus, is the connector's failure
    Throwable failure = Futures.cause(cluster.node(2).vertx().eventBus().request(Addresses.nodeIpfsStat("node1"), null,
        new DeliveryOptions().setSendTimeout(WAIT.toMillis())), WAIT);
    FerryException e = FerryException.from(failure);
    assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE);
    assertThat(e.getMessage()).contains("IPFS daemon at http://127.0.0.1:");
  }

  @Test
  void peersListsOneIdObjectPerMemberAsNdjson() {
    var response = Http.get(cluster.apiPort(1), "/peers");
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonObject> lines = response.body().lines().map(JsonObject::new).toList();
    assertThat(lines).extracting(l -> l.getString("peername")).containsExactly("node1", "node2");
    assertThat(lines).extracting(l -> l.getString("incarnation"))
        .containsExactly(cluster.node(1).incarnation().id(), cluster.node(2).incarnation().id());
    assertThat(lines).allSatisfy(l -> assertThat(l.getString("error")).isEmpty());
    assertThat(lines).extracting(l -> l.getString("id"))
        .containsExactly(cluster.node(1).peerId().toString(), cluster.node(2).peerId().toString());
    assertThat(lines.get(0).getJsonObject("ipfs").getString("error")).isNotBlank();
    assertThat(lines.get(1).getJsonObject("ipfs").getString("id")).isEqualTo(cluster.node(2).peerId().toString());
  }

  @Test
  void metricsAreValidPrometheusTextWithFerrysOwn() {
    var response = Http.get(cluster.apiPort(1), "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    Map<String, Double> samples = PrometheusText.parse(response.body());
    assertThat(samples.keySet()).noneMatch(k -> k.startsWith("vertx_eventbus_"));
    assertThat(PrometheusText.parse(Http.get(cluster.apiPort(2), "/metrics").body()).keySet())
        .anyMatch(k -> k.startsWith("vertx_eventbus_"));
    assertThat(samples.keySet()).anyMatch(k -> k.startsWith("vertx_http_server_"));
    // the registry's own watcher is one open mailbox on every node
    assertThat(samples.get("ferry_mailboxes")).isGreaterThanOrEqualTo(1.0);
    assertThat(samples).containsKeys("ferry_mailbox_messages", "ferry_registry_names", "ferry_registry_conflicts_total",
        "ferry_raft_term", "ferry_raft_commit_index", "ferry_raft_leader_changes_total",
        "ferry_circuits_open", "ferry_circuit_bytes_total", "ferry_circuit_link_frames_total");
  }

  @Test
  void theDashboardIsServedLocallyAtTheRootAndUi() {
    var root = Http.get(cluster.apiPort(1), "/");
    assertThat(root.statusCode()).isEqualTo(302);
    assertThat(root.headers().firstValue("Location")).hasValue("/ui/");
    var page = Http.get(cluster.apiPort(1), "/ui/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>ferry", "vendor/sockjs.min.js", "vendor/vertx-eventbus.js", "app.js");
    for (String asset : List.of("/ui/app.js", "/ui/style.css", "/ui/vendor/sockjs.min.js", "/ui/vendor/vertx-eventbus.js")) {
      assertThat(Http.get(cluster.apiPort(1), asset).statusCode()).as(asset).isEqualTo(200);
    }
  }

  @Test
  void statusIsOneSnapshotOfTheCluster() {
    JsonObject status = new JsonObject(Http.get(cluster.apiPort(2), "/status").body());
    assertThat(status.getString("node")).isEqualTo("node2");
    assertThat(status.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("name")))
        .containsExactly("node1", "node2");
    assertThat(status.getJsonObject("mailboxes").fieldNames()).containsExactlyInAnyOrder("node1", "node2");
    assertThat(status.getJsonObject("registry").containsKey("names")).isTrue();
  }

  @Test
  void unknownRouteIsAJsonError() {
    var response = Http.get(cluster.apiPort(1), "/no/such/thing");
    assertThat(response.statusCode()).isEqualTo(404);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getInteger("code")).isEqualTo(404);
    assertThat(error.getString("message")).isNotBlank();
  }

  @Test
  void wrongMethodIsAJsonError() {
    var response = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + "/id"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(new JsonObject(response.body()).getInteger("code")).isEqualTo(405);
  }
}
