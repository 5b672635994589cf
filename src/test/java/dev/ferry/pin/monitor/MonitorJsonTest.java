package dev.ferry.pin.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link MonitorClient} reads the monitor's answers into {@link Metric}s and {@link Alert}s, and the
 * HTTP API writes them out again: IPFS Cluster's JSON must come out exactly as the monitor wrote it,
 * nodes named by peer ID.
 */
class MonitorJsonTest {
  private static final UnaryOperator<String> PEER_ID = node -> "12D3KooW" + node;

  @Test
  void aMetricAndAnAlertReadFromTheirJsonWriteTheSameJsonAgain() {
    Metric metric = new Metric("tag:group", "node2", "east", 3, true, true, 1_800_000_000_000_000_000L,
        1_799_999_990_000_000_001L);
    JsonObject sent = metric.toClusterJson(PEER_ID);
    Metric read = Metric.fromClusterJson(sent);
    assertThat(read.peer()).isEqualTo("12D3KooWnode2");
    assertThat(read.toClusterJson(UnaryOperator.identity()).encode()).isEqualTo(sent.encode());

    JsonObject alert = new Alert(metric, Instant.parse("2026-12-03T12:00:00.123456789Z")).toClusterJson(PEER_ID);
    assertThat(Alert.fromClusterJson(alert).toClusterJson(UnaryOperator.identity()).encode()).isEqualTo(alert.encode());
  }
}
