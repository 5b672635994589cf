package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.ConfigSection;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pin section of conf/node.json (and {@code raft.backups}, which the pin verticle reads), read with the core section reader. */
class PinConfigTest {
  private static PinConfig read(String key, Object value) {
    JsonObject config = ConfigLayers.defaults();
    config.getJsonObject("pin").put(key, value);
    return PinConfig.from(ConfigSection.root(config).section("pin"));
  }

  @Test
  void theShippedDefaultsAreValid() {
    PinConfig config = PinConfig.from(ConfigSection.root(ConfigLayers.defaults()).section("pin"));
    assertThat(config.group()).isEqualTo("pins");
    assertThat(config.replicationMin()).isEqualTo(Pin.EVERYWHERE);
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theStateSyncIntervalIsAPositiveDuration() {
    assertThat(PinConfig.from(ConfigSection.root(ConfigLayers.defaults()).section("pin")).stateSyncInterval())
        .isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(() -> read("state_sync_interval_ms", 0)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.state_sync_interval_ms: expected a positive number of milliseconds, got 0");
  }

  @Test
  void aNodeThatLeftKeepsItsPinsAsLongAsAPingLivesByDefaultAndZeroMovesThemAtOnce() {
    JsonObject defaults = ConfigLayers.defaults();
    long pingTtl = defaults.getJsonObject("pin").getJsonObject("monitor").getLong("ping_ttl_ms");
    assertThat(PinConfig.from(ConfigSection.root(defaults).section("pin")).reallocateAfter())
        .isEqualTo(Duration.ofMillis(pingTtl));
    assertThat(read("reallocate_after_ms", 0).reallocateAfter()).isZero();
    assertThatThrownBy(() -> read("reallocate_after_ms", -1)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.reallocate_after_ms: expected a non-negative number of milliseconds (0: at once), got -1");
  }

  @Test
  void fivePinsetBackupsAreKeptByDefaultAndZeroIsNone() {
    JsonObject config = ConfigLayers.defaults();
    assertThat(RaftSettings.from(config).backups()).isEqualTo(5);
    config.getJsonObject("raft").put("backups", 0);
    assertThat(RaftSettings.from(config).backups()).isZero();
    config.getJsonObject("raft").put("backups", -1);
    assertThatThrownBy(() -> RaftSettings.from(config).backups())
        .isInstanceOf(ConfigException.class).hasMessage("raft.backups: expected a non-negative integer, got -1");
  }

  @Test
  void aListingsFirstPageIsSmallerThanTheOthersByDefault() {
    PinConfig config = PinConfig.from(ConfigSection.root(ConfigLayers.defaults()).section("pin"));
    assertThat(config.firstPage()).isEqualTo(100).isLessThan(config.listPage());
    assertThatThrownBy(() -> read("first_page_size", 0)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.first_page_size: expected a positive integer, got 0");
    assertThat(config.statusPart()).isEqualTo(5000).isGreaterThan(config.listPage());
    assertThatThrownBy(() -> read("status_part_size", 0)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.status_part_size: expected a positive integer, got 0");
  }

  @Test
  void aBadValueNamesItsFullKeyTheValueAndWhatIsExpected() {
    assertThatThrownBy(() -> read("retry_interval_ms", -5)).isInstanceOf(ConfigException.class)
        .hasMessage("pin.retry_interval_ms: expected a positive number of milliseconds, got -5");
    assertThatThrownBy(() -> read("replication_min", 0))
        .hasMessage("pin.replication_min: expected a positive integer or -1 (every node), got 0");
    assertThatThrownBy(() -> read("replication_max", -2))
        .hasMessage("pin.replication_max: expected a positive integer or -1 (every node), got -2");
    assertThatThrownBy(() -> read("group", ""))
        .hasMessage("pin.group: expected a non-empty string, got ''");
    assertThatThrownBy(() -> read("max_attempts", "5"))
        .hasMessage("pin.max_attempts: expected a positive integer, got '5'");
  }
}
