package dev.ferry.pin.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.peers.PeerId;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Informers and monitor on three in-JVM nodes with their embedded stores: every node's metrics
 * reach every node, the REST routes answer in IPFS Cluster 1.1's shapes, {@code ferry ctl health}
 * prints them as ipfs-cluster-ctl does, and a node that stops pinging raises an alert (REST and
 * {@code ferry.events.alerts}) that clears when it returns. Process death (kill -9) is
 * {@code MonitorAlertIT}'s.
 */
@Timeout(120)
public class MetricsMonitorTest {
  public static final long PING_TTL_MS = 1000;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long STORAGE_MAX = 5_000_000_000L;

  /** Node {@code i}'s settings: fast monitor timings, tag group {@code a} but node 2 in {@code b}. */
  static JsonObject settings(int i) {
    return new JsonObject()
        .put("ipfs", new JsonObject().put("storage_max", STORAGE_MAX * i))
        .put("pin", new JsonObject().put("tags", new JsonObject().put("group", i == 2 ? "b" : "a"))
            .put("monitor", fastMonitor()));
  }

  /** {@code pin.monitor} with timings for tests: pings every 200 ms, alive for {@link #PING_TTL_MS}. */
  public static JsonObject fastMonitor() {
    return new JsonObject().put("ping_interval_ms", 200).put("ping_ttl_ms", PING_TTL_MS)
        .put("metric_interval_ms", 200).put("metric_ttl_ms", PING_TTL_MS).put("check_interval_ms", 100);
  }

  @Test
  void everyNodesMetricsAreServedInIpfsClusterShapesAndPrintedAsIpfsClusterCtlDoes() {
    try (JvmCluster cluster = TestCluster.inJvm(3, MetricsMonitorTest::settings, i -> Map.of()).awaitFullMembership()) {
      int api = cluster.apiPort(1);
      Eventually.await("every node's freespace on node1", WAIT, () -> array(api, "/monitor/metrics/freespace").size() == 3);
      assertThat(array(api, "/monitor/metrics").getList())
          .containsExactly("freespace", "numpin", "ping", "pinqueue", "tag:group");

      JsonArray freespace = array(api, "/monitor/metrics/freespace");
      for (int i = 1; i <= 3; i++) {
        JsonObject metric = ofPeer(freespace, cluster.node(i).peerId());
        assertIpfsClusterMetric(metric, "freespace");
        long free = metric.getLong("weight");
        assertThat(free).isLessThanOrEqualTo(STORAGE_MAX * i).isGreaterThan(STORAGE_MAX * i - 10_000_000);
        assertThat(metric.getString("value")).isEqualTo(Long.toString(free));
        assertThat(metric.getBoolean("partitionable")).isFalse();
      }
      JsonArray groups = array(api, "/monitor/metrics/tag:group");
      assertThat(List.of(1, 2, 3).stream().map(i -> ofPeer(groups, cluster.node(i).peerId()).getString("value")))
          .containsExactly("a", "b", "a");
      groups.forEach(metric -> assertThat(((JsonObject) metric).getBoolean("partitionable")).isTrue());
      assertThat(array(api, "/monitor/metrics/numpin").stream().map(m -> ((JsonObject) m).getString("value")))
          .containsOnly("0");
      assertThat(array(api, "/monitor/metrics/no-such-metric")).isEmpty();
      assertThat(array(api, "/health/alerts")).isEmpty();

      HttpResponse<String> blank = Http.get(api, "/monitor/metrics/%20");
      assertThat(blank.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(blank.body()).getString("message")).contains("a metric name is needed");

      String host = "/ip4/127.0.0.1/tcp/" + api;
      CommandRun names = CommandRun.of("ctl", "--host", host, "health", "metrics");
      assertThat(names.code()).as(names.err()).isZero();
      assertThat(names.lines()).containsExactly("freespace", "numpin", "ping", "pinqueue", "tag:group");
      CommandRun tags = CommandRun.of("ctl", "--host", host, "health", "metrics", "tag:group");
      assertThat(tags.code()).as(tags.err()).isZero();
      assertThat(tags.lines()).hasSize(3)
          .allMatch(line -> line.matches("[1-9A-HJ-NP-Za-km-z]+ \\| tag:group: [ab] \\| Expires in: .+"));
      assertThat(tags.out()).contains(cluster.node(2).peerId() + " | tag:group: b | Expires in: ");
      CommandRun alerts = CommandRun.of("ctl", "--host", host, "health", "alerts");
      assertThat(alerts.code()).as(alerts.err()).isZero();
      assertThat(alerts.out()).isEmpty();
    }
  }

  @Test
  void aNodeThatStopsPingingRaisesAnAlertWithinTwicePingTtlThatClearsWhenItReturns() {
    try (JvmCluster cluster = TestCluster.inJvm(3, MetricsMonitorTest::settings, i -> Map.of()).awaitFullMembership()) {
      int api = cluster.apiPort(1);
      List<JsonObject> events = new CopyOnWriteArrayList<>();
      cluster.node(1).vertx().eventBus().<JsonObject>consumer(Addresses.ALERT_EVENTS, m -> events.add(m.body()))
          .completion().await();
      Eventually.await("node3's ping on node1", WAIT, () -> array(api, "/monitor/metrics/ping").size() == 3);
      String node3 = cluster.node(3).peerId().toString();

      cluster.stop(3);
      long stopped = System.nanoTime();
      Eventually.await("an alert for node3", Duration.ofMillis(2 * PING_TTL_MS + 5_000),
          () -> array(api, "/health/alerts").size() == 1);
      assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofMillis(2 * PING_TTL_MS));
      JsonObject alert = array(api, "/health/alerts").getJsonObject(0);
      assertIpfsClusterMetric(alert, "ping");
      assertThat(alert.getString("peer")).isEqualTo(node3);
      assertThat(alert.getLong("expire")).isLessThan(nanosNow());
      assertThat(OffsetDateTime.parse(alert.getString("triggered_at"))).isNotNull();
      assertThat(events).singleElement().satisfies(event -> {
        assertThat(event.getString("peer")).isEqualTo(node3);
        assertThat(event.getString("node")).isEqualTo(cluster.name(3));
        assertThat(event.getBoolean("cleared")).isFalse();
      });

      cluster.restart(3);
      Eventually.await("node3's alert to clear", WAIT, () -> array(api, "/health/alerts").isEmpty());
      Eventually.await("the clearing event", WAIT, () -> events.size() == 2);
      assertThat(events.get(1).getString("peer")).isEqualTo(node3);
      assertThat(events.get(1).getBoolean("cleared")).isTrue();
    }
  }

  @Test
  void aRemovedNodesMetricsVanishFromEveryNodeAndStayAwayUntilItIsAddedBack() {
    try (JvmCluster cluster = TestCluster.inJvm(3, MetricsMonitorTest::settings, i -> Map.of()).awaitFullMembership()) {
      String node3 = cluster.node(3).peerId().toString();
      for (int i = 1; i <= 2; i++) {
        int api = cluster.apiPort(i);
        Eventually.await("node3's metrics on node" + i, WAIT, () -> peers(api, "ping").contains(node3)
            && peers(api, "numpin").contains(node3));
      }
      List<String> reportsOf3 = new CopyOnWriteArrayList<>();
      cluster.node(1).vertx().eventBus().<JsonObject>consumer(Addresses.METRICS, m -> {
        if ("node3".equals(m.body().getString("peer"))) {
          reportsOf3.add(m.body().encode());
        }
      }).completion().await();

      HttpResponse<String> removed = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + cluster.apiPort(1) + "/peers/" + node3)).DELETE());
      assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
      for (int i = 1; i <= 2; i++) {
        int api = cluster.apiPort(i);
        Eventually.await("node3's metrics gone from node" + i, WAIT, () -> peers(api, "ping").size() == 2
            && !peers(api, "ping").contains(node3) && !peers(api, "numpin").contains(node3)
            && !peers(api, "freespace").contains(node3));
      }

      // node3 still runs and reports: what it says is not taken any more
      int seen = reportsOf3.size();
      Eventually.await("three more reports of node3", WAIT, () -> reportsOf3.size() >= seen + 3);
      for (int i = 1; i <= 2; i++) {
        assertThat(peers(cluster.apiPort(i), "ping")).doesNotContain(node3);
        assertThat(array(cluster.apiPort(i), "/health/alerts")).isEmpty();
      }

      HttpResponse<String> added = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + cluster.apiPort(2) + "/peers")).POST(HttpRequest.BodyPublishers.ofString("{\"peer_id\": \"node3\"}")));
      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      for (int i = 1; i <= 2; i++) {
        int api = cluster.apiPort(i);
        Eventually.await("node3's metrics back on node" + i, WAIT, () -> peers(api, "ping").contains(node3));
      }
    }
  }

  /** The peer IDs of the nodes whose metric {@code name} a node's API serves. */
  private static List<String> peers(int api, String name) {
    return array(api, "/monitor/metrics/" + name).stream().map(m -> ((JsonObject) m).getString("peer")).toList();
  }

  /** IPFS Cluster 1.1's {@code api.Metric}, field by field as its Go JSON decoder would read it. */
  public static void assertIpfsClusterMetric(JsonObject metric, String name) {
    assertThat(metric.getString("name")).isEqualTo(name);
    PeerId.parse(metric.getString("peer"));
    assertThat(metric.getValue("value")).isInstanceOf(String.class);
    assertThat(metric.getValue("expire")).isInstanceOf(Number.class);
    assertThat(metric.getValue("received_at")).isInstanceOf(Number.class);
    assertThat(metric.getLong("expire")).isGreaterThan(metric.getLong("received_at"));
    assertThat(metric.getValue("weight")).isInstanceOf(Number.class);
    assertThat(metric.getBoolean("valid")).isTrue();
    assertThat(metric.getValue("partitionable")).isInstanceOf(Boolean.class);
  }

  /** The JSON array {@code GET path} answers with 200. */
  public static JsonArray array(int port, String path) {
    HttpResponse<String> answer = Http.get(port, path);
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    return new JsonArray(answer.body());
  }

  static JsonObject ofPeer(JsonArray metrics, PeerId peer) {
    return metrics.stream().map(JsonObject.class::cast).filter(m -> peer.toString().equals(m.getString("peer")))
        .findFirst().orElseThrow(() -> new AssertionError("no metric of " + peer + " in " + metrics));
  }

  private static long nanosNow() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
