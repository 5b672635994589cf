package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Varint;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The two halves of the protobuf wire format that dag-pb and UnixFS need: a writer that puts
 * fields in exactly the order it is called (the canonical dag-pb order is not field-number
 * order, so no generic protobuf writer will do), and a strict reader of one message. Not
 * thread-safe: one instance per message.
 */
final class Protobuf {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;
  /** Varints longer than this cannot hold a 64-bit value (the dag-pb spec's limit). */
  private static final int MAX_VARINT_BYTES = 9;

  private Protobuf() {}

  /**
   * Writes fields in call order. A value of {@value #BY_REFERENCE} bytes or more (a chunk of file
   * data) is kept by reference and copied once, into the message's array: the caller does not
   * change it before {@link #toByteArray}.
   */
  static final class Writer {
    private static final int BY_REFERENCE = 1024;
    /** Where {@link #parts} has the {@link #hole}. */
    private static final byte[] HOLE = new byte[0];
    /** The message so far: whole arrays, then what {@link #tail} holds. */
    private final List<byte[]> parts = new ArrayList<>();
    private final ByteArrayOutputStream tail = new ByteArrayOutputStream();
    private int partBytes;
    /** Where the {@link #hole} is in the message, and its length; -1: it has none. */
    private int holeAt = -1;
    private int holeLength;

    Writer varint(int field, long value) {
      Varint.write(tail, (long) field << 3 | VARINT);
      Varint.write(tail, value);
      return this;
    }

    Writer bytes(int field, byte[] value) {
      Varint.write(tail, (long) field << 3 | LENGTH_DELIMITED);
      Varint.write(tail, value.length);
      if (value.length < BY_REFERENCE) {
        tail.writeBytes(value);
      } else {
        flushTail();
        add(value);
      }
      return this;
    }

    /**
     * A message written with another writer as a field, kept by reference as a large {@link #bytes}
     * value is: a chunk of file data in it is copied once, into this message's array, not once per
     * level of nesting. The caller does not write to {@code value} afterwards.
     */
    Writer message(int field, Writer value) {
      Varint.write(tail, (long) field << 3 | LENGTH_DELIMITED);
      Varint.write(tail, value.size());
      flushTail();
      for (byte[] part : value.parts) {
        if (part == HOLE) {
          addHole(value.holeLength);
        } else {
          add(part);
        }
      }
      add(value.tail.toByteArray());
      return this;
    }

    /**
     * A field of {@code length} bytes whose value this writer does not hold: it is already where
     * {@link #holeAt()} says in the array that {@link #writeAround} fills (a chunk read straight into
     * its leaf block). A message holds one at most, nested ones included.
     */
    Writer hole(int field, int length) {
      Varint.write(tail, (long) field << 3 | LENGTH_DELIMITED);
      Varint.write(tail, length);
      flushTail();
      addHole(length);
      return this;
    }

    private void addHole(int length) {
      if (holeAt >= 0) {
        throw new IllegalStateException("a message holds one hole at most");
      }
      holeAt = partBytes;
      holeLength = length;
      parts.add(HOLE);
      partBytes += length;
    }

    /** Where the {@link #hole}'s value starts in the message. */
    int holeAt() {
      return holeAt;
    }

    /**
     * Writes the message into {@code out}, {@link #size()} bytes long, around its {@link #hole},
     * whose bytes are left as they are. A writer may write any number of arrays.
     */
    void writeAround(byte[] out) {
      if (holeAt < 0 || out.length != size()) {
        throw new IllegalArgumentException("writeAround needs a message with a hole and an array of its size");
      }
      fill(out);
    }

    /** The bytes written so far. */
    int size() {
      return partBytes + tail.size();
    }

    private void add(byte[] part) {
      parts.add(part);
      partBytes += part.length;
    }

    /** Moves what {@link #tail} holds into {@link #parts}, before a part kept by reference. */
    private void flushTail() {
      add(tail.toByteArray());
      tail.reset();
    }

    /** Copies the message into {@code out}, {@link #size()} bytes long, leaving the hole's bytes as they are. */
    private void fill(byte[] out) {
      int at = 0;
      for (byte[] part : parts) {
        if (part != HOLE) {
          System.arraycopy(part, 0, out, at, part.length);
        }
        at += part == HOLE ? holeLength : part.length;
      }
      byte[] rest = tail.toByteArray();
      System.arraycopy(rest, 0, out, at, rest.length);
    }

    byte[] toByteArray() {
      if (holeAt >= 0) {
        throw new IllegalStateException("a message with a hole is written with writeAround");
      }
      if (parts.isEmpty()) {
        return tail.toByteArray();
      }
      byte[] out = new byte[size()];
      fill(out);
      return out;
    }
  }

  /** Reads one message field by field; every malformation is a {@code bad-request} naming {@code what}. */
  static final class Reader {
    private final String what;
    private final byte[] bytes;
    private int at;
    private int field;
    private int wireType;

    Reader(String what, byte[] bytes) {
      this.what = what;
      this.bytes = bytes;
    }

    /** Reads the next field's key; false at the end of the message. */
    boolean next() {
      if (at >= bytes.length) {
        return false;
      }
      long key = varint();
      if (key >>> 3 > Integer.MAX_VALUE || key >>> 3 == 0) {
        throw malformed("field number " + (key >>> 3) + " at byte " + at);
      }
      field = (int) (key >>> 3);
      wireType = (int) (key & 7);
      return true;
    }

    /** Whether bytes are left (for a packed repeated field). */
    boolean hasMore() {
      return at < bytes.length;
    }

    /** A varint without a field key (an element of a packed repeated field). */
    long rawVarint() {
      return varint();
    }

    int field() {
      return field;
    }

    int wireType() {
      return wireType;
    }

    /** The current field as a varint, checking its wire type. */
    long varintValue() {
      expect(VARINT);
      return varint();
    }

    /** The current field as bytes, checking its wire type. */
    byte[] bytesValue() {
      expect(LENGTH_DELIMITED);
      long length = varint();
      if (length > bytes.length - at) {
        throw malformed("field " + field + " says " + length + " bytes but only " + (bytes.length - at) + " follow");
      }
      byte[] value = Arrays.copyOfRange(bytes, at, at + (int) length);
      at += (int) length;
      return value;
    }

    /** Skips the current field whatever its type (for formats that allow unknown fields). */
    void skip() {
      switch (wireType) {
        case VARINT -> varint();
        case LENGTH_DELIMITED -> bytesValue();
        case FIXED64 -> advance(8);
        case FIXED32 -> advance(4);
        default -> throw malformed("wire type " + wireType + " of field " + field + " is not supported");
      }
    }

    FerryException malformed(String why) {
      return FerryException.badRequest("malformed " + what + ": " + why);
    }

    private void advance(int n) {
      if (n > bytes.length - at) {
        throw malformed("field " + field + " is cut short");
      }
      at += n;
    }

    private void expect(int type) {
      if (wireType != type) {
        throw malformed("field " + field + " has wire type " + wireType + ", expected " + type);
      }
    }

    private long varint() {
      long value = 0;
      for (int i = 0; i < MAX_VARINT_BYTES; i++) {
        if (at >= bytes.length) {
          throw malformed("it ends inside a varint");
        }
        int b = bytes[at++] & 0xff;
        if (b == 0 && i > 0) {
          throw malformed("a varint is not minimally encoded at byte " + (at - 1));
        }
        value |= (long) (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
          return value;  // nine groups of seven bits: never above 2^63 - 1
        }
      }
      throw malformed("a varint longer than " + MAX_VARINT_BYTES + " bytes at byte " + at);
    }
  }
}
