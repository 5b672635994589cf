package dev.ferry.mailbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a Vert.x user writes to send a record on the raw event bus: a default codec with Jackson on
 * the wire, and the record itself (immutable) within one node. The fair baseline for mailbox
 * records, which need no such registration.
 */
final class RecordCodec<T> implements MessageCodec<T, T> {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Class<T> type;

  RecordCodec(Class<T> type) {
    this.type = type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    try {
      byte[] json = MAPPER.writeValueAsBytes(value);
      buffer.appendInt(json.length).appendBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    try {
      return MAPPER.readValue(buffer.getBytes(pos + 4, pos + 4 + length), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return "bench-" + type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
