package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.ask;
import static dev.ferry.pin.TrackerAsk.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.RaftClient;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that restarts keeps its statuses: its tracker reads the pinset from its replica a page at
 * a time and compares it with the daemon's pins, so what the daemon pins is {@code pinned} again
 * without a single {@code pin/add}, and only what the daemon lost meanwhile is pinned again. The
 * daemon is a real js-ipfs daemon behind a relay that counts the calls reaching it. The node stops
 * cleanly, so its replica snapshots the pins at shutdown ({@code raft.shutdown_snapshot_ms}) and
 * restarts from that snapshot with no op of the log to replay.
 */
@Timeout(180)
class PinRestartTest {
  private static final String PINS = "pins";

  @TempDir
  Path dir;

  @Test
  void aRestartedNodeKeepsItsStatusesWithoutPinningAgainWhatItsDaemonPins() throws Exception {
    try (IpfsDaemon daemon = IpfsDaemon.start(dir.resolve("ipfs")); CountingRelay relay = new CountingRelay(daemon.api());
         JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
             .put("ipfs", new JsonObject().put("api", relay.api().toString()))
             // pages of two pins: the restart reads the pinset in several pages
             .put("pin", new JsonObject().put("list_page_size", 2)), i -> Map.of())) {
      List<String> cids = daemon.addUnpinned(IntStream.range(0, 5)
          .mapToObj(n -> ("restart " + n + " " + System.nanoTime()).getBytes()).toList());
      Eventually.await("the pinset to take the first pin", WAIT, () -> ask(cluster, Addresses.PIN, pin(cids.get(0))) != null);
      cids.subList(1, cids.size()).forEach(cid -> ask(cluster, Addresses.PIN, pin(cid)));
      Eventually.await("every pin to be pinned", WAIT, () -> cids.stream().allMatch(c -> "pinned".equals(status(cluster, c))));
      assertThat(daemon.pins()).containsAll(cids);
      cids.forEach(cid -> assertThat(relay.calls("pin/add", cid)).as("pin/add of %s", cid).isEqualTo(1));

      GroupStatus before = await(RaftClient.forNode(cluster.node(1)).status(PINS));
      assertThat(before.snapshotIndex()).as("no snapshot by ops or entries yet").isLessThan(before.commitIndex());
      cluster.stop(1);
      String lost = cids.get(2);
      unpinOnDaemon(daemon, lost);   // behind the cluster's back, while the node is down
      cluster.restart(1);

      Eventually.await("every pin to be pinned after the restart", WAIT,
          () -> cids.stream().allMatch(c -> "pinned".equals(status(cluster, c))));
      assertThat(await(RaftClient.forNode(cluster.node(1)).status(PINS)).snapshotIndex())
          .as("the snapshot taken at shutdown, restored").isGreaterThanOrEqualTo(before.commitIndex());
      Counter replayed = cluster.node(1).meters().find("ferry.raft.applied.ops").tag("group", PINS).counter();
      assertThat(replayed).isNotNull();
      assertThat(replayed.count()).as("pins ops replayed from the log after the restart").isZero();
      assertThat(daemon.pins()).containsAll(cids);
      for (String cid : cids) {
        assertThat(relay.calls("pin/add", cid)).as("pin/add of %s", cid).isEqualTo(cid.equals(lost) ? 2 : 1);
      }
      assertThat(relay.calls("pin/ls", "")).as("the daemon's pins listed at each start").isGreaterThanOrEqualTo(2);
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer in " + WAIT, e);
    }
  }

  private static void unpinOnDaemon(IpfsDaemon daemon, String cid) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            daemon.api().resolve("/api/v0/pin/rm?arg=" + cid)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static JsonObject pin(String cid) {
    return new JsonObject().put("op", "pin").put("cid", cid);
  }


}
