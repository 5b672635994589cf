package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A frame of the circuit link, the node-to-node TCP connection that carries the fragments, credit
 * and closes of circuits between Java peers on different nodes (docs/CIRCUITS.md, "The circuit
 * link"). On the wire: a 4-byte length of what follows, a kind byte, then the kind's fields,
 * big-endian; ids as one length byte and ASCII, texts as a 4-byte length and UTF-8.
 *
 * <p>The encoders are static and thread-safe; a {@link Reader} belongs to one connection.
 */
public sealed interface LinkFrame {
  byte HELLO = 1;
  byte FRAGMENT = 2;
  byte CREDIT = 3;
  byte CLOSE = 4;
  byte CLOSED = 5;
  /** What a hello says the link speaks; a node refuses any other. */
  byte VERSION = 1;
  /** Bound on a fragment frame's fields besides the payload (subject, err, args, ids, numbers). */
  int FIELDS_MAX = 1024 * 1024;

  /** The first frame on a connection: who connects, and which incarnation of the other node it expects. */
  record Hello(String node, String incarnation, String expected) implements LinkFrame {}

  /** A frame for one circuit, named by the receiving end's peer id and the circuit id. */
  sealed interface ForCircuit extends LinkFrame permits Data, Credit, Close, Closed {
    String peer();

    String circuit();
  }

  /** A fragment; routing fields other than {@code toPeerId} and {@code circuitId} are left to the circuit. */
  record Data(String peer, String circuit, Fragment fragment) implements ForCircuit {}

  record Credit(String peer, String circuit, long bytes) implements ForCircuit {}

  record Close(String peer, String circuit, String reason) implements ForCircuit {}

  /** The acknowledgement of a close, for the closing end. */
  record Closed(String peer, String circuit) implements ForCircuit {}

  // ---- encoding ----

  static Buffer hello(String node, String incarnation, String expected) {
    ByteBuf b = start(1 + 1 + id(node) + id(incarnation) + id(expected), HELLO);
    b.writeByte(VERSION);
    writeId(b, node);
    writeId(b, incarnation);
    writeId(b, expected);
    return BufferInternal.buffer(b);
  }

  /**
   * A fragment frame as one buffer: a small header followed by the payload itself, not a copy of it
   * (a composite buffer), so that it goes out in one write. Fields over {@link #FIELDS_MAX} are
   * refused with {@code too-large}.
   */
  static Buffer fragment(String peer, String circuit, Fragment f, long serial) {
    byte[] subject = utf8(f.subject());
    byte[] err = utf8(f.err());
    List<byte[]> args = new ArrayList<>(f.args().size() * 2);
    int argBytes = 0;
    for (Map.Entry<String, String> e : f.args().entrySet()) {
      byte[] k = utf8(e.getKey());
      byte[] v = utf8(e.getValue());
      args.add(k);
      args.add(v);
      argBytes += 8 + k.length + v.length;
    }
    long fields = 1L + id(peer) + id(circuit) + 8 + 4 + 8 + 4 + subject.length + 4 + err.length + 4 + argBytes;
    if (fields > FIELDS_MAX) {
      throw new FerryException(FerryException.TOO_LARGE, "the subject, err and args of a fragment take " + fields
          + " bytes; at most " + FIELDS_MAX + " go between nodes");
    }
    int payloadLength = f.payload().length();
    ByteBuf header = Unpooled.buffer(Integer.BYTES + (int) fields);
    header.writeInt((int) fields + payloadLength).writeByte(FRAGMENT);
    writeId(header, peer);
    writeId(header, circuit);
    header.writeLong(serial).writeInt(f.op()).writeLong(f.part());
    writeText(header, subject);
    writeText(header, err);
    header.writeInt(args.size() / 2);
    for (byte[] text : args) {
      writeText(header, text);
    }
    if (payloadLength == 0) {
      return BufferInternal.buffer(header);
    }
    // getByteBuf() is a view whose release cannot free the payload, which stays the sender's
    ByteBuf payload = f.payload() instanceof BufferInternal internal ? internal.getByteBuf()
        : Unpooled.wrappedBuffer(f.payload().getBytes());
    return BufferInternal.buffer(Unpooled.wrappedBuffer(header, payload));
  }

  static Buffer credit(String peer, String circuit, long bytes) {
    ByteBuf b = start(1 + id(peer) + id(circuit) + 8, CREDIT);
    writeId(b, peer);
    writeId(b, circuit);
    b.writeLong(bytes);
    return BufferInternal.buffer(b);
  }

  static Buffer close(String peer, String circuit, String reason) {
    byte[] text = utf8(reason);
    ByteBuf b = start(1 + id(peer) + id(circuit) + 4 + text.length, CLOSE);
    writeId(b, peer);
    writeId(b, circuit);
    writeText(b, text);
    return BufferInternal.buffer(b);
  }

  static Buffer closed(String peer, String circuit) {
    ByteBuf b = start(1 + id(peer) + id(circuit), CLOSED);
    writeId(b, peer);
    writeId(b, circuit);
    return BufferInternal.buffer(b);
  }

  private static ByteBuf start(int length, byte kind) {
    ByteBuf b = Unpooled.buffer(Integer.BYTES + length);
    return b.writeInt(length).writeByte(kind);
  }

  private static int id(String id) {
    if (id.isEmpty() || id.length() > 255) {
      throw new IllegalArgumentException("an id on the circuit link is 1 to 255 characters: " + id);
    }
    return 1 + id.length();
  }

  private static void writeId(ByteBuf b, String id) {
    b.writeByte(id.length());
    b.writeCharSequence(id, StandardCharsets.US_ASCII);
  }

  private static void writeText(ByteBuf b, byte[] text) {
    b.writeInt(text.length).writeBytes(text);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  // ---- decoding ----

  /** A frame that breaks the format: the connection that sent it cannot be trusted to continue. */
  final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message);
    }
  }

  /**
   * Cuts frames out of the chunks a connection receives, in order, without Vert.x's RecordParser:
   * a frame that lies wholly inside a chunk is a slice of it, one that spans chunks a composite of
   * slices of them; nothing is copied (each chunk is already the connection's own copy of what it
   * read). Only a frame that trickles in as more than {@value #MAX_PARTS} pieces is copied, once,
   * into a buffer of exactly its size, so a slow sender cannot make a frame cost a composite of
   * thousands of parts. Payloads are slices of their frame.
   *
   * <p>Not thread-safe: one reader per connection, fed on its event loop.
   */
  final class Reader {
    static final int MAX_PARTS = 64;
    private final int maxFrameBytes;
    private final Consumer<LinkFrame> frames;
    /** The length of the next frame while its 4 bytes straddle chunks. */
    private int lengthSoFar;
    private int lengthBytes;
    /** The parts of a frame that spans chunks, until the last one arrives... */
    private List<ByteBuf> parts;
    /** ...or that frame, copied, once it came in too many pieces. */
    private ByteBuf copy;
    private int missing;

    /** @param maxFrameBytes the longest frame accepted (its length field); a longer one is {@link Malformed} */
    Reader(int maxFrameBytes, Consumer<LinkFrame> frames) {
      this.maxFrameBytes = maxFrameBytes;
      this.frames = frames;
    }

    /** Decodes every frame the chunk completes; throws {@link Malformed} at the first bad one. */
    void feed(Buffer chunk) {
      int pos = 0;
      int end = chunk.length();
      while (pos < end) {
        if (missing > 0) {
          int n = Math.min(missing, end - pos);
          add(slice(chunk, pos, pos + n));
          pos += n;
          missing -= n;
          if (missing == 0) {
            frames.accept(decode(BufferInternal.buffer(complete())));
          }
          continue;
        }
        int length;
        if (lengthBytes == 0 && end - pos >= Integer.BYTES) {
          length = chunk.getInt(pos);
          pos += Integer.BYTES;
        } else {
          while (lengthBytes < Integer.BYTES && pos < end) {
            lengthSoFar = lengthSoFar << 8 | (chunk.getByte(pos++) & 0xff);
            lengthBytes++;
          }
          if (lengthBytes < Integer.BYTES) {
            return;
          }
          length = lengthSoFar;
          lengthSoFar = 0;
          lengthBytes = 0;
        }
        if (length < 1 || length > maxFrameBytes) {
          throw new Malformed("a frame length of " + length + " bytes (expected 1 to " + maxFrameBytes + ")");
        }
        if (end - pos >= length) {
          frames.accept(decode(chunk.slice(pos, pos + length)));
          pos += length;
        } else {
          parts = new ArrayList<>(8);
          parts.add(slice(chunk, pos, end));
          missing = length - (end - pos);
          pos = end;
        }
      }
    }

    private void add(ByteBuf part) {
      if (copy == null && parts.size() == MAX_PARTS) {
        int length = missing;
        for (ByteBuf p : parts) {
          length += p.readableBytes();
        }
        copy = Unpooled.buffer(length, length);
        parts.forEach(copy::writeBytes);
        parts = null;
      }
      if (copy != null) {
        copy.writeBytes(part);
      } else {
        parts.add(part);
      }
    }

    private ByteBuf complete() {
      ByteBuf frame = copy != null ? copy : Unpooled.wrappedBuffer(parts.size(), parts.toArray(new ByteBuf[0]));
      copy = null;
      parts = null;
      return frame;
    }

    /** A view of part of a chunk, whose release (by a composite) cannot free the chunk. */
    private static ByteBuf slice(Buffer chunk, int from, int to) {
      Buffer part = chunk.slice(from, to);
      return part instanceof BufferInternal internal ? internal.getByteBuf() : Unpooled.wrappedBuffer(part.getBytes());
    }
  }

  /** Decodes one frame (without its length prefix); {@link Malformed} if it breaks the format. */
  static LinkFrame decode(Buffer frame) {
    Cursor in = new Cursor(frame);
    byte kind = in.readByte();
    LinkFrame decoded = switch (kind) {
      case HELLO -> {
        byte version = in.readByte();
        if (version != VERSION) {
          throw new Malformed("a hello for link version " + version + " (this node speaks " + VERSION + ")");
        }
        yield new Hello(in.readId(), in.readId(), in.readId());
      }
      case FRAGMENT -> {
        String peer = in.readId();
        String circuit = in.readId();
        long serial = in.readLong();
        int op = in.readInt();
        long part = in.readLong();
        String subject = in.readText();
        String err = in.readText();
        int argCount = in.readInt();
        if (argCount < 0 || argCount > frame.length() / 8) {
          throw new Malformed("a fragment with " + argCount + " args");
        }
        Map<String, String> args = argCount == 0 ? null : new HashMap<>(argCount * 2);
        for (int i = 0; i < argCount; i++) {
          args.put(in.readText(), in.readText());
        }
        Buffer payload = frame.slice(in.pos, frame.length());
        in.pos = frame.length();
        yield new Data(peer, circuit, new Fragment(null, peer, circuit, serial, op, subject, part, args, payload, err));
      }
      case CREDIT -> new Credit(in.readId(), in.readId(), in.readLong());
      case CLOSE -> new Close(in.readId(), in.readId(), in.readText());
      case CLOSED -> new Closed(in.readId(), in.readId());
      default -> throw new Malformed("an unknown frame kind " + kind);
    };
    if (in.pos != frame.length()) {
      throw new Malformed("a frame of kind " + kind + " with " + (frame.length() - in.pos) + " bytes too many");
    }
    return decoded;
  }

  /** Reads fields of one frame, checking every length against what is left. */
  final class Cursor {
    private final Buffer frame;
    private int pos;

    private Cursor(Buffer frame) {
      this.frame = frame;
    }

    private void need(int bytes) {
      if (bytes < 0 || frame.length() - pos < bytes) {
        throw new Malformed("a frame that ends inside a field (" + bytes + " bytes needed at " + pos + " of "
            + frame.length() + ")");
      }
    }

    byte readByte() {
      need(1);
      return frame.getByte(pos++);
    }

    int readInt() {
      need(Integer.BYTES);
      int v = frame.getInt(pos);
      pos += Integer.BYTES;
      return v;
    }

    long readLong() {
      need(Long.BYTES);
      long v = frame.getLong(pos);
      pos += Long.BYTES;
      return v;
    }

    String readId() {
      int length = readByte() & 0xff;
      if (length == 0) {
        throw new Malformed("an empty id");
      }
      need(length);
      String id = frame.getString(pos, pos + length, "US-ASCII");
      pos += length;
      return id;
    }

    String readText() {
      int length = readInt();
      need(length);
      String text = frame.getString(pos, pos + length, "UTF-8");
      pos += length;
      return text;
    }
  }
}
