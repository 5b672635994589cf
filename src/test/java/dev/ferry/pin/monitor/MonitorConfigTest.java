package dev.ferry.pin.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.ConfigSection;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code pin.tags} and {@code pin.monitor}: the shipped defaults, and bad values named with their key. */
class MonitorConfigTest {
  private static MonitorConfig read(JsonObject pin) {
    JsonObject config = ConfigLayers.defaults();
    config.getJsonObject("pin").mergeIn(pin, true);
    return MonitorConfig.from(ConfigSection.root(config).section("pin"));
  }

  private static JsonObject monitor(String key, Object value) {
    return new JsonObject().put("monitor", new JsonObject().put(key, value));
  }

  @Test
  void theShippedDefaultsAreIpfsClustersTimings() {
    MonitorConfig config = read(new JsonObject());
    assertThat(config.tags()).isEqualTo(Map.of("group", "default"));
    assertThat(config.pingInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(config.pingTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.metricTtl()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> read(monitor("ping_ttl_ms", 15000))).isInstanceOf(ConfigException.class)
        .hasMessage("pin.monitor.ping_ttl_ms: must be longer than ping_interval_ms (15000), or every node raises "
            + "alerts between its pings; got 15000");
    assertThatThrownBy(() -> read(monitor("metric_ttl_ms", 100))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("pin.monitor.metric_ttl_ms: must be longer than metric_interval_ms (15000)");
    assertThatThrownBy(() -> read(monitor("check_interval_ms", 0))).isInstanceOf(ConfigException.class)
        .hasMessage("pin.monitor.check_interval_ms: expected a positive number of milliseconds, got 0");
    assertThatThrownBy(() -> read(monitor("max_metric_names", 4))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("pin.monitor.max_metric_names: must be at least the 5 metrics this node publishes");
    assertThatThrownBy(() -> read(new JsonObject().put("tags", new JsonObject().put("region", 3))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("pin.tags.region: expected a string, got 3");
    assertThatThrownBy(() -> read(new JsonObject().put("tags", new JsonObject().put("region", ""))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pin.tags.region: expected the tag's value, a non-empty string");
  }
}
