package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.request;
import static dev.ferry.pin.TrackerAsk.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.pin.monitor.MetricsMonitorTest;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tracker's queue on one node whose daemon is a stand-in that counts the calls running on it
 * at once (a real daemon cannot tell): never more than {@code pin.concurrent_pins}, the rest
 * {@code pin_queued}, as the {@code pinqueue} metric says (and {@code numpin} the pins pinned);
 * an unpin that fails is {@code unpin_error} and retried like a failed pin.
 */
@Timeout(120)
class PinTrackerQueueTest {
  private static final int CONCURRENT = 3;

  @Test
  void atMostConcurrentPinsCallsRunOnTheDaemonAndTheRestWaitQueued() {
    try (HeldDaemon daemon = new HeldDaemon(); JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemon.api().toString()))
        .put("pin", new JsonObject().put("concurrent_pins", CONCURRENT).put("recover_interval_ms", 500)
            // metrics every 200 ms, valid a minute: a loaded machine cannot let them lapse mid-test
            .put("monitor", MetricsMonitorTest.fastMonitor().put("metric_ttl_ms", 60_000))),
        i -> Map.of())) {
      List<String> cids = IntStream.range(0, 12).mapToObj(n -> PinSetTest.cid(300 + n)).toList();
      Eventually.await("the pinset to take the first pin", WAIT, () -> Futures.await(request(cluster, Addresses.PIN,
          pin(cids.get(0))), WAIT) != null);
      cids.subList(1, cids.size()).forEach(cid -> Futures.await(request(cluster, Addresses.PIN, pin(cid)), WAIT));

      Eventually.await(CONCURRENT + " pins held on the daemon", WAIT, () -> daemon.running() == CONCURRENT);
      List<String> statuses = cids.stream().map(cid -> status(cluster, cid)).toList();
      assertThat(statuses).filteredOn("pinning"::equals).hasSize(CONCURRENT);
      assertThat(statuses).filteredOn("pin_queued"::equals).hasSize(cids.size() - CONCURRENT);
      // the informers publish what the tracker holds: the pins waiting (weight minus that, fewer first), none pinned
      int waiting = cids.size() - CONCURRENT;
      Eventually.await("pinqueue " + waiting, WAIT, () -> metric(cluster, "pinqueue").getString("value")
          .equals(Integer.toString(waiting)));
      assertThat(metric(cluster, "pinqueue").getLong("weight")).isEqualTo(-waiting);
      assertThat(metric(cluster, "numpin").getString("value")).isEqualTo("0");

      daemon.release();
      Eventually.await("every pin to be pinned", WAIT, () -> cids.stream().allMatch(c -> "pinned".equals(status(cluster, c))));
      assertThat(daemon.mostAtOnce()).isEqualTo(CONCURRENT);
      Eventually.await("numpin " + cids.size() + " and an empty pinqueue", WAIT,
          () -> metric(cluster, "numpin").getString("value").equals(Integer.toString(cids.size()))
              && metric(cluster, "pinqueue").getString("value").equals("0"));
      assertThat(metric(cluster, "numpin").getLong("weight")).isEqualTo(-cids.size());

      // the first unpin fails: unpin_error, then a retry after pin.recover_interval_ms succeeds
      daemon.failUnpins(1);
      String first = cids.get(0);
      Futures.await(request(cluster, Addresses.PIN, new JsonObject().put("op", "unpin").put("cid", first)), WAIT);
      Eventually.await("the failed unpin to be tried again and succeed", WAIT, () -> daemon.calls("pin/rm", first) == 2
          && "unpinned".equals(status(cluster, first)));
      cids.subList(1, cids.size()).forEach(cid -> Futures.await(request(cluster, Addresses.PIN,
          new JsonObject().put("op", "unpin").put("cid", cid)), WAIT));
      Eventually.await("every pin to be unpinned", WAIT, () -> cids.stream().allMatch(c -> "unpinned".equals(status(cluster, c))));
      assertThat(daemon.mostAtOnce()).isEqualTo(CONCURRENT);
      Eventually.await("numpin 0 once every pin is unpinned", WAIT,
          () -> metric(cluster, "numpin").getString("value").equals("0"));
    }
  }

  /** Node 1's metric {@code name} as its monitor serves it ({@code GET /monitor/metrics/{name}}). */
  private static JsonObject metric(JvmCluster cluster, String name) {
    JsonArray metrics = MetricsMonitorTest.array(cluster.apiPort(1), "/monitor/metrics/" + name);
    assertThat(metrics).as(name).hasSize(1);
    return metrics.getJsonObject(0);
  }

  @Test
  void anUnpinErrorIsReportedUntilItsRetrySucceeds() {
    try (HeldDaemon daemon = new HeldDaemon(); JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemon.api().toString()))
        .put("pin", new JsonObject().put("recover_interval_ms", 60_000)),
        i -> Map.of())) {
      daemon.release();
      String cid = PinSetTest.cid(400);
      Eventually.await("the pinset to take the pin", WAIT, () -> Futures.await(request(cluster, Addresses.PIN, pin(cid)),
          WAIT) != null);
      Eventually.await("the pin to be pinned", WAIT, () -> "pinned".equals(status(cluster, cid)));
      daemon.failUnpins(1);
      Futures.await(request(cluster, Addresses.PIN, new JsonObject().put("op", "unpin").put("cid", cid)), WAIT);
      Eventually.await("the unpin to fail", WAIT, () -> "unpin_error".equals(status(cluster, cid)));
      // recover asks for the retry at once, as for a pin_error
      Futures.await(request(cluster, Addresses.nodePin(cluster.name(1)),
          new JsonObject().put("op", "recover").put("cid", cid)), WAIT);
      Eventually.await("the retried unpin to succeed", WAIT, () -> "unpinned".equals(status(cluster, cid)));
      assertThat(daemon.calls("pin/rm", cid)).isEqualTo(2);
    }
  }

  @Test
  void moreConcurrentPinsThanVertxsDefaultPoolAllReachTheDaemonAtOnce() {
    int concurrent = PoolOptions.DEFAULT_MAX_POOL_SIZE + 3;
    try (HeldDaemon daemon = new HeldDaemon(); JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemon.api().toString()))
        .put("pin", new JsonObject().put("concurrent_pins", concurrent)), i -> Map.of())) {
      List<String> cids = IntStream.range(0, concurrent + 2).mapToObj(n -> PinSetTest.cid(800 + n)).toList();
      Eventually.await("the pinset to take the first pin", WAIT, () -> Futures.await(request(cluster, Addresses.PIN,
          pin(cids.get(0))), WAIT) != null);
      cids.subList(1, cids.size()).forEach(cid -> Futures.await(request(cluster, Addresses.PIN, pin(cid)), WAIT));
      Eventually.await(concurrent + " pins held on the daemon at once", WAIT, () -> daemon.running() == concurrent);
      daemon.release();
      Eventually.await("every pin to be pinned", WAIT, () -> cids.stream().allMatch(c -> "pinned".equals(status(cluster, c))));
      assertThat(daemon.mostAtOnce()).isEqualTo(concurrent);
    }
  }

  @Test
  void newPinsGoToTheDaemonBeforeRetries() {
    try (HeldDaemon daemon = new HeldDaemon(); JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemon.api().toString()))
        .put("pin", new JsonObject().put("concurrent_pins", 1).put("state_sync_interval_ms", 200)),
        i -> Map.of())) {
      daemon.release();
      String repaired = PinSetTest.cid(500);
      String holder = PinSetTest.cid(501);
      String fresh = PinSetTest.cid(502);
      Eventually.await("the pinset to take the pin", WAIT, () -> Futures.await(request(cluster, Addresses.PIN,
          pin(repaired)), WAIT) != null);
      Eventually.await("the pin to be pinned", WAIT, () -> "pinned".equals(status(cluster, repaired)));

      daemon.hold();
      Futures.await(request(cluster, Addresses.PIN, pin(holder)), WAIT);
      Eventually.await("a held pin to take the one slot", WAIT, () -> "pinning".equals(status(cluster, holder)));
      daemon.forget(repaired);   // a retry: the state sync queues it again, in the retry lane
      Eventually.await("the lost pin to wait for its repair", WAIT,
          () -> "unexpectedly_unpinned".equals(status(cluster, repaired)));
      Futures.await(request(cluster, Addresses.PIN, pin(fresh)), WAIT);
      Eventually.await("the new pin to wait", WAIT, () -> "pin_queued".equals(status(cluster, fresh)));

      daemon.release();
      Eventually.await("every pin to be pinned", WAIT, () -> List.of(repaired, holder, fresh).stream()
          .allMatch(c -> "pinned".equals(status(cluster, c))));
      List<String> order = daemon.order();
      int afterHolder = order.indexOf("pin/add " + holder) + 1;
      assertThat(order.subList(afterHolder, afterHolder + 2)).as("the calls after the held one")
          .containsExactly("pin/add " + fresh, "pin/add " + repaired);
    }
  }

  @Test
  void pinningTwiceUnpinningTwiceAndUnpinningWhilePinningEachHaveOneResult() {
    try (HeldDaemon daemon = new HeldDaemon(); JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemon.api().toString())), i -> Map.of())) {
      daemon.release();
      String twice = PinSetTest.cid(600);
      Eventually.await("the pinset to take the pin", WAIT, () -> Futures.await(request(cluster, Addresses.PIN,
          pin(twice)), WAIT) != null);
      JsonObject again = Futures.await(request(cluster, Addresses.PIN, pin(twice)), WAIT);
      assertThat(again.getString("cid")).isEqualTo(twice);
      assertThat(again.getJsonArray("allocations").getList()).containsExactly(cluster.name(1));
      Eventually.await("the pin to be pinned", WAIT, () -> "pinned".equals(status(cluster, twice)));
      assertThat(daemon.calls("pin/add", twice)).as("one pin on the daemon for two requests").isEqualTo(1);

      JsonObject unpin = new JsonObject().put("op", "unpin").put("cid", twice);
      Futures.await(request(cluster, Addresses.PIN, unpin), WAIT);
      // IPFS Cluster's answer to unpinning what the pinset does not hold: not found
      assertThat(Futures.cause(request(cluster, Addresses.PIN, unpin), WAIT).getMessage())
          .isEqualTo("not-found: no pin for " + twice + " in the pinset");
      Eventually.await("the pin to be unpinned", WAIT, () -> "unpinned".equals(status(cluster, twice)));
      assertThat(daemon.calls("pin/rm", twice)).isEqualTo(1);

      daemon.hold();
      String meanwhile = PinSetTest.cid(601);
      Futures.await(request(cluster, Addresses.PIN, pin(meanwhile)), WAIT);
      Eventually.await("the pin to run on the daemon", WAIT, () -> "pinning".equals(status(cluster, meanwhile)));
      Futures.await(request(cluster, Addresses.PIN, new JsonObject().put("op", "unpin").put("cid", meanwhile)), WAIT);
      assertThat(status(cluster, meanwhile)).as("an unpin waits for the pin running on the daemon").isEqualTo("unpin_queued");
      daemon.release();
      Eventually.await("the pin to end unpinned", WAIT, () -> "unpinned".equals(status(cluster, meanwhile))
          && daemon.calls("pin/rm", meanwhile) == 1);
      assertThat(daemon.calls("pin/add", meanwhile)).isEqualTo(1);
    }
  }

  private static JsonObject pin(String cid) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("replication_min", 1).put("replication_max", 1);
  }


}
