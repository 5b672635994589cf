package dev.ferry.circuit.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.CircuitTesting;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The circuit payload codec: the bytes of Vert.x's Buffer codec, without the copies. */
class PayloadCodecTest {
  private final PayloadCodec codec = PayloadCodec.INSTANCE;

  @Test
  void aPayloadEncodedAfterOtherFieldsDecodesToTheSameBytes() {
    Buffer payload = CircuitTesting.bytes(256 * 1024, 7);
    Buffer frame = Buffer.buffer().appendString("headers before the body");
    int bodyAt = frame.length();
    codec.encodeToWire(frame, payload);
    assertThat(frame.length()).isEqualTo(bodyAt + Integer.BYTES + payload.length());
    assertThat(frame.getInt(bodyAt)).as("the same layout as Vert.x's Buffer codec").isEqualTo(payload.length());
    assertThat(codec.decodeFromWire(bodyAt, frame)).isEqualTo(payload);
  }

  @Test
  void noPayloadTravelsAsAnEmptyOne() {
    Buffer frame = Buffer.buffer();
    codec.encodeToWire(frame, null);
    assertThat(codec.decodeFromWire(0, frame)).isEqualTo(Buffer.buffer());
    assertThat(codec.transform(null)).isNull();
  }

  @Test
  void withinOneNodeThePayloadIsSharedNotCopied() {
    Buffer payload = Buffer.buffer("shared");
    Buffer delivered = codec.transform(payload);
    assertThat(delivered).isEqualTo(payload);
    payload.setByte(0, (byte) 'S');   // only to observe sharing: senders must not do this after send
    assertThat(delivered.toString()).isEqualTo("Shared");
  }
}
