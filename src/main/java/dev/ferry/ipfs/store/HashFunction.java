package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Varint;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The hash functions blocks are named with, by their multihash code and the name Kubo's
 * {@code --hash} takes. sha2-256 comes from the JDK, blake2b-256 from {@link Blake2b} (RFC 7693). Thread-safe: every call uses its own digest.
 */
public enum HashFunction {
  SHA2_256("sha2-256", 0x12),
  BLAKE2B_256("blake2b-256", 0xb220);

  private static final int DIGEST_BYTES = 32;

  private final String kuboName;
  private final int code;
  private final byte[] prefix;

  HashFunction(String kuboName, int code) {
    this.kuboName = kuboName;
    this.code = code;
    this.prefix = Varint.concat(Varint.encode(code), Varint.encode(DIGEST_BYTES));
  }

  /** The name Kubo's {@code hash} option uses. */
  public String kuboName() {
    return kuboName;
  }

  /** The length of its digests in bytes (32 for both). */
  public int digestBytes() {
    return DIGEST_BYTES;
  }

  /** The multihash code. */
  public int code() {
    return code;
  }

  /**
   * The function Kubo calls {@code name}.
   *
   * @throws FerryException {@code bad-request} listing the supported names
   */
  public static HashFunction byName(String name) {
    for (HashFunction f : values()) {
      if (f.kuboName.equals(name)) {
        return f;
      }
    }
    throw FerryException.badRequest("hash: '" + name + "' is not supported (sha2-256 or blake2b-256)");
  }

  /** The function of {@code cid}'s multihash, or empty when ferry does not know it. */
  public static Optional<HashFunction> of(Cid cid) {
    byte[] multihash = cid.multihash();
    return Arrays.stream(values())
        .filter(f -> multihash.length == f.prefix.length + DIGEST_BYTES
            && Arrays.equals(multihash, 0, f.prefix.length, f.prefix, 0, f.prefix.length))
        .findFirst();
  }

  /** The multihash of {@code block}: code, length, digest. */
  public byte[] multihash(byte[] block) {
    return withPrefix(digest(block));
  }

  /**
   * The multihash of the block made of {@code pieces} in order (their bytes between position and
   * limit, which are left as they are): sha2-256 reads them where they are, blake2b-256 from one copy.
   */
  public byte[] multihash(List<ByteBuffer> pieces) {
    if (this != SHA2_256) {
      return multihash(BlockBytes.array(pieces));
    }
    MessageDigest sha = sha256();
    for (ByteBuffer piece : pieces) {
      sha.update(piece.duplicate());
    }
    return withPrefix(sha.digest());
  }

  /** {@code digest} after this function's code and length: a multihash. */
  private byte[] withPrefix(byte[] digest) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + DIGEST_BYTES);
    System.arraycopy(digest, 0, out, prefix.length, DIGEST_BYTES);
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private byte[] digest(byte[] block) {
    if (this == SHA2_256) {
      return sha256().digest(block);
    }
    return Blake2b.digest(block, DIGEST_BYTES);
  }
}
