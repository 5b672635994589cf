package dev.ferry.circuit.impl;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The event-bus codec of circuit payloads: the same bytes as Vert.x's built-in Buffer codec (a
 * length, then the bytes), but a received payload is a slice of the message's frame instead of a
 * copy, and a payload delivered within one node is a view of the sender's buffer instead of a copy.
 * The sender must not change a payload after sending it (the {@link dev.ferry.circuit.Fragment}
 * contract), and a received payload is fixed-size ({@code copy()} it to append). Every node
 * registers it with the circuit service ({@link #register}); stateless.
 */
public final class PayloadCodec implements MessageCodec<Buffer, Buffer> {
  public static final String NAME = "ferry.circuit.payload";
  static final PayloadCodec INSTANCE = new PayloadCodec();

  private PayloadCodec() {}

  public static void register(EventBus bus) {
    bus.registerCodec(INSTANCE);
  }

  public static void unregister(EventBus bus) {
    bus.unregisterCodec(NAME);
  }

  @Override
  public void encodeToWire(Buffer frame, Buffer payload) {
    if (payload == null) {
      frame.appendInt(0);
    } else {
      reserve(frame, Integer.BYTES + payload.length());
      frame.appendInt(payload.length()).appendBuffer(payload);
    }
  }

  /**
   * Grows the frame to exactly what the payload needs. Appending alone would double its capacity
   * (Netty's growth rule), so a 256 KiB payload would get a 512 KiB frame: twice the allocation,
   * and an object large enough for G1 to treat as humongous (a collection per few such frames).
   */
  private static void reserve(Buffer frame, int bytes) {
    if (frame instanceof BufferImpl impl) {
      ByteBuf buf = impl.byteBuf();
      if (buf.writableBytes() < bytes) {
        buf.capacity(buf.writerIndex() + bytes);
      }
    }
  }

  @Override
  public Buffer decodeFromWire(int pos, Buffer frame) {
    int length = frame.getInt(pos);
    // the frame is this message's own copy of the bytes read, so the payload can share it
    return frame.slice(pos + Integer.BYTES, pos + Integer.BYTES + length);
  }

  @Override
  public Buffer transform(Buffer payload) {
    return payload == null ? null : payload.slice();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
