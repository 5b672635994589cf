package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mailbox.MessageCodec.Encoded;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EncodedCodecTest {
  private static final EncodedCodec CODEC = EncodedCodec.INSTANCE;

  @Test
  void aFrameAfterOtherFieldsDecodesToTheSameTypeAndJson() {
    Encoded sent = Encoded.ofText("dev.ferry.Sample", "{\"name\":\"zoë\",\"n\":1}");
    Buffer frame = Buffer.buffer().appendString("header bytes");
    CODEC.encodeToWire(frame, sent);
    Encoded received = CODEC.decodeFromWire("header bytes".length(), frame);
    assertThat(received.type()).isEqualTo(sent.type());
    assertThat(received.text()).isEqualTo(sent.text());
  }

  @Test
  void bridgesWriteItAsItsJson() {
    // what the SockJS and TCP bridges do with a message body they pass to a client
    Encoded sent = new Encoded("dev.ferry.Sample", "{\"name\":\"x\",\"tags\":[1,2]}".getBytes(StandardCharsets.UTF_8));
    JsonObject envelope = new JsonObject(new JsonObject().put("type", "rec").put("body", sent).encode());
    assertThat(envelope.getJsonObject("body"))
        .isEqualTo(new JsonObject().put("name", "x").put("tags", new JsonArray().add(1).add(2)));
  }
}
