package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.ask;
import static dev.ferry.pin.TrackerAsk.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's pin tracker in its Prometheus series on {@code GET /metrics}: pins by status (those
 * allocated elsewhere as {@code remote}), the queue, call durations as histograms, and the state
 * sync's repairs. Two nodes, each with a stand-in daemon that holds pins on demand.
 */
@Timeout(120)
class PinMetricsTest {
  private JvmCluster cluster;

  @Test
  void pinsByStatusQueueDurationsAndRepairsAreSeriesOfEachNode() {
    try (HeldDaemon daemon = new HeldDaemon(); HeldDaemon other = new HeldDaemon();
         JvmCluster started = TestCluster.inJvm(2, i -> new JsonObject()
             .put("ipfs", new JsonObject().put("api", (i == 1 ? daemon : other).api().toString()))
             .put("pin", new JsonObject().put("state_sync_interval_ms", 300)), i -> Map.of())) {
      cluster = started.awaitFullMembership();
      daemon.release();
      other.release();
      List<String> cids = IntStream.range(0, 4).mapToObj(n -> PinSetTest.cid(900 + n)).toList();
      Eventually.await("the pinset to take the first pin", WAIT, () -> ask(cluster, Addresses.PIN, pin(cids.get(0))) != null);
      cids.subList(1, cids.size()).forEach(cid -> ask(cluster, Addresses.PIN, pin(cid)));
      // one node each, the least loaded: two pins on each node, the other two remote there
      // both nodes done before the daemons hold again: a pin of node2's still running then would be held too
      Eventually.await("two pins pinned and two remote on node1 and on node2", WAIT,
          () -> IntStream.of(1, 2).allMatch(node -> sample(node, "ferry_pins{status=\"pinned\"}") == 2
              && sample(node, "ferry_pins{status=\"remote\"}") == 2));
      assertThat(sample(1, "ferry_pins{status=\"pin_error\"}")).isZero();
      assertThat(sample(1, "ferry_pin_duration_seconds_count{op=\"pin\"}")).isEqualTo(2);
      assertThat(metrics(1)).contains("ferry_pin_duration_seconds_bucket{op=\"pin\",le=");
      assertThat(sample(1, "ferry_pin_queue{lane=\"changes\"}")).isZero();

      daemon.hold();
      other.hold();
      String held = PinSetTest.cid(910);
      ask(cluster, Addresses.PIN, new JsonObject().put("op", "pin").put("cid", held));
      Eventually.await("the held pin to show as pinning and running on node1 and node2", WAIT,
          () -> sample(1, "ferry_pins{status=\"pinning\"}") + sample(2, "ferry_pins{status=\"pinning\"}") == 2
              && sample(1, "ferry_pin_running") == 1);
      daemon.release();
      other.release();
      Eventually.await("it to be pinned", WAIT, () -> sample(1, "ferry_pins{status=\"pinned\"}") == 3
          && sample(1, "ferry_pin_running") == 0);

      String pinnedHere = cids.stream().filter(c -> "pinned".equals(status(cluster, c))).findFirst().orElseThrow();
      daemon.forget(pinnedHere);
      Eventually.await("the state sync to repair the lost pin", WAIT,
          () -> sample(1, "ferry_pin_state_sync_repairs_total") == 1 && "pinned".equals(status(cluster, pinnedHere)));

      ask(cluster, Addresses.PIN, new JsonObject().put("op", "unpin").put("cid", pinnedHere));
      Eventually.await("the unpin to be timed and counted", WAIT,
          () -> sample(1, "ferry_pin_duration_seconds_count{op=\"unpin\"}") == 1
              && sample(1, "ferry_pins{status=\"pinned\"}") == 2);
    }
  }

  private String metrics(int node) {
    return Http.get(cluster.apiPort(node), "/metrics").body();
  }

  /** The value of the series named exactly {@code series} (name and labels) on node {@code node}. */
  private double sample(int node, String series) {
    return metrics(node).lines().filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1).split(" ")[0]))
        .orElseThrow(() -> new AssertionError("no series " + series + " on node" + node));
  }

  private static JsonObject pin(String cid) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("replication_min", 1).put("replication_max", 1);
  }


}
