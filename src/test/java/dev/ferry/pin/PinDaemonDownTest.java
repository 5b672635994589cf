package dev.ferry.pin;

import static dev.ferry.pin.TrackerAsk.WAIT;
import static dev.ferry.pin.TrackerAsk.ask;
import static dev.ferry.pin.TrackerAsk.trackerStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose IPFS daemon is down: pin requests are answered at once (the pinset takes them; the
 * daemon is the tracker's business), the pins are {@code pin_error} naming the daemon's address
 * and are tried again until the daemon comes up and they are pinned.
 */
@Timeout(120)
class PinDaemonDownTest {
  @Test
  void pinsToADownDaemonAreAnsweredAtOnceFailNamingItAndArePinnedOnceItIsUp() {
    int port = Ports.free(1).get(0);
    String api = "http://127.0.0.1:" + port;
    try (JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", api))
        .put("pin", new JsonObject().put("recover_interval_ms", 300).put("max_attempts", 1000)), i -> Map.of())) {
      String cid = PinSetTest.cid(700);
      Eventually.await("the pinset to take the pin", WAIT, () -> ask(cluster, Addresses.PIN,
          new JsonObject().put("op", "pin").put("cid", cid)) != null);
      Eventually.await("the pin to fail naming the daemon", WAIT, () -> "pin_error".equals(trackerStatus(cluster, cid)
          .getString("status")));
      assertThat(trackerStatus(cluster, cid).getString("error")).contains(api).contains("ipfs.api");
      Eventually.await("the pin to be tried again", WAIT, () -> trackerStatus(cluster, cid).getInteger("attempts") >= 3);

      // the request path does not wait for the daemon: another pin is answered while none is reachable
      String another = PinSetTest.cid(701);
      long started = System.nanoTime();
      assertThat(ask(cluster, Addresses.PIN, new JsonObject().put("op", "pin").put("cid", another))
          .getString("cid")).isEqualTo(another);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

      try (HeldDaemon daemon = new HeldDaemon(port)) {
        daemon.release();
        Eventually.await("both pins to be pinned once the daemon is up", WAIT,
            () -> "pinned".equals(trackerStatus(cluster, cid).getString("status"))
                && "pinned".equals(trackerStatus(cluster, another).getString("status")));
        assertThat(daemon.calls("pin/add", cid)).isEqualTo(1);
      }
    }
  }


}
