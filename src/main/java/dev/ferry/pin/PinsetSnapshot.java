package dev.ferry.pin;

import dev.ferry.raft.SnapshotChunks;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pinset's snapshot chunks. A chunk is {@code {"v": 2, "pins": bytes}} (base64 in JSON), at
 * most {@code raft.snapshot_chunk_entries} pins in CID order, in a compact binary form that mirrors
 * how {@link PinState} keeps them: first the chunk's shapes ({@link PinTable.Shape}: what its pins
 * share), then one row per pin, its CID (the bytes it shares with the CID before it left out), the
 * number of its shape, its time as nanoseconds (unless its shape holds a time text) and its index.
 * It replaced a JSON line per pin, deflated (version 1), which took about 4 s for a million pins
 * to write and as long to read; chunks of version 1, {@code {"pins": "<packed JSON lines>"}}, and
 * of the version before, {@code {"pins": [pin, ...]}}, are still read, so a node upgraded with an
 * older snapshot in its store starts. A chunk of a later version is refused, naming it.
 *
 * <p>The layout (varint: unsigned LEB128; text: varint length, then UTF-8):
 *
 * <pre>
 * chunk  := varint shapes, shape*, varint pins, pin*
 * shape  := text name, zigzag replication_min, zigzag replication_max, varint n, text allocation*n,
 *           text origin, byte flags (1: time text follows, 2: options follow), [text time],
 *           [text mode, varint n, text user_allocation*n, text expire_at, varint n, (text key, text value)*n,
 *            varint n, text origin*n, text pin_update]
 * pin    := varint shared, varint rest, byte*rest (the CID), varint shape, [int64 nanos], varint index
 * </pre>
 *
 * <p>Stateless; a snapshot from {@link #of} is immutable and its chunks may be made on any thread.
 */
final class PinsetSnapshot {
  /** The version this ferry writes. */
  static final int VERSION = 2;
  static final String FIELD = "pins";
  private static final String VERSION_FIELD = "v";
  private static final int TIME_TEXT = 1;
  private static final int OPTIONS = 2;

  private PinsetSnapshot() {}

  /** The captured pins as chunks of at most {@code perChunk}, each encoded when asked for. */
  static StateMachine.Snapshot of(PinTable.Captured pins, int perChunk) {
    return StateMachine.Snapshot.ofRanges(pins.size(), perChunk, (from, to) -> encode(pins.rows(from, to)));
  }

  /** Replaces what {@code into} holds with the pins of {@code chunks} (of any version). */
  static void restore(List<JsonObject> chunks, PinState into) {
    into.clear();
    for (JsonObject chunk : chunks) {
      Object version = chunk.getValue(VERSION_FIELD);
      if (version == null) {
        SnapshotChunks.read(List.of(chunk), FIELD, item -> {
          Pin pin = Pin.fromJson((JsonObject) item);
          into.put(pin.cid(), pin);
        });
      } else if (Integer.valueOf(VERSION).equals(version)) {
        decode(chunk.getBinary(FIELD), into);
      } else {
        throw new IllegalStateException("a pinset snapshot chunk of version " + version + ", which this ferry cannot "
            + "read (it reads versions up to " + VERSION + "): upgrade this node to the version of the others");
      }
    }
  }

  private static JsonObject encode(Iterator<PinTable.Row> rows) {
    Map<PinTable.Shape, Integer> numbers = new IdentityHashMap<>();
    List<PinTable.Row> all = new ArrayList<>();
    rows.forEachRemaining(row -> {
      all.add(row);
      numbers.putIfAbsent(row.shape(), numbers.size());
    });
    Out out = new Out(all.size() * 80 + numbers.size() * 40 + 16);
    PinTable.Shape[] shapes = new PinTable.Shape[numbers.size()];
    numbers.forEach((shape, number) -> shapes[number] = shape);
    out.varint(shapes.length);
    for (PinTable.Shape shape : shapes) {
      writeShape(out, shape);
    }
    out.varint(all.size());
    byte[] previous = new byte[0];
    for (PinTable.Row row : all) {
      byte[] key = row.key();
      int shared = Arrays.mismatch(previous, key);
      shared = shared < 0 ? key.length : Math.min(shared, key.length);
      out.varint(shared);
      out.varint(key.length - shared);
      out.bytes(key, shared, key.length - shared);
      out.varint(numbers.get(row.shape()));
      if (row.shape().time() == null) {
        out.int64(row.nanos());
      }
      out.varint(row.index());
      previous = key;
    }
    return new JsonObject().put(VERSION_FIELD, VERSION).put(FIELD, out.toBytes());
  }

  private static void writeShape(Out out, PinTable.Shape shape) {
    out.text(shape.name());
    out.zigzag(shape.replicationMin());
    out.zigzag(shape.replicationMax());
    out.texts(shape.allocations());
    out.text(shape.origin());
    Pin.Extras extras = shape.extras();
    boolean options = extras != Pin.Extras.NONE;
    out.raw((shape.time() != null ? TIME_TEXT : 0) | (options ? OPTIONS : 0));
    if (shape.time() != null) {
      out.text(shape.time());
    }
    if (options) {
      out.text(extras.mode());
      out.texts(extras.userAllocations());
      out.text(extras.expireAt());
      Map<String, String> metadata = extras.sortedMetadata();
      out.varint(metadata.size());
      metadata.forEach((key, value) -> {
        out.text(key);
        out.text(value);
      });
      out.texts(extras.origins());
      out.text(extras.pinUpdate());
    }
  }

  private static void decode(byte[] bytes, PinState into) {
    In in = new In(bytes);
    PinTable.Shape[] shapes = new PinTable.Shape[in.count()];
    for (int i = 0; i < shapes.length; i++) {
      shapes[i] = readShape(in, into);
    }
    int pins = in.count();
    byte[] previous = new byte[0];
    for (int n = 0; n < pins; n++) {
      int shared = in.count();
      int rest = in.count();
      if (shared > previous.length) {
        throw in.malformed("a CID shares " + shared + " bytes with one of " + previous.length);
      }
      byte[] key = new byte[shared + rest];
      System.arraycopy(previous, 0, key, 0, shared);
      in.bytes(key, shared, rest);
      int number = in.count();
      if (number >= shapes.length) {
        throw in.malformed("shape " + number + " of " + shapes.length);
      }
      PinTable.Shape shape = shapes[number];
      long nanos = shape.time() == null ? in.int64() : 0;
      into.add(key, shape, nanos, in.varint());
      previous = key;
    }
    if (!in.atEnd()) {
      throw in.malformed("bytes left after " + pins + " pins");
    }
  }

  private static PinTable.Shape readShape(In in, PinState into) {
    String name = in.text();
    int min = in.zigzag();
    int max = in.zigzag();
    List<String> allocations = in.texts();
    String origin = in.text();
    int flags = in.raw();
    String time = (flags & TIME_TEXT) != 0 ? in.text() : null;
    Pin.Extras extras = Pin.Extras.NONE;
    if ((flags & OPTIONS) != 0) {
      String mode = in.text();
      List<String> users = in.texts();
      String expireAt = in.text();
      Map<String, String> metadata = new TreeMap<>();
      int entries = in.count();
      for (int i = 0; i < entries; i++) {
        metadata.put(in.text(), in.text());
      }
      List<String> origins = in.texts();
      extras = new Pin.Extras(mode, users, expireAt, metadata, origins, in.text());
      if (extras.equals(Pin.Extras.NONE)) {
        extras = Pin.Extras.NONE;
      }
    }
    return into.shape(name, min, max, allocations, origin, time, extras);
  }

  /** A growing byte array. */
  private static final class Out {
    private byte[] bytes;
    private int length;

    Out(int capacity) {
      bytes = new byte[Math.max(16, capacity)];
    }

    private void room(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }

    void raw(int b) {
      room(1);
      bytes[length++] = (byte) b;
    }

    void varint(long value) {
      room(10);
      while ((value & ~0x7FL) != 0) {
        bytes[length++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[length++] = (byte) value;
    }

    void zigzag(int value) {
      varint(Integer.toUnsignedLong((value << 1) ^ (value >> 31)));
    }

    void int64(long value) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[length++] = (byte) (value >>> shift);
      }
    }

    void bytes(byte[] from, int offset, int count) {
      room(count);
      System.arraycopy(from, offset, bytes, length, count);
      length += count;
    }

    void text(String text) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      varint(utf8.length);
      bytes(utf8, 0, utf8.length);
    }

    void texts(List<String> texts) {
      varint(texts.size());
      texts.forEach(this::text);
    }

    byte[] toBytes() {
      return Arrays.copyOf(bytes, length);
    }
  }

  /** Reads what {@link Out} wrote; a chunk that ends early or holds nonsense fails naming where. */
  private static final class In {
    private final byte[] bytes;
    private int at;

    In(byte[] bytes) {
      this.bytes = bytes;
    }

    IllegalStateException malformed(String what) {
      return new IllegalStateException("a malformed pinset snapshot chunk (version " + VERSION + "), at byte " + at
          + " of " + bytes.length + ": " + what);
    }

    private void need(int count) {
      if (count < 0 || at + count > bytes.length) {
        throw malformed("it ends early");
      }
    }

    int raw() {
      need(1);
      return bytes[at++] & 0xFF;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = raw();
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw malformed("a number longer than 64 bits");
    }

    /** A length or count: a varint that fits what is left. */
    int count() {
      long value = varint();
      if (value > bytes.length) {
        throw malformed("a count of " + value);
      }
      return (int) value;
    }

    int zigzag() {
      long value = varint();
      return (int) (value >>> 1) ^ -(int) (value & 1);
    }

    long int64() {
      need(8);
      long value = 0;
      for (int i = 0; i < 8; i++) {
        value = (value << 8) | (bytes[at++] & 0xFF);
      }
      return value;
    }

    void bytes(byte[] into, int offset, int count) {
      need(count);
      System.arraycopy(bytes, at, into, offset, count);
      at += count;
    }

    String text() {
      int length = count();
      need(length);
      String text = new String(bytes, at, length, StandardCharsets.UTF_8);
      at += length;
      return text;
    }

    List<String> texts() {
      int count = count();
      List<String> texts = new ArrayList<>(Math.min(count, 16));
      for (int i = 0; i < count; i++) {
        texts.add(text());
      }
      return List.copyOf(texts);
    }

    boolean atEnd() {
      return at == bytes.length;
    }
  }
}
