package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigSectionTest {
  private final ConfigSection root = ConfigSection.root(new JsonObject("""
      {"pin": {"retry_interval_ms": 1000, "bad_ms": -5, "text_ms": "soon", "zero_ms": 0, "big": 3000000000,
               "beat_ms": 2000, "odd_ms": 1500, "max_bytes": 5000000000, "group": "pins", "blank": " ",
               "on": true, "tags": ["a", "b"], "mixed": ["a", 1], "url": "http://127.0.0.1:5001",
               "not_url": "localhost", "port": 9094, "nested": {"deeper": {"n": 7}}}}"""));
  private final ConfigSection pin = root.section("pin");

  @Test
  void goodValuesAreReadAsTheirTypes() {
    assertThat(pin.millis("retry_interval_ms")).isEqualTo(Duration.ofSeconds(1));
    assertThat(pin.millisOrZero("zero_ms", "off")).isEqualTo(Duration.ZERO);
    assertThat(pin.wholeSeconds("beat_ms", "Hazelcast")).isEqualTo(Duration.ofSeconds(2));
    assertThat(pin.positiveLong("big")).isEqualTo(3_000_000_000L);
    assertThat(pin.bytes("max_bytes")).isEqualTo(5_000_000_000L);
    assertThat(pin.nonNegative("zero_ms")).isZero();
    assertThat(pin.string("group")).isEqualTo("pins");
    assertThat(pin.optionalString("blank")).isEmpty();
    assertThat(pin.optionalString("absent")).isEmpty();
    assertThat(pin.bool("on")).isTrue();
    assertThat(pin.strings("tags")).containsExactly("a", "b");
    assertThat(pin.strings("absent")).isEmpty();
    assertThat(pin.array("tags")).isEqualTo(new JsonArray(List.of("a", "b")));
    assertThat(pin.url("url")).isEqualTo(URI.create("http://127.0.0.1:5001"));
    assertThat(pin.port("port")).isEqualTo(9094);
    assertThat(pin.has("group")).isTrue();
    assertThat(pin.has("absent")).isFalse();
    assertThat(root.positive("pin.nested.deeper.n")).isEqualTo(7);
  }

  @Test
  void everyErrorNamesTheFullKeyTheValueAndWhatIsExpected() {
    assertThatThrownBy(() -> pin.millis("bad_ms"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pin.bad_ms: expected a positive number of milliseconds, got -5");
    assertThatThrownBy(() -> pin.millis("text_ms"))
        .hasMessage("pin.text_ms: expected a positive number of milliseconds, got 'soon'");
    assertThatThrownBy(() -> pin.positive("absent"))
        .hasMessage("pin.absent: expected a positive integer, got nothing (the key is missing or null)");
    assertThatThrownBy(() -> pin.positive("big"))
        .hasMessage("pin.big: expected a positive integer, got 3000000000");
    assertThatThrownBy(() -> pin.bytes("bad_ms"))
        .hasMessage("pin.bad_ms: expected a positive number of bytes, got -5");
    assertThatThrownBy(() -> pin.intBytes("max_bytes"))
        .hasMessageStartingWith("pin.max_bytes: expected a positive number of bytes up to 2147483647");
    assertThatThrownBy(() -> pin.nonNegative("bad_ms"))
        .hasMessage("pin.bad_ms: expected a non-negative integer, got -5");
    assertThatThrownBy(() -> pin.millisOrZero("bad_ms", "never"))
        .hasMessage("pin.bad_ms: expected a non-negative number of milliseconds (0: never), got -5");
    assertThatThrownBy(() -> pin.wholeSeconds("odd_ms", "MicroRaft"))
        .hasMessageStartingWith("pin.odd_ms: expected a whole number of seconds in milliseconds (a multiple of 1000")
        .hasMessageContaining("MicroRaft").hasMessageEndingWith("got 1500");
    assertThatThrownBy(() -> pin.string("blank")).hasMessage("pin.blank: expected a non-empty string, got ' '");
    assertThatThrownBy(() -> pin.bool("group")).hasMessage("pin.group: expected true or false, got 'pins'");
    assertThatThrownBy(() -> pin.strings("mixed")).hasMessage("pin.mixed[1]: expected a string, got 1");
    assertThatThrownBy(() -> pin.array("group")).hasMessage("pin.group: expected a JSON array, got 'pins'");
    assertThatThrownBy(() -> pin.url("not_url")).hasMessageStartingWith("pin.not_url: expected an absolute URL");
    assertThatThrownBy(() -> pin.portOrZero("big", "off"))
        .hasMessage("pin.big: expected a port up to 65535, or 0 (off), got 3000000000");
    assertThatThrownBy(() -> pin.integer("replication", -1, 10, "a positive integer or -1 (every node)"))
        .hasMessageStartingWith("pin.replication: expected a positive integer or -1 (every node), got nothing");
  }

  @Test
  void nestedSectionsCarryTheirDottedName() {
    ConfigSection deeper = pin.section("nested").section("deeper");
    assertThat(deeper.name()).isEqualTo("pin.nested.deeper");
    assertThat(deeper.key("n")).isEqualTo("pin.nested.deeper.n");
    assertThatThrownBy(() -> deeper.millis("n_ms")).hasMessageStartingWith("pin.nested.deeper.n_ms: ");
    assertThatThrownBy(() -> root.section("raft"))
        .hasMessageStartingWith("raft: the section is missing");
    assertThatThrownBy(() -> pin.section("group"))
        .hasMessage("pin.group: expected a section (a JSON object), got 'pins'");
    assertThat(pin.invalid("a", "b must be greater").getMessage()).isEqualTo("pin.a: b must be greater");
  }

  @Test
  void aSectionIsACopyThatLaterChangesToItsSourceDoNotReach() {
    JsonObject json = new JsonObject().put("n", 1);
    ConfigSection section = ConfigSection.of("x", json);
    json.put("n", 2);
    section.json().put("n", 3);
    assertThat(section.positive("n")).isEqualTo(1);
  }
}
