package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UploadGate}'s bounds with no {@code api.max_add_bytes} (the default): a spooled upload
 * that declares no length reserves the most a body may hold, which must not overflow the sum
 * and let others in beside it, while a streamed upload reserves no bytes at all.
 */
class UploadGateTest {
  private static final long IN_FLIGHT = 1000;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void anUndeclaredSpooledUploadTakesTheWholeByteBoundAndStreamedOnesNone() {
    UploadGate gate = UploadGate.of(vertx, new UploadGate.Limits("test", 3, IN_FLIGHT, 5));

    var undeclared = gate.tryEnter(WebConfig.NO_MAXIMUM);   // alone, it fits: nothing bounds one upload's bytes
    assertThat(undeclared).isPresent();
    assertThat(gate.tryEnter(1)).as("a spooled byte beside it").isEmpty();
    assertThat(gate.tryEnter(WebConfig.NO_MAXIMUM)).as("another undeclared one (the sum would overflow)").isEmpty();
    var streamed = gate.tryEnter(0);
    assertThat(streamed).as("a streamed upload").isPresent();

    undeclared.get().close();
    var declared = gate.tryEnter(IN_FLIGHT);
    assertThat(declared).as("the whole bound, declared, once the undeclared one ended").isPresent();
    assertThat(gate.tryEnter(0)).as("a third upload: the count's bound").isPresent();
    assertThat(gate.tryEnter(0)).as("a fourth").isEmpty();
    assertThat(gate.busy().getMessage()).contains("test.max_concurrent_uploads");
  }
}
