package dev.ferry.pin;

import static dev.ferry.pin.monitor.MetricsMonitorTest.array;
import static dev.ferry.pin.monitor.MetricsMonitorTest.fastMonitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The balanced allocator on real nodes, with the metrics their monitors publish: a node whose IPFS
 * repo (embedded store, or a js-ipfs daemon whose {@code Datastore.StorageMax} is small) reports
 * too little free space never gets a pin of known size that does not fit, and one below
 * {@code pin.min_freespace_bytes} gets no pin at all (by CID, in a batch, moved off a node that
 * left); too few nodes with room is a clear error; with {@code tag:group} replicas land in
 * different groups.
 */
@Timeout(180)
class AllocationByMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long SMALL = 300_000;
  private static final long BIG = 50_000_000_000L;
  private static final long METRIC_TTL_MS = 60_000;
  /** {@code pin.min_freespace_bytes} of every node here (below the default, so the stores stay small). */
  private static final long RESERVE = 1_000_000;

  private static JsonObject node(long storageMax, String group) {
    return new JsonObject().put("ipfs", new JsonObject().put("storage_max", storageMax))
        .put("pin", new JsonObject().put("tags", new JsonObject().put("group", group))
            .put("min_freespace_bytes", RESERVE)
            // metrics sent every 200 ms that stay valid a minute: a loaded machine cannot let them lapse mid-test
            .put("monitor", fastMonitor().put("metric_ttl_ms", METRIC_TTL_MS)));
  }

  /** Pins {@code cid} of {@code size} bytes from node 1 with replication {@code min}..{@code max}. */
  private static JsonObject pin(JvmCluster cluster, String cid, Long size, int min, int max) {
    JsonObject request = new JsonObject().put("op", "pin").put("cid", cid).put("replication_min", min)
        .put("replication_max", max);
    return TrackerAsk.ask(cluster, Addresses.PIN, size == null ? request : request.put("size", size));
  }

  private static FerryException refused(JvmCluster cluster, String cid, Long size, int min) {
    JsonObject request = new JsonObject().put("op", "pin").put("cid", cid).put("replication_min", min)
        .put("replication_max", min);
    if (size != null) {
      request.put("size", size);
    }
    Throwable failure = Futures.cause(TrackerAsk.request(cluster, Addresses.PIN, request), WAIT);
    return FerryException.from(failure);
  }

  private static List<String> allocations(JsonObject pin) {
    return pin.getJsonArray("allocations").stream().map(String::valueOf).toList();
  }

  /**
   * Waits until every node's monitor holds {@code nodes} nodes' metric {@code name}: a pin request
   * sent from node 1 may be served by any node's pin service, which ranks by its own monitor.
   */
  private static void awaitMetrics(JvmCluster cluster, String name, int nodes) {
    for (int i = 1; i <= cluster.size(); i++) {
      int node = i;
      Eventually.await(nodes + " nodes' " + name + " on " + cluster.name(node), WAIT,
          () -> array(cluster.apiPort(node), "/monitor/metrics/" + name).size() == nodes);
    }
  }

  @Test
  void aNodeWithTooLittleFreeSpaceNeverGetsAPinThatDoesNotFitNorAnyPinBelowTheReserve() {
    // node3 has room for small pins above the reserve; node4 is below it (a full disk)
    try (JvmCluster cluster = TestCluster.inJvm(4, i -> {
      JsonObject settings = node(i == 3 ? RESERVE + SMALL : i == 4 ? RESERVE / 2 : BIG, "default");
      settings.getJsonObject("pin").put("reallocate_after_ms", 0);   // a node that left: its pins move at once
      return settings;
    }, i -> Map.of()).awaitFullMembership()) {
      awaitMetrics(cluster, "freespace", 4);
      List<String> oneToThree = cluster.names(1, 2, 3);
      for (int n = 0; n < 6; n++) {
        assertThat(allocations(pin(cluster, PinSetTest.cid(n), 2 * SMALL, 2, 2)))
            .containsExactly(cluster.name(1), cluster.name(2));
      }
      // small enough for node3 with the reserve left: it may take it; node4 may not
      assertThat(allocations(pin(cluster, PinSetTest.cid(50), SMALL / 10, 3, 3))).containsExactlyElementsOf(oneToThree);
      // a pin by CID (its size unknown) goes to nodes above the reserve only
      assertThat(allocations(pin(cluster, PinSetTest.cid(51), null, 3, 3))).containsExactlyElementsOf(oneToThree);
      FerryException full = refused(cluster, PinSetTest.cid(52), null, 4);
      assertThat(full.code()).isEqualTo(FerryException.UNAVAILABLE);
      assertThat(full.getMessage()).contains("replication_min is 4 but only 3 node(s) can take the pin")
          .contains("too little free space on " + cluster.name(4) + " (")
          .contains("less than the " + RESERVE + " that pin.min_freespace_bytes keeps free)");
      // so does each pin of a batch (a state import)
      JsonObject batch = TrackerAsk.ask(cluster, Addresses.PIN, new JsonObject().put("op", "pin-many").put("pins",
          new JsonArray().add(new JsonObject().put("cid", PinSetTest.cid(53)).put("replication_min", 3)
                  .put("replication_max", 3))
              .add(new JsonObject().put("cid", PinSetTest.cid(54)).put("replication_min", 4)
                  .put("replication_max", 4))));
      assertThat(batch.getInteger("pinned")).as(batch.encode()).isEqualTo(1);
      assertThat(batch.getJsonArray("refused").getJsonObject(0).getString("message"))
          .contains("too little free space on " + cluster.name(4) + " (");
      assertThat(allocations(TrackerAsk.ask(cluster, Addresses.PIN, new JsonObject().put("op", "get")
          .put("cid", PinSetTest.cid(53))))).containsExactlyElementsOf(oneToThree);

      FerryException tooFew = refused(cluster, PinSetTest.cid(60), 2 * SMALL, 3);
      assertThat(tooFew.code()).isEqualTo(FerryException.UNAVAILABLE);
      assertThat(tooFew.getMessage()).contains("replication_min is 3 but only 2 node(s) can take the pin")
          .contains("too little free space on " + cluster.name(3) + " (")
          .contains("the pin needs " + 2 * SMALL + " and pin.min_freespace_bytes keeps " + RESERVE + " free)")
          .contains(cluster.name(4) + " (");

      // node2 leaves: its pins move (the size is not kept, so node3 is a candidate), never to node4
      cluster.stop(2);
      Eventually.await("node2's pins moved off it", WAIT, () -> everyPin(cluster).values().stream()
          .noneMatch(nodes -> nodes.contains(cluster.name(2))));
      Map<String, List<String>> moved = everyPin(cluster);
      assertThat(moved.get(PinSetTest.cid(0))).containsExactly(cluster.name(1), cluster.name(3));
      // under-replicated rather than on a node below the reserve
      assertThat(moved.get(PinSetTest.cid(51))).containsExactly(cluster.name(1), cluster.name(3));
      assertThat(moved.values()).allSatisfy(nodes -> assertThat(nodes).doesNotContain(cluster.name(4)));
    }
  }

  /** Every pin's allocations, read through the pinset's leader. */
  private static Map<String, List<String>> everyPin(JvmCluster cluster) {
    Map<String, List<String>> pins = new TreeMap<>();
    TrackerAsk.ask(cluster, Addresses.PIN, new JsonObject().put("op", "list")).getJsonArray("pins")
        .forEach(p -> pins.put(((JsonObject) p).getString("cid"), allocations((JsonObject) p)));
    return pins;
  }

  @Test
  void withTagGroupReplicasLandInDifferentGroups() {
    try (JvmCluster cluster = TestCluster.inJvm(4, i -> node(BIG, i <= 2 ? "east" : "west"), i -> Map.of())
        .awaitFullMembership()) {
      awaitMetrics(cluster, "tag:group", 4);
      Set<String> east = Set.of(cluster.name(1), cluster.name(2));
      Set<String> west = Set.of(cluster.name(3), cluster.name(4));
      for (int n = 0; n < 8; n++) {
        List<String> nodes = allocations(pin(cluster, PinSetTest.cid(n), null, 2, 2));
        assertThat(nodes).hasSize(2);
        assertThat(nodes.stream().filter(east::contains)).as(nodes.toString()).hasSize(1);
        assertThat(nodes.stream().filter(west::contains)).as(nodes.toString()).hasSize(1);
      }
    }
  }

  @Test
  void aJsIpfsDaemonWhoseStorageMaxIsSmallReportsItAndIsPassedOver(@TempDir Path dir) {
    try (IpfsDaemon daemon = IpfsDaemon.start(dir.resolve("ipfs"))) {
      // js-ipfs reads Datastore.StorageMax at every repo/stat
      URI config = daemon.api().resolve("/api/v0/config?arg=Datastore.StorageMax&arg=" + SMALL + "B");
      assertThat(Http.send(HttpRequest.newBuilder(config).POST(HttpRequest.BodyPublishers.noBody())).statusCode())
          .isEqualTo(200);
      try (JvmCluster cluster = TestCluster.inJvm(2, i -> i == 2
          ? node(BIG, "default").put("ipfs", new JsonObject().put("api", daemon.api().toString()))
          : node(BIG, "default"), i -> Map.of()).awaitFullMembership()) {
        awaitMetrics(cluster, "freespace", 2);
        JsonObject onDaemon = array(cluster.apiPort(1), "/monitor/metrics/freespace").stream()
            .map(JsonObject.class::cast)
            .filter(m -> m.getString("peer").equals(cluster.node(2).peerId().toString())).findFirst().orElseThrow();
        assertThat(onDaemon.getLong("weight")).isBetween(0L, SMALL - 1);
        assertThat(allocations(pin(cluster, PinSetTest.cid(1), SMALL, 1, 2))).containsExactly(cluster.name(1));
        assertThat(refused(cluster, PinSetTest.cid(2), SMALL, 2).getMessage())
            .contains("too little free space on " + cluster.name(2));
      }
    }
  }

}
