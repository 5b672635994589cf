package dev.ferry.mailbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.ferry.mailbox.MessageCodec.Encoded;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The event-bus codec of encoded mailbox messages: one binary frame holding the type tag and the
 * JSON bytes. A header per message and JSON carried as a Java string cost the receiver about a
 * quarter of its time (docs/BENCHMARKS.md); this frame costs a length and a short tag. Bridge
 * clients never see it: the bridges write an {@link Encoded} body as its JSON ({@link AsJson}).
 *
 * <p>Frame: type length (unsigned short), type (UTF-8), JSON length (int), JSON. Within one node the
 * same immutable {@link Encoded} is handed over. Stateless.
 */
final class EncodedCodec implements io.vertx.core.eventbus.MessageCodec<Encoded, Encoded> {
  static final String NAME = "ferry.mailbox";
  static final EncodedCodec INSTANCE = new EncodedCodec();

  private EncodedCodec() {}

  static void register(EventBus bus) {
    bus.registerDefaultCodec(Encoded.class, INSTANCE);
  }

  static void unregister(EventBus bus) {
    bus.unregisterDefaultCodec(Encoded.class);
  }

  @Override
  public void encodeToWire(Buffer frame, Encoded message) {
    byte[] type = message.type().getBytes(StandardCharsets.UTF_8);
    frame.appendUnsignedShort(type.length).appendBytes(type)
        .appendInt(message.json().length).appendBytes(message.json());
  }

  @Override
  public Encoded decodeFromWire(int pos, Buffer frame) {
    int typeLength = frame.getUnsignedShort(pos);
    int at = pos + 2;
    String type = frame.getString(at, at + typeLength, "UTF-8");
    at += typeLength;
    int jsonLength = frame.getInt(at);
    at += 4;
    return new Encoded(type, frame.getBytes(at, at + jsonLength));
  }

  @Override
  public Encoded transform(Encoded message) {
    return message;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  /** Writes an {@link Encoded} as its JSON, unchanged: what a bridge client receives. */
  static final class AsJson extends StdSerializer<Encoded> {
    public AsJson() {
      super(Encoded.class);
    }

    @Override
    public void serialize(Encoded value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeRawValue(value.text());
    }
  }
}
