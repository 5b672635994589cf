package dev.ferry.ipfs;

import dev.ferry.core.FerryException;
import dev.ferry.peers.Base58;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * An IPFS content identifier, checked when read: a CIDv0 ({@code Qm...}, base58btc of a SHA-256
 * multihash) or a CIDv1 in base32 ({@code b...}), base58btc ({@code z...}) or base16
 * ({@code f...}). Two CIDs are equal when their bytes are, so the same CIDv1 written in two bases
 * is one CID; {@link #toString()} is the canonical form: base58btc for v0, lower-case base32 for
 * v1 (what IPFS Cluster shows). IPFS daemons answer in either base, so compare {@code Cid}s, never
 * strings.
 *
 * <p>Immutable and thread-safe. The text is made when first asked for, not when a CID is made from
 * bytes: the importer and a DAG's walk make a CID per block or link and most are never shown, and
 * base58 of a CIDv0 (with {@link java.math.BigInteger}) cost about 6 % of an add's importing thread
 * (docs/BENCHMARKS.md). A race makes the same string twice, harmlessly.
 */
public final class Cid {
  /** Longer text is refused before decoding: no real CID comes close. */
  static final int MAX_TEXT_LENGTH = 512;
  private static final String BASE32 = Multibase.BASE32_ALPHABET;
  private static final int SHA2_256 = 0x12;
  /** The identity multihash: the "digest" is the content itself. */
  private static final int IDENTITY = 0x00;
  /** The multicodec of a dag-pb block (UnixFS files and directories); every CIDv0 is one. */
  public static final int DAG_PB = 0x70;
  /** The multicodec of a raw block (a raw leaf: the bytes themselves). */
  public static final int RAW = 0x55;

  private final int version;
  private final byte[] bytes;
  /** {@link #toString()}, made by its first call. */
  private String text;
  /** The content codec, and where the multihash starts in {@link #bytes}. */
  private final int codec;
  private final int multihashAt;

  private Cid(int version, byte[] bytes) {
    this.version = version;
    this.bytes = bytes;
    if (version == 0) {
      this.codec = DAG_PB;
      this.multihashAt = 0;
    } else {
      int[] at = {0};
      Varint.read(bytes, at);  // the version: every caller checked the varints
      this.codec = (int) Varint.read(bytes, at);
      this.multihashAt = at[0];
    }
  }

  /**
   * A CIDv0 of a dag-pb block with this SHA-256 {@code multihash}.
   *
   * @throws FerryException {@code bad-request} when it is not a well-formed SHA-256 multihash
   */
  public static Cid v0(byte[] multihash) {
    byte[] copy = multihash.clone();
    Supplier<String> text = () -> base58(copy);
    checkMultihash(text, copy, 0);
    if (copy[0] != SHA2_256) {
      throw invalid(text.get(), "a CIDv0 is a SHA-256 multihash");
    }
    return new Cid(0, copy);
  }

  /**
   * A CIDv1 of a block of {@code codec} (such as {@link #DAG_PB} or {@link #RAW}) with this
   * {@code multihash}.
   *
   * @throws FerryException {@code bad-request} when the multihash is not well formed
   */
  public static Cid v1(int codec, byte[] multihash) {
    byte[] head = Varint.concat(Varint.encode(1), Varint.encode(codec));
    byte[] copy = Varint.concat(head, multihash);
    checkMultihash(() -> base58(copy), copy, head.length);
    return new Cid(1, copy);
  }

  /** The content codec: {@link #DAG_PB}, {@link #RAW}, or another multicodec. */
  public int codec() {
    return codec;
  }

  /** The multihash: hash function code, digest length, digest. A copy. */
  public byte[] multihash() {
    return Arrays.copyOfRange(bytes, multihashAt, bytes.length);
  }

  /** The binary form (what dag-pb links and CAR sections hold). A copy. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The same content as a CIDv1 (a CIDv1 is itself). */
  public Cid toV1() {
    return version == 1 ? this : v1(DAG_PB, bytes);
  }

  /** The text in base58btc: {@code Qm...} for a CIDv0, {@code z...} for a CIDv1. */
  public String toBase58btc() {
    return version == 0 ? toString() : "z" + base58(bytes);
  }

  /**
   * Reads a CID from its binary form (as in a dag-pb link).
   *
   * @throws FerryException {@code bad-request} naming what is wrong
   */
  public static Cid fromBytes(byte[] binary) {
    if (binary.length == 34 && binary[0] == SHA2_256 && binary[1] == 32) {
      return v0(binary);
    }
    String text = "f" + HexFormat.of().formatHex(binary);
    if (binary.length > MAX_TEXT_LENGTH) {
      throw invalid(text.substring(0, 32) + "...", "it is " + binary.length + " bytes long");
    }
    return parse(text);
  }

  /**
   * Reads a CID from its text.
   *
   * @throws FerryException {@code bad-request} naming what is wrong and where
   */
  public static Cid parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "it is empty");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw invalid(text.substring(0, 32) + "...", "it is " + text.length() + " characters long (at most "
          + MAX_TEXT_LENGTH + ")");
    }
    Supplier<String> named = () -> text;
    if (text.length() == 46 && text.startsWith("Qm")) {
      byte[] multihash = decode58(text, 0);
      checkMultihash(named, multihash, 0);
      if (multihash[0] != SHA2_256) {
        throw invalid(text, "a CIDv0 is a SHA-256 multihash");
      }
      Cid cid = new Cid(0, multihash);
      cid.text = text;  // Qm... is the one base58btc text of these bytes: kept, not made again
      return cid;
    }
    byte[] bytes = switch (text.charAt(0)) {
      case 'b' -> decode32(text, 1, false);
      case 'B' -> decode32(text, 1, true);
      case 'z' -> decode58(text, 1);
      case 'f', 'F' -> decode16(text);
      default -> throw invalid(text, "unknown multibase prefix '" + text.charAt(0)
          + "' (expected Qm... for CIDv0, or b, B, z or f for CIDv1)");
    };
    if (bytes.length == 34 && bytes[0] == SHA2_256 && bytes[1] == 32) {
      // a CIDv0's binary form in a multibase (js-ipfs's resolve answers zQm...): go-cid's Cast reads it as that CIDv0
      return v0(bytes);
    }
    int[] at = {0};
    long version = varint(named, bytes, at);
    if (version != 1) {
      throw invalid(text, "CID version " + version + " is not supported (0 or 1)");
    }
    varint(named, bytes, at);  // the content codec: any
    checkMultihash(named, bytes, at[0]);
    return new Cid(1, bytes);
  }

  /** 0 or 1. */
  public int version() {
    return version;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    String made = text;
    if (made == null) {
      made = version == 0 ? base58(bytes) : "b" + base32(bytes);
      text = made;
    }
    return made;
  }

  private static FerryException invalid(String text, String why) {
    return FerryException.badRequest("not a CID: '" + text + "': " + why);
  }

  /** A multihash from {@code from} to the end: code, digest length, and exactly that many bytes. */
  private static void checkMultihash(Supplier<String> text, byte[] bytes, int from) {
    int[] at = {from};
    long function = varint(text, bytes, at);
    long length = varint(text, bytes, at);
    if (length != bytes.length - at[0]) {
      throw invalid(text.get(), "its multihash says " + length + " digest bytes, but " + (bytes.length - at[0])
          + " follow");
    }
    if (length == 0 && function != IDENTITY) {  // an identity CID of no bytes is the gateways' probe, bafkqaaa
      throw invalid(text.get(), "its multihash has an empty digest");
    }
  }

  private static long varint(Supplier<String> text, byte[] bytes, int[] at) {
    try {
      return Varint.read(bytes, at);
    } catch (IllegalArgumentException e) {
      throw invalid(text.get(), e.getMessage());
    }
  }

  private static byte[] decode58(String text, int from) {
    try {
      return Base58.decode(text, from);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  private static byte[] decode32(String text, int from, boolean upper) {
    try {
      return Multibase.decodeBase32(text, from, upper);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  private static byte[] decode16(String text) {
    if ((text.length() - 1) % 2 != 0) {
      throw invalid(text, "base16 needs an even number of digits");
    }
    byte[] out = new byte[(text.length() - 1) / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(text.charAt(1 + 2 * i), 16);
      int lo = Character.digit(text.charAt(2 + 2 * i), 16);
      if (hi < 0 || lo < 0) {
        throw invalid(text, "'" + text.substring(1 + 2 * i, 3 + 2 * i) + "' at character " + (2 + 2 * i)
            + " is not base16");
      }
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }

  private static String base58(byte[] bytes) {
    return Base58.encode(bytes);
  }

  private static String base32(byte[] bytes) {
    return Multibase.base32(bytes, false);
  }
}
