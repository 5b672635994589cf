package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.node.FerryException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PinOptionsTest {
  @Test
  void replicationSetsBothBoundsAndEachBoundOverridesIt() {
    assertThat(PinOptions.fromQuery(Map.of("replication", "2")::get)).isEqualTo(new PinOptions(null, 2, 2));
    assertThat(PinOptions.fromQuery(Map.of("replication", "2", "replication-max", "3", "name", "doc")::get))
        .isEqualTo(new PinOptions("doc", 2, 3));
    assertThat(PinOptions.fromQuery(Map.<String, String>of()::get)).isEqualTo(PinOptions.DEFAULTS);
  }

  @Test
  void aFallbackNameIsUsedOnlyWithoutANameAndCutToThePinLimit() {
    assertThat(new PinOptions("mine", 1, 1).orName("file.txt").name()).isEqualTo("mine");
    assertThat(PinOptions.DEFAULTS.orName("x".repeat(300)).name()).hasSize(Pin.MAX_NAME_LENGTH);
  }

  @Test
  void aBoundThatIsNotAWholeNumberIsNamed() {
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication-min", "two")::get))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("replication-min: expected a whole number (-1 for every node), got 'two'");
  }

  @Test
  void aMinimumAboveTheMaximumNamesBothParameters() {
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication-min", "3", "replication-max", "2")::get))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("replication-min (3) must not exceed replication-max (2)");
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication", "-1", "replication-max", "2")::get))
        .hasMessageContaining("replication (-1, every node) must not exceed replication-max (2)");
    // every node is above any number, and a bound the query leaves out is the service's to check
    assertThat(PinOptions.fromQuery(Map.of("replication-min", "2", "replication-max", "-1")::get))
        .isEqualTo(new PinOptions(null, 2, -1));
    assertThat(PinOptions.fromQuery(Map.of("replication-min", "5")::get)).isEqualTo(new PinOptions(null, 5, null));
  }
}
