package dev.ferry.peers;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Optional;

/**
 * A libp2p peer ID, as libp2p derives it (libp2p's peer-ids spec): the multihash of the
 * canonical protobuf {@code PublicKey} message, an identity multihash when that message is at most
 * 42 bytes (every Ed25519 key: {@code 12D3KooW...}), SHA-256 otherwise ({@code Qm...}), written in
 * base58btc. A ferry node's peer ID comes from its Ed25519 node key ({@code core.NodeKey}).
 *
 * <p>Immutable and thread-safe; equal when the multihashes are.
 */
public final class PeerId {
  /** Public key messages up to this size are inlined in an identity multihash (the spec's rule). */
  static final int MAX_INLINE_KEY_BYTES = 42;
  /** The length of an Ed25519 public key. */
  public static final int ED25519_KEY_BYTES = 32;
  private static final int IDENTITY = 0x00;
  private static final int SHA2_256 = 0x12;
  private static final int SHA2_256_BYTES = 32;
  /** Longer text is refused before decoding: no real peer ID comes close. */
  private static final int MAX_TEXT_LENGTH = 128;

  private final byte[] multihash;
  private final String text;

  private PeerId(byte[] multihash) {
    this.multihash = multihash;
    this.text = Base58.encode(multihash);
  }

  /** The peer ID of an Ed25519 public key (its 32 bytes, RFC 8032). */
  public static PeerId ofEd25519(byte[] publicKey) {
    if (publicKey.length != ED25519_KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key has " + ED25519_KEY_BYTES + " bytes, not "
          + publicKey.length);
    }
    byte[] message = new KeyMessage(KeyMessage.ED25519, publicKey).encode();
    ByteArrayOutputStream multihash = new ByteArrayOutputStream();
    Leb128.write(multihash, IDENTITY);
    Leb128.write(multihash, message.length);
    multihash.writeBytes(message);
    return new PeerId(multihash.toByteArray());
  }

  /**
   * Reads a peer ID from its base58btc text ({@code 12D3KooW...}, {@code Qm...}).
   *
   * @throws IllegalArgumentException starting {@code not a libp2p peer ID: '<text>': } and saying why
   */
  public static PeerId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(String.valueOf(text), "it is empty");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw invalid(text.substring(0, 32) + "...", "it is " + text.length() + " characters long (at most "
          + MAX_TEXT_LENGTH + ")");
    }
    byte[] bytes;
    try {
      bytes = Base58.decode(text, 0);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage() + " (a peer ID is written in base58btc: 12D3KooW... or Qm...)");
    }
    int[] at = {0};
    long code;
    long length;
    try {
      code = Leb128.read(bytes, at);
      length = Leb128.read(bytes, at);
    } catch (IllegalArgumentException e) {
      throw invalid(text, "its multihash is cut short: " + e.getMessage());
    }
    if (length != bytes.length - at[0]) {
      throw invalid(text, "its multihash says " + length + " digest bytes, but " + (bytes.length - at[0]) + " follow");
    }
    if (code == SHA2_256) {
      if (length != SHA2_256_BYTES) {
        throw invalid(text, "a SHA-256 multihash has " + SHA2_256_BYTES + " digest bytes, not " + length);
      }
    } else if (code == IDENTITY) {
      if (length > MAX_INLINE_KEY_BYTES) {
        throw invalid(text, "an identity multihash holds a public key of at most " + MAX_INLINE_KEY_BYTES
            + " bytes, not " + length);
      }
      try {
        KeyMessage.decode(Arrays.copyOfRange(bytes, at[0], bytes.length));
      } catch (IllegalArgumentException e) {
        throw invalid(text, "its identity multihash holds no libp2p public key: " + e.getMessage());
      }
    } else {
      throw invalid(text, "multihash code 0x" + Long.toHexString(code) + " is neither identity (0x00) nor "
          + "SHA-256 (0x12)");
    }
    return new PeerId(bytes);
  }

  /** The multihash bytes. */
  public byte[] bytes() {
    return multihash.clone();
  }

  /** The Ed25519 public key this peer ID holds (an identity multihash of an Ed25519 key), if it holds one. */
  public Optional<byte[]> ed25519PublicKey() {
    if (multihash[0] != IDENTITY) {
      return Optional.empty();
    }
    int[] at = {1};
    Leb128.read(multihash, at);
    KeyMessage key = KeyMessage.decode(Arrays.copyOfRange(multihash, at[0], multihash.length));
    return key.type() == KeyMessage.ED25519 && key.data().length == ED25519_KEY_BYTES
        ? Optional.of(key.data()) : Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId other && Arrays.equals(multihash, other.multihash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(multihash);
  }

  /** The base58btc text. */
  @Override
  public String toString() {
    return text;
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("not a libp2p peer ID: '" + text + "': " + why);
  }
}
