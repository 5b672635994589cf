package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracker's state sync against a real js-ipfs daemon: a pin removed on the daemon behind the
 * cluster's back is {@code unexpectedly_unpinned} until it is pinned again; a pin the pinset does
 * not know is counted, never unpinned. One node, one pin at a time on its daemon, so a pin of
 * content nobody has holds the queue while the test looks at what waits behind it.
 */
@Timeout(180)
class PinStateSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int SYNC_INTERVAL_MS = 300;
  @TempDir
  static Path dir;
  private static IpfsCluster nodes;
  private static JvmCluster cluster;

  @BeforeAll
  static void start() {
    nodes = IpfsCluster.start(dir, 1, i -> new JsonObject().put("pin", new JsonObject()
        .put("concurrent_pins", 1).put("state_sync_interval_ms", SYNC_INTERVAL_MS).put("pin_timeout_ms", 10_000)
        .put("recover_interval_ms", 600_000)));
    cluster = nodes.nodes();
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void aPinRemovedOnTheDaemonIsUnexpectedlyUnpinnedUntilTheSyncHasPinnedItAgain() {
    Cid kept = nodes.content(1, "kept");
    pin(kept);
    Eventually.await("the pin to be pinned", WAIT, () -> "pinned".equals(status(kept)));
    double repairsBefore = counter("ferry.pin.state.sync.repairs");

    // content nobody has: its pin holds the one slot for pin_timeout_ms, so a repair waits visibly behind it
    Cid nowhere = Cid.parse(nodes.daemon(1).cidOf(("nowhere " + System.nanoTime()).getBytes()));
    pin(nowhere);
    Eventually.await("the unfindable pin to hold the daemon", WAIT, () -> "pinning".equals(status(nowhere)));
    Futures.await(nodes.ipfs(1).unpin(kept), WAIT);

    Eventually.await("the state sync to notice the pin is gone", WAIT,
        () -> "unexpectedly_unpinned".equals(status(kept)));
    assertThat(nodes.pinnedOn(1, kept)).isFalse();
    Eventually.await("the pin to be pinned again once the slot is free", WAIT,
        () -> "pinned".equals(status(kept)) && nodes.pinnedOn(1, kept));
    assertThat(counter("ferry.pin.state.sync.repairs") - repairsBefore).isEqualTo(1);
    Eventually.await("the unfindable pin to fail", WAIT, () -> "pin_error".equals(status(nowhere)));
    unpin(nowhere);
  }

  @Test
  void aPinThePinsetDoesNotKnowIsCountedAndLeftPinned() {
    Cid foreign = Futures.await(nodes.ipfs(1).add(Buffer.buffer("foreign " + System.nanoTime()), "f.txt"), WAIT);
    Eventually.await("a state sync to count the foreign pin", WAIT, () -> gauge("ferry.pins.unexpected") == 1);
    double syncs = counter("ferry.pin.state.syncs");
    Eventually.await("two more state syncs", WAIT, () -> counter("ferry.pin.state.syncs") >= syncs + 2);
    assertThat(nodes.pinnedOn(1, foreign)).as("left pinned on the daemon").isTrue();
    assertThat(status(foreign)).isEqualTo("unpinned");
    Futures.await(nodes.ipfs(1).unpin(foreign), WAIT);
    Eventually.await("the count to drop once it is gone", WAIT, () -> gauge("ferry.pins.unexpected") == 0);
  }

  @Test
  void aDirectPinIsPinnedDirectlyOnTheDaemonAndStateSyncsLeaveItPinned() {
    Cid direct = nodes.content(1, "direct");
    ask(Addresses.PIN, new JsonObject().put("op", "pin").put("cid", direct.toString()).put("mode", "direct"));
    Eventually.await("the direct pin to be pinned", WAIT, () -> "pinned".equals(status(direct)));
    assertThat(nodes.pinnedDirectlyOn(1, direct)).as("pinned directly").isTrue();
    assertThat(nodes.pinnedOn(1, direct)).as("not recursively").isFalse();

    double repairsBefore = counter("ferry.pin.state.sync.repairs");
    double syncs = counter("ferry.pin.state.syncs");
    Eventually.await("two more state syncs", WAIT, () -> counter("ferry.pin.state.syncs") >= syncs + 2);
    assertThat(status(direct)).isEqualTo("pinned");
    assertThat(counter("ferry.pin.state.sync.repairs")).isEqualTo(repairsBefore);

    unpin(direct);
    Eventually.await("the direct pin to be removed from the daemon", WAIT, () -> !nodes.pinnedDirectlyOn(1, direct));
  }

  private static void pin(Cid cid) {
    ask(Addresses.PIN, new JsonObject().put("op", "pin").put("cid", cid.toString()));
  }

  private static void unpin(Cid cid) {
    ask(Addresses.PIN, new JsonObject().put("op", "unpin").put("cid", cid.toString()));
  }

  /** Node 1's own status of {@code cid}, as its tracker holds it. */
  private static String status(Cid cid) {
    return TrackerAsk.status(cluster, cid.toString());
  }

  private static JsonObject ask(String address, JsonObject request) {
    return TrackerAsk.ask(cluster, address, request);
  }

  private static double counter(String name) {
    return meters().get(name).counter().count();
  }

  private static double gauge(String name) {
    return meters().get(name).gauge().value();
  }

  private static MeterRegistry meters() {
    return cluster.node(1).meters();
  }
}
