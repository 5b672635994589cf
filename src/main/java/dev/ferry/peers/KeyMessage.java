package dev.ferry.peers;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * libp2p's {@code PublicKey} and {@code PrivateKey} protobuf messages (proto2, libp2p's
 * peer-ids spec), which have the same two required fields: {@code Type} (field 1, a
 * {@code KeyType}: RSA 0, Ed25519 1, Secp256k1 2, ECDSA 3) and {@code Data} (field 2, the key in
 * its type's encoding). Written in the canonical encoding the spec requires for peer IDs (field 1,
 * then field 2, nothing else); read strictly: an unknown, repeated or missing field is refused.
 *
 * <p>Immutable and thread-safe ({@link #data()} returns a copy).
 */
public record KeyMessage(int type, byte[] data) {
  /** {@code KeyType.Ed25519}. */
  public static final int ED25519 = 1;
  private static final int TYPE_TAG = 1 << 3;           // field 1, varint
  private static final int DATA_TAG = 2 << 3 | 2;       // field 2, length-delimited
  private static final String[] TYPE_NAMES = {"RSA", "Ed25519", "Secp256k1", "ECDSA"};

  public KeyMessage {
    data = data.clone();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  /** The name of a {@code KeyType} value, for messages. */
  public static String typeName(int type) {
    return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "unknown key type " + type;
  }

  /** The canonical protobuf encoding. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 8);
    out.write(TYPE_TAG);
    Leb128.write(out, type);
    out.write(DATA_TAG);
    Leb128.write(out, data.length);
    out.writeBytes(data);
    return out.toByteArray();
  }

  /**
   * Reads one message.
   *
   * @throws IllegalArgumentException saying what is wrong and at which byte
   */
  public static KeyMessage decode(byte[] bytes) {
    Integer type = null;
    byte[] data = null;
    int[] at = {0};
    while (at[0] < bytes.length) {
      int start = at[0];
      long tag = Leb128.read(bytes, at);
      if (tag == TYPE_TAG && type == null) {
        long value = Leb128.read(bytes, at);
        if (value > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("key type " + value + " at byte " + start + " is out of range");
        }
        type = (int) value;
      } else if (tag == DATA_TAG && data == null) {
        long length = Leb128.read(bytes, at);
        if (length > bytes.length - at[0]) {
          throw new IllegalArgumentException("the key data at byte " + start + " says " + length + " bytes, but "
              + (bytes.length - at[0]) + " follow");
        }
        data = Arrays.copyOfRange(bytes, at[0], at[0] + (int) length);
        at[0] += (int) length;
      } else {
        throw new IllegalArgumentException((tag == TYPE_TAG || tag == DATA_TAG ? "a repeated" : "an unknown")
            + " field (tag " + tag + ") at byte " + start);
      }
    }
    if (type == null || data == null) {
      throw new IllegalArgumentException("the required field " + (type == null ? "Type" : "Data") + " is missing");
    }
    return new KeyMessage(type, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyMessage other && type == other.type && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * type + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "KeyMessage[" + typeName(type) + ", " + data.length + " bytes]";
  }
}
