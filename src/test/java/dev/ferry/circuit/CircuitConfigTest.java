package dev.ferry.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code circuit} settings: defaults from conf/node.json, overrides, and bad values that name their key. */
class CircuitConfigTest {
  private static CircuitConfig with(String... settings) {
    JsonObject defaults = ConfigLayers.defaults();
    return CircuitConfig.from(ConfigLayers.merge(defaults, ConfigLayers.fromSettings(defaults, List.of(settings))));
  }

  @Test
  void theLinkIsOnWithAFreePortByDefault() {
    CircuitConfig config = with();
    assertThat(config.link()).isTrue();
    assertThat(config.linkPort()).isZero();
    assertThat(config.maxPayloadBytes()).isEqualTo(1024 * 1024);
  }

  @Test
  void theLinkCanBeTurnedOffAndGivenAPort() {
    CircuitConfig config = with("circuit.link=false", "circuit.link_port=9097");
    assertThat(config.link()).isFalse();
    assertThat(config.linkPort()).isEqualTo(9097);
  }

  @Test
  void badValuesNameTheirKey() {
    JsonObject section = ConfigLayers.defaults().getJsonObject("circuit");
    assertThatThrownBy(() -> CircuitConfig.from(new JsonObject().put("circuit", section.copy().put("link", "yes"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("circuit.link: expected true or false");
    assertThatThrownBy(() -> CircuitConfig.from(new JsonObject().put("circuit", section.copy().put("link_port", 70000))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("circuit.link_port").hasMessageContaining("70000");
    assertThatThrownBy(() -> CircuitConfig.from(new JsonObject().put("circuit", section.copy().put("link_port", -1))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("circuit.link_port");
  }
}
