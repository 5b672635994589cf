package dev.ferry.pin.monitor;

import static dev.ferry.pin.monitor.MetricsMonitorTest.array;
import static dev.ferry.pin.monitor.MetricsMonitorTest.assertIpfsClusterMetric;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three node processes of the fat jar with fast monitor timings: one is killed with kill -9 (by
 * PID), and within twice the ping TTL a surviving node lists the dead node's {@code ping} alert
 * in IPFS Cluster's {@code api.Alert} shape on {@code GET /health/alerts}, {@code ferry ctl health
 * alerts} prints it, and a TCP event-bus bridge client subscribed to {@code ferry.events.alerts}
 * on that node receives it; once the node is started again on its data dir, the alert clears,
 * with a clearing event. The in-JVM cases (a graceful stop) are {@link MetricsMonitorTest}'s.
 */
@Timeout(180)
class MonitorAlertIT {
  /** Longer than the in-JVM test's, so a loaded machine's pause is not a missed ping. */
  private static final long PING_TTL_MS = 2_000;
  private static final Duration FORM = Duration.ofSeconds(90);

  @Test
  void aNodeKilledWithKill9RaisesAPingAlertOnTheSurvivorsWithinTwicePingTtlThatClearsWhenItReturns() throws Exception {
    int bridgePort = Ports.free(1).get(0);
    JsonObject monitor = MetricsMonitorTest.fastMonitor().put("ping_ttl_ms", PING_TTL_MS)
        .put("metric_ttl_ms", PING_TTL_MS);
    try (ProcessCluster cluster = TestCluster.processes(3, i -> {
      JsonObject settings = new JsonObject().put("pin", new JsonObject().put("monitor", monitor.copy()));
      return i == 1 ? settings.put("bridge", new JsonObject().put("tcp_port", bridgePort)) : settings;
    })) {
      int api = cluster.apiPort(1);
      Eventually.await("node3 up", FORM, () -> Http.get(cluster.apiPort(3), "/id").statusCode() == 200);
      String node3 = new JsonObject(Http.get(cluster.apiPort(3), "/id").body()).getString("id");
      Eventually.await("every node's ping on node1 and node2", FORM,
          () -> array(api, "/monitor/metrics/ping").size() == 3
              && array(cluster.apiPort(2), "/monitor/metrics/ping").size() == 3);
      assertThat(array(api, "/health/alerts")).isEmpty();

      try (AlertEvents events = AlertEvents.subscribe(bridgePort)) {
        long pid = cluster.process(3).pid();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -9 " + pid).isZero();
        long killed = System.nanoTime();
        Eventually.await("node3 (PID " + pid + ") to exit", Duration.ofSeconds(10), () -> !cluster.process(3).isAlive());

        Eventually.await("node3's ping alert on node1", Duration.ofMillis(2 * PING_TTL_MS + 10_000),
            () -> array(api, "/health/alerts").size() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("time from the kill to the alert")
            .isLessThan(Duration.ofMillis(2 * PING_TTL_MS));
        JsonObject alert = array(api, "/health/alerts").getJsonObject(0);
        assertIpfsClusterMetric(alert, "ping");
        assertThat(alert.getString("peer")).isEqualTo(node3);
        assertThat(alert.getString("value")).isEmpty();
        assertThat(OffsetDateTime.parse(alert.getString("triggered_at"))).isNotNull();
        Eventually.await("node3's ping alert on node2", Duration.ofSeconds(10),
            () -> array(cluster.apiPort(2), "/health/alerts").stream()
                .anyMatch(a -> node3.equals(((JsonObject) a).getString("peer"))));

        CommandRun ctl = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + api, "health", "alerts");
        assertThat(ctl.code()).as(ctl.err()).isZero();
        assertThat(ctl.lines()).singleElement().asString()
            .startsWith(node3 + ": ping. Expired at: ").contains(". Triggered at: ");

        JsonObject event = events.await(Duration.ofSeconds(10));
        assertThat(event.getString("peer")).isEqualTo(node3);
        assertThat(event.getString("name")).isEqualTo("ping");
        assertThat(event.getString("node")).isEqualTo(cluster.name(3));
        assertThat(event.getBoolean("cleared")).isFalse();

        // the killed node comes back on the same data dir: its alert clears, with an event saying so
        cluster.restart(3);
        Eventually.await("node3's alert to clear on node1 after its restart", FORM,
            () -> array(api, "/health/alerts").isEmpty());
        JsonObject clearing = events.await(2, Duration.ofSeconds(10));
        assertThat(clearing.getString("peer")).isEqualTo(node3);
        assertThat(clearing.getBoolean("cleared")).isTrue();
      }
    }
  }

  /**
   * A TCP event-bus bridge client (4-byte big-endian length, then a JSON frame) registered on
   * {@code ferry.events.alerts}; its reader thread keeps every event's body.
   */
  private static final class AlertEvents implements AutoCloseable {
    private final Socket socket;
    private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private AlertEvents(Socket socket) {
      this.socket = socket;
      this.reader = new Thread(this::read, "alert-events");
      reader.setDaemon(true);
      reader.start();
    }

    static AlertEvents subscribe(int port) throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      byte[] frame = new JsonObject().put("type", "register").put("address", Addresses.ALERT_EVENTS).encode()
          .getBytes(StandardCharsets.UTF_8);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(frame.length);
      out.write(frame);
      out.flush();
      return new AlertEvents(socket);
    }

    private void read() {
      try {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        while (true) {
          byte[] bytes = new byte[in.readInt()];
          in.readFully(bytes);
          JsonObject frame = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
          if ("message".equals(frame.getString("type"))) {
            bodies.add(frame.getJsonObject("body"));
          } else if ("err".equals(frame.getString("type"))) {
            bodies.add(new JsonObject().put("bridge-error", frame.encode()));
          }
        }
      } catch (IOException e) {
        // closed by the test, or by the node: await() then says nothing came
      }
    }

    /** The first event, waiting up to {@code timeout}. */
    JsonObject await(Duration timeout) {
      return await(1, timeout);
    }

    /** The {@code n}th event (from 1), waiting up to {@code timeout}. */
    JsonObject await(int n, Duration timeout) {
      Eventually.await("event " + n + " on " + Addresses.ALERT_EVENTS + " through the TCP bridge", timeout,
          () -> bodies.size() >= n);
      return bodies.get(n - 1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
