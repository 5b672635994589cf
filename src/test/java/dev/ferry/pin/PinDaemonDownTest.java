package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.eventbus.DeliveryOptions;
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
  private static final Duration WAIT = Duration.ofSeconds(60);

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
      Eventually.await("the pin to fail naming the daemon", WAIT, () -> "pin_error".equals(status(cluster, cid)
          .getString("status")));
      assertThat(status(cluster, cid).getString("error")).contains(api).contains("ipfs.api");
      Eventually.await("the pin to be tried again", WAIT, () -> status(cluster, cid).getInteger("attempts") >= 3);

      // the request path does not wait for the daemon: another pin is answered while none is reachable
      String another = PinSetTest.cid(701);
      long started = System.nanoTime();
      assertThat(ask(cluster, Addresses.PIN, new JsonObject().put("op", "pin").put("cid", another))
          .getString("cid")).isEqualTo(another);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

      try (HeldDaemon daemon = new HeldDaemon(port)) {
        daemon.release();
        Eventually.await("both pins to be pinned once the daemon is up", WAIT,
            () -> "pinned".equals(status(cluster, cid).getString("status"))
                && "pinned".equals(status(cluster, another).getString("status")));
        assertThat(daemon.calls("pin/add", cid)).isEqualTo(1);
      }
    }
  }

  /** Node 1's own status of {@code cid}, as its tracker holds it. */
  private static JsonObject status(JvmCluster cluster, String cid) {
    return ask(cluster, Addresses.nodePin(cluster.name(1)), new JsonObject().put("op", "status").put("cid", cid));
  }

  private static JsonObject ask(JvmCluster cluster, String address, JsonObject request) {
    return Futures.await(cluster.node(1).vertx().eventBus().<JsonObject>request(address, request,
        new DeliveryOptions().setSendTimeout(WAIT.toMillis())).map(reply -> reply.body()), WAIT);
  }
}
