package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.ask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tracker that reads the pinset two pins a page while other nodes keep pinning ends with the
 * pinset's allocations, not a mix of the pages' moments: every pin is {@code remote} on the
 * restarted node exactly when the pinset allocates it elsewhere. Three nodes, a stand-in daemon each.
 */
@Timeout(180)
class PinsetFollowerTest {
  @Test
  void aMirrorReadPageByPageWhilePinsAreWrittenEndsEqualToThePinset() throws InterruptedException {
    List<HeldDaemon> daemons = IntStream.range(0, 3).mapToObj(n -> new HeldDaemon()).toList();
    daemons.forEach(HeldDaemon::release);
    try (Closing stands = () -> daemons.forEach(HeldDaemon::close); JvmCluster cluster = TestCluster.inJvm(3, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemons.get(i - 1).api().toString()))
        .put("pin", new JsonObject().put("list_page_size", 2)), i -> Map.of())) {
      cluster.awaitFullMembership();
      AtomicInteger next = new AtomicInteger(1000);
      Eventually.await("the pinset to take the first pin", WAIT, () -> ask(cluster, Addresses.PIN,
          pin(PinSetTest.cid(next.getAndIncrement()))) != null);
      IntStream.range(0, 60).forEach(n -> ask(cluster, Addresses.PIN, pin(PinSetTest.cid(next.getAndIncrement()))));

      cluster.stop(3);
      AtomicBoolean read = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!read.get() && System.nanoTime() < until) {
          try {
            ask(cluster, Addresses.PIN, pin(PinSetTest.cid(next.getAndIncrement())));
          } catch (RuntimeException e) {
            // node3 may have been the leader: writes fail with no-leader until the others elect one
          }
        }
      }, "pin-writer");
      writer.start();
      cluster.restart(3);
      // pins go on being written until the restarted tracker has read the pinset and compared its daemon
      Eventually.await("node3's tracker to have read the pinset", WAIT,
          () -> cluster.node(3).meters().get("ferry.pin.state.syncs").counter().count() >= 1);
      read.set(true);
      writer.join();

      List<JsonObject> pins = pinset(cluster);
      assertThat(pins).hasSizeGreaterThan(61);
      Eventually.await("node3 to hold every pin the pinset allocates it, and no other", WAIT,
          () -> pins.stream().allMatch(pin -> remoteOnNode3(cluster, pin.getString("cid"))
              != pin.getJsonArray("allocations").contains(cluster.name(3))));
    }
  }

  /** Closes without a checked exception. */
  private interface Closing extends AutoCloseable {
    @Override
    void close();
  }

  /** Every pin, read a page at a time from node 1's replica. */
  private static List<JsonObject> pinset(JvmCluster cluster) {
    List<JsonObject> pins = new ArrayList<>();
    JsonObject page;
    do {
      JsonObject list = new JsonObject().put("op", "list").put("local", true);
      if (!pins.isEmpty()) {
        list.put("after", pins.get(pins.size() - 1).getString("cid"));
      }
      page = ask(cluster, Addresses.PIN, list);
      page.getJsonArray("pins").forEach(pin -> pins.add((JsonObject) pin));
    } while (page.getBoolean("more", false));
    return pins;
  }

  private static boolean remoteOnNode3(JvmCluster cluster, String cid) {
    return "remote".equals(ask(cluster, Addresses.nodePin(cluster.name(3)),
        new JsonObject().put("op", "status").put("cid", cid)).getString("status"));
  }

  private static JsonObject pin(String cid) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("replication_min", 1).put("replication_max", 1);
  }
}
