package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The history's ring of samples and the settings that size it. */
class SampleRingTest {

  @Test
  void theRingKeepsTheNewestSamplesUpToItsCapacity() {
    SampleRing ring = new SampleRing(3);
    for (long t = 1; t <= 5; t++) {
      ring.add(new SampleRing.Sample(t, Map.of("heap.used", (double) t * 10)));
    }
    assertThat(ring.size()).isEqualTo(3);
    JsonObject columns = ring.toColumns();
    assertThat(columns.getJsonArray("times")).isEqualTo(new JsonArray().add(3L).add(4L).add(5L));
    assertThat(columns.getJsonObject("series").getJsonArray("heap.used"))
        .isEqualTo(new JsonArray().add(30.0).add(40.0).add(50.0));
  }

  @Test
  void aSeriesThatStartedLaterIsNullWhereSamplesLackIt() {
    SampleRing ring = new SampleRing(10);
    ring.add(new SampleRing.Sample(1, Map.of("cpu", 0.5)));
    ring.add(new SampleRing.Sample(2, Map.of("cpu", 0.25, "raft.pins.commits", 3.0)));
    JsonObject series = ring.toColumns().getJsonObject("series");
    assertThat(series.fieldNames()).containsExactlyInAnyOrder("cpu", "raft.pins.commits");
    assertThat(series.getJsonArray("raft.pins.commits")).isEqualTo(new JsonArray(Arrays.asList(null, 3.0)));
  }

  @Test
  void anEmptyRingHasNoColumns() {
    JsonObject columns = new SampleRing(1).toColumns();
    assertThat(columns.getJsonArray("times")).isEmpty();
    assertThat(columns.getJsonObject("series")).isEmpty();
  }

  @Test
  void theHistoryHoldsHistoryOverIntervalSamples() {
    DashboardConfig config = DashboardConfig.from(section(1000, 900_000));
    assertThat(config.samples()).isEqualTo(900);
  }

  @Test
  void aHistoryShorterThanOneSampleIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DashboardConfig.from(section(5000, 1000)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dashboard.history_ms").hasMessageContaining("sample_interval_ms");
  }

  @Test
  void aZeroIntervalIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DashboardConfig.from(section(0, 1000)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("dashboard.sample_interval_ms");
  }

  private static ConfigSection section(long interval, long history) {
    return ConfigSection.of("dashboard", new JsonObject().put("sample_interval_ms", interval).put("history_ms", history)
        .put("pins_page_max", 100).put("search_scan_max", 1000));
  }
}
