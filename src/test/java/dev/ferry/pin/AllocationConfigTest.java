package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.ConfigSection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code pin.allocate_by}, {@code pin.freespace_step_bytes} and {@code pin.min_freespace_bytes}:
 * IPFS Cluster's default, a 16 MiB reserve (0 allowed: none), and bad values named.
 */
class AllocationConfigTest {
  private static AllocationConfig read(String key, Object value) {
    JsonObject config = ConfigLayers.defaults();
    config.getJsonObject("pin").put(key, value);
    return AllocationConfig.from(ConfigSection.root(config).section("pin"));
  }

  @Test
  void theDefaultIsIpfsClustersBalancedAllocation() {
    AllocationConfig config = AllocationConfig.from(ConfigSection.root(ConfigLayers.defaults()).section("pin"));
    assertThat(config.allocateBy()).containsExactly("tag:group", "freespace");
    assertThat(config.freespaceStep()).isEqualTo(1_000_000_000L);
    assertThat(config.minFreespace()).isEqualTo(16L * 1024 * 1024);
    assertThat(read("min_freespace_bytes", 0).minFreespace()).isZero();
    assertThat(read("allocate_by", new JsonArray()).allocateBy()).isEmpty();
    assertThat(read("allocate_by", new JsonArray(List.of("tag:region", "numpin", "pinqueue"))).allocateBy())
        .containsExactly("tag:region", "numpin", "pinqueue");
  }

  @Test
  void anUnknownOrRepeatedMetricIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> read("allocate_by", new JsonArray().add("disk"))).isInstanceOf(ConfigException.class)
        .hasMessage("pin.allocate_by: expected metric names among [freespace, numpin, pinqueue] or tag:<key> (a key of "
            + "pin.tags), got 'disk' at [0]");
    assertThatThrownBy(() -> read("allocate_by", new JsonArray().add("tag:"))).hasMessageContaining("got 'tag:'");
    assertThatThrownBy(() -> read("allocate_by", new JsonArray().add("freespace").add("freespace")))
        .hasMessage("pin.allocate_by: 'freespace' is named twice");
    assertThatThrownBy(() -> read("allocate_by", "freespace")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("pin.allocate_by: expected a JSON array");
    assertThatThrownBy(() -> read("freespace_step_bytes", 0)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.freespace_step_bytes: expected a positive integer, got 0");
    assertThatThrownBy(() -> read("min_freespace_bytes", -1)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.min_freespace_bytes: expected a non-negative number of bytes (0: no reserve), got -1");
  }
}
