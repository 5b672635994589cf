package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Futures;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The tracker tests' questions to node 1 of an in-JVM cluster, over its event bus. */
final class TrackerAsk {
  static final Duration WAIT = Duration.ofSeconds(60);

  private TrackerAsk() {}

  /** Sends {@code request} to {@code address} from node 1; the answer's body. */
  static Future<JsonObject> request(JvmCluster cluster, String address, JsonObject request) {
    return cluster.node(1).vertx().eventBus().<JsonObject>request(address, request,
        new DeliveryOptions().setSendTimeout(WAIT.toMillis())).map(reply -> reply.body());
  }

  /** {@link #request}, awaited. */
  static JsonObject ask(JvmCluster cluster, String address, JsonObject request) {
    return Futures.await(request(cluster, address, request), WAIT);
  }

  /** Node 1's own status of {@code cid}, as its tracker holds it: {@code {"status", "error", "time", "attempts"}}. */
  static JsonObject trackerStatus(JvmCluster cluster, String cid) {
    return ask(cluster, Addresses.nodePin(cluster.name(1)), new JsonObject().put("op", "status").put("cid", cid));
  }

  /** The name of node 1's own status of {@code cid}. */
  static String status(JvmCluster cluster, String cid) {
    return trackerStatus(cluster, cid).getString("status");
  }
}
