package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonInputTest {
  @Test
  void anObjectIsReadAsItIs() {
    assertThat(JsonInput.object("{\"cid\": \"Qm1\"}").getString("cid")).isEqualTo("Qm1");
  }

  @Test
  void malformedJsonSaysWhatAndWhereWithoutJacksonsSettings() {
    assertThatThrownBy(() -> JsonInput.object("{\"a\": 1,\n \"b\": nul}"))
        .isInstanceOf(FerryException.class)
        .hasMessageStartingWith("not JSON: Unrecognized token 'nul'")
        .hasMessageContaining("(at line 2, column")
        .hasMessageNotContaining("REDACTED")
        .hasMessageNotContaining("Failed to decode");
    assertThatThrownBy(() -> JsonInput.object("{} x")).hasMessageStartingWith("not JSON: Unrecognized token 'x'");
  }

  @Test
  void jsonThatIsNotAnObjectSaysWhatItIs() {
    assertThatThrownBy(() -> JsonInput.object("[1]")).hasMessage("expected a JSON object, got an array");
    assertThatThrownBy(() -> JsonInput.object("\"x\"")).hasMessage("expected a JSON object, got a string");
    assertThatThrownBy(() -> JsonInput.object("7")).hasMessage("expected a JSON object, got a number");
    assertThatThrownBy(() -> JsonInput.object("null")).hasMessage("expected a JSON object, got nothing (empty, or null)");
  }
}
