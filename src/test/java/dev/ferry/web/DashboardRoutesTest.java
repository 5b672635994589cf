package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.HashFunction;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard's reads against a real two-node cluster: every member's history of samples, the
 * pinset a page at a time (and searched), who the caller is, and clear errors for a bad page.
 * Samples every 200 ms, 2 s kept; pages of the pinset read 5 pins at a time so a search spans pages;
 * the pins are of content nobody has, so each ends in pin_error within a second of its try.
 */
@Timeout(120)
class DashboardRoutesTest {
  private static final int PINS = 23;
  private static final int SAMPLE_MS = 200;
  private static final int KEPT = 10;   // history_ms / sample_interval_ms
  private static final int SCAN_MAX = 10;
  /** The pins are of content nobody has: each fails soon, an error for GET /dashboard/errors. */
  private static final int PIN_TIMEOUT_MS = 1000;
  /** ... and stays so: no automatic retry while the tests run. */
  private static final int NO_RECOVERY_MS = 600_000;
  private static TestCluster.JvmCluster cluster;
  private static final List<String> cids = new ArrayList<>();

  @BeforeAll
  static void startClusterAndPin() {
    cluster = TestCluster.inJvm(2, i -> List.of("dashboard.sample_interval_ms=" + SAMPLE_MS,
        "dashboard.history_ms=" + SAMPLE_MS * KEPT, "dashboard.search_scan_max=" + SCAN_MAX, "pin.list_page_size=5",
        "pin.pin_timeout_ms=" + PIN_TIMEOUT_MS, "pin.recover_interval_ms=" + NO_RECOVERY_MS));
    Eventually.await("both nodes to list each other", Duration.ofSeconds(30),
        () -> cluster.peersSeenBy(1).size() == 2 && cluster.peersSeenBy(2).size() == 2);
    for (int i = 0; i < PINS; i++) {
      String cid = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(("dashboard " + i).getBytes(StandardCharsets.UTF_8)))
          .toString();
      cids.add(cid);
      var pinned = Http.send(request(1, "/pins/" + cid + "?replication=1&name=" + String.format("item-%02d", i))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theHistoryHasEveryMembersSamplesAsColumnsAndKeepsOnlyTheConfiguredSpan() {
    Eventually.await("a full history of both nodes", Duration.ofSeconds(30), () -> {
      JsonObject nodes = get(2, "/dashboard/history").getJsonObject("nodes");
      return nodes.fieldNames().equals(new TreeSet<>(List.of("node1", "node2")))
          && nodes.getJsonObject("node1").getJsonArray("times").size() == KEPT
          && nodes.getJsonObject("node2").getJsonArray("times").size() == KEPT;
    });
    JsonObject node1 = get(2, "/dashboard/history").getJsonObject("nodes").getJsonObject("node1");
    assertThat(node1.getLong("interval_ms")).isEqualTo(SAMPLE_MS);
    assertThat(node1.getLong("history_ms")).isEqualTo(SAMPLE_MS * KEPT);
    assertThat(node1.getJsonObject("store").getString("kind")).isEqualTo("embedded");
    assertThat(node1.getLong("started_at")).isPositive();
    JsonObject series = node1.getJsonObject("series");
    assertThat(series.fieldNames()).contains("heap.used", "cpu", "loop.delay_ms", "pins.pinned", "pins.pinning",
        "pin.queue", "pin.rate", "unpin.rate", "raft.pins.commits", "raft.kv.leader_changes", "mailbox.queued", "mailbox.rate",
        "store.used", "store.max");
    for (String name : series.fieldNames()) {
      assertThat(series.getJsonArray(name)).as(name).hasSize(KEPT);
    }
    JsonArray times = node1.getJsonArray("times");
    assertThat(times.getLong(KEPT - 1) - times.getLong(0)).isLessThan(SAMPLE_MS * KEPT * 2L);
    // node1 counts the pins allocated to it among its statuses (none of their content exists: pinning or queued)
    Eventually.await("node1's samples to count every pin", Duration.ofSeconds(30), () -> {
      JsonObject s = get(1, "/dashboard/history").getJsonObject("nodes").getJsonObject("node1").getJsonObject("series");
      JsonObject r = get(1, "/dashboard/history").getJsonObject("nodes").getJsonObject("node2").getJsonObject("series");
      return last(s, "pins.remote") + last(r, "pins.remote") + local(s) + local(r) == 2.0 * PINS;
    });
  }

  @Test
  void theMailboxSeriesIsMessagesPerSecondThatReachedTheNodesMailboxes() {
    Mailbox inbox = cluster.mailboxes(1).create().await();
    Address to = cluster.mailboxes(2).address(inbox.address().toString());
    try {
      Eventually.await("node1's samples to count messages sent to its mailbox", Duration.ofSeconds(30), () -> {
        for (int i = 0; i < 50; i++) {
          to.send("message " + i).await();
        }
        JsonArray rates = get(2, "/dashboard/history").getJsonObject("nodes").getJsonObject("node1")
            .getJsonObject("series").getJsonArray("mailbox.rate");
        return rates.stream().anyMatch(rate -> rate instanceof Number n && n.doubleValue() > 0);
      });
    } finally {
      inbox.close().await();
    }
  }

  @Test
  void thePinsetIsListedAPageAtATimeWithEachNodesStatus() {
    List<String> listed = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      JsonObject page = get(2, "/dashboard/pins?limit=10" + (after == null ? "" : "&after=" + after));
      assertThat(page.getLong("count")).isEqualTo(PINS);
      JsonArray pins = page.getJsonArray("pins");
      assertThat(pins.size()).isLessThanOrEqualTo(10);
      pins.forEach(p -> {
        JsonObject pin = (JsonObject) p;
        listed.add(pin.getString("cid"));
        assertThat(pin.getJsonArray("allocations")).hasSize(1);
        // every node, as IPFS Cluster's peer_map: the allocated one with its status, the other remote
        JsonObject peerMap = pin.getJsonObject("peer_map");
        assertThat(peerMap.fieldNames()).isEqualTo(new TreeSet<>(List.of("node1", "node2")));
        peerMap.forEach(entry -> assertThat(((JsonObject) entry.getValue()).getString("status")).as(entry.getKey())
            .matches(status -> pin.getJsonArray("allocations").contains(entry.getKey()) != status.equals("remote")));
      });
      after = page.getString("next");
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(3);
    assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(cids);
  }

  @Test
  void aSearchMatchesNamesAndCidPrefixes() {
    JsonArray byName = get(1, "/dashboard/pins?q=ITEM-07").getJsonArray("pins");
    assertThat(byName).hasSize(1);
    assertThat(byName.getJsonObject(0).getString("name")).isEqualTo("item-07");
    String cid = cids.get(11);
    JsonArray byCid = get(1, "/dashboard/pins?q=" + cid.substring(0, 20)).getJsonArray("pins");
    assertThat(byCid.stream().map(p -> ((JsonObject) p).getString("cid"))).contains(cid);
  }

  @Test
  void aSearchReadsAtMostTheScanBudgetAndSaysWhereToGoOn() {
    JsonObject first = get(1, "/dashboard/pins?q=no-such-name");
    assertThat(first.getJsonArray("pins")).isEmpty();
    assertThat(first.getInteger("scanned")).isEqualTo(SCAN_MAX);
    assertThat(first.getString("next")).isNotNull();
    int scanned = first.getInteger("scanned");
    String after = first.getString("next");
    while (after != null) {
      JsonObject page = get(1, "/dashboard/pins?q=no-such-name&after=" + after);
      scanned += page.getInteger("scanned");
      after = page.getString("next");
    }
    assertThat(scanned).isEqualTo(PINS);
  }

  @Test
  void aBadPageSizeIsAClearError() {
    for (String limit : List.of("0", "101", "ten")) {
      var response = Http.get(cluster.apiPort(1), "/dashboard/pins?limit=" + limit);
      assertThat(response.statusCode()).as(limit).isEqualTo(400);
      assertThat(new JsonObject(response.body()).getString("message"))
          .contains("limit", "dashboard.pins_page_max", "'" + limit + "'");
    }
  }

  @Test
  void eachNodesPinsInErrorAreCountedWithAFewOfThemListed() {
    Eventually.await("every pin in pin_error", Duration.ofSeconds(60), () -> {
      JsonObject nodes = get(2, "/dashboard/errors?limit=2").getJsonObject("nodes");
      return nodes.fieldNames().equals(new TreeSet<>(List.of("node1", "node2")))
          && nodes.stream().mapToLong(n -> ((JsonObject) n.getValue()).getLong("count")).sum() == PINS;
    });
    JsonObject nodes = get(1, "/dashboard/errors?limit=2").getJsonObject("nodes");
    for (String node : nodes.fieldNames()) {
      JsonObject errors = nodes.getJsonObject(node);
      JsonArray pins = errors.getJsonArray("pins");
      assertThat(pins.size()).as(node).isEqualTo((int) Math.min(2, errors.getLong("count")));
      pins.forEach(p -> {
        JsonObject pin = (JsonObject) p;
        assertThat(cids).contains(pin.getString("cid"));
        assertThat(pin.getString("status")).isEqualTo("pin_error");
        assertThat(pin.getString("error")).isNotBlank();
        // the node named has the pin in error in GET /pins/{cid} too (IPFS Cluster's peer_map: by peer ID, with peername)
        JsonObject peerMap = get(1, "/pins/" + pin.getString("cid")).getJsonObject("peer_map");
        assertThat(peerMap.stream().map(e -> (JsonObject) e.getValue()).filter(s -> node.equals(s.getString("peername")))
            .map(s -> s.getString("status")).toList()).containsExactly("pin_error");
      });
    }
    var bad = Http.get(cluster.apiPort(1), "/dashboard/errors?limit=0");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("message")).contains("limit", "dashboard.pins_page_max", "'0'");
  }

  @Test
  void anOpenApiMakesEveryCallerAnAdmin() {
    JsonObject session = get(1, "/dashboard/session");
    assertThat(session.getBoolean("auth")).isFalse();
    assertThat(session.getString("role")).isEqualTo("admin");
    assertThat(session.getBoolean("may_change")).isTrue();
  }

  @Test
  void theStatusSnapshotCountsThePinsWithoutListingThem() {
    JsonObject pins = get(2, "/status").getJsonObject("pins");
    assertThat(pins.getLong("count")).isEqualTo(PINS);
    assertThat(pins.containsKey("pins")).isFalse();
  }

  @Test
  void theChartLibraryIsServedWithItsLicence() {
    for (String asset : List.of("/ui/vendor/uplot/dist/uPlot.iife.min.js", "/ui/vendor/uplot/dist/uPlot.min.css",
        "/ui/vendor/uplot/LICENSE", "/ui/charts.js", "/ui/pins.js", "/ui/members.js", "/ui/session.js")) {
      assertThat(Http.get(cluster.apiPort(1), asset).statusCode()).as(asset).isEqualTo(200);
    }
    assertThat(Http.get(cluster.apiPort(1), "/ui/vendor/uplot/LICENSE").body()).contains("MIT");
  }

  private static double last(JsonObject series, String name) {
    JsonArray values = series.getJsonArray(name);
    return values.getDouble(values.size() - 1);
  }

  /** A node's statuses of the pins allocated to it. */
  private static double local(JsonObject series) {
    return series.fieldNames().stream().filter(n -> n.startsWith("pins.") && !n.equals("pins.remote"))
        .mapToDouble(n -> last(series, n)).sum();
  }

  private static JsonObject get(int node, String path) {
    var response = Http.get(cluster.apiPort(node), path.replace(" ", URLEncoder.encode(" ", StandardCharsets.UTF_8)));
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static HttpRequest.Builder request(int node, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(node) + path));
  }
}
