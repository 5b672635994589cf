package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What ferry reads of DAG-CBOR, per the IPLD DAG-CBOR specification: the CIDs a block links to
 * (tag 42 around a byte string, the identity multibase byte then the binary CID), found by walking
 * its items in the order they are written, and the few items a CAR header holds ({@link Reader}).
 * DAG-CBOR allows definite lengths only. Stateless, thread-safe.
 */
final class DagCbor {
  /** The multicodec of DAG-CBOR blocks. */
  static final int CODEC = 0x71;
  /** CBOR major types (the top three bits of an item's first byte) and the tag DAG-CBOR gives CIDs. */
  static final int UNSIGNED = 0;
  static final int BYTES = 2;
  static final int TEXT = 3;
  static final int ARRAY = 4;
  static final int MAP = 5;
  static final int TAG = 6;
  static final int SIMPLE = 7;
  static final int CID_TAG = 42;
  /** Nesting deeper than this is refused rather than walked (no real DAG node comes near it). */
  private static final int MAX_DEPTH = 512;

  private DagCbor() {}

  /**
   * The CIDs {@code block} links to, in the order they are written, each time it is written.
   *
   * @throws FerryException {@code bad-request} naming what is malformed
   */
  static List<Cid> links(Cid cid, byte[] block) {
    Reader in = new Reader(block, why -> FerryException.badRequest("dag-cbor block " + cid + ": " + why));
    List<Cid> links = new ArrayList<>();
    in.item(links, 0);
    if (!in.done()) {
      throw in.malformed.apply((block.length - in.at) + " bytes follow its one item");
    }
    return links;
  }

  /** Reads CBOR items one head at a time; errors are made by the caller's {@code malformed}. */
  static final class Reader {
    private final byte[] bytes;
    private final Function<String, FerryException> malformed;
    private int at;

    Reader(byte[] bytes, Function<String, FerryException> malformed) {
      this.bytes = bytes;
      this.malformed = malformed;
    }

    /** An item's head of major type {@code major}: its count, length or value. */
    long head(int major, String what) {
      int first = next(what);
      if (first >>> 5 != major) {
        throw malformed.apply(what + " has CBOR major type " + (first >>> 5) + ", expected " + major);
      }
      return argument(first & 31, what);
    }

    /** The content of a byte or text string of major type {@code major}. */
    byte[] bytes(int major, String what) {
      long length = head(major, what);
      if (length < 0 || length > bytes.length - at) {  // a length past 2^63 reads as negative
        throw malformed.apply(what + " is cut short");
      }
      byte[] out = Arrays.copyOfRange(bytes, at, at + (int) length);
      at += (int) length;
      return out;
    }

    boolean done() {
      return at == bytes.length;
    }

    /** Walks one item and everything in it, adding the CIDs it holds to {@code links}. */
    private void item(List<Cid> links, int depth) {
      if (depth > MAX_DEPTH) {
        throw malformed.apply("items nested more than " + MAX_DEPTH + " deep");
      }
      int first = next("an item");
      int major = first >>> 5;
      int info = first & 31;
      if (major == SIMPLE) {
        if (info >= 24 && info <= 27) {
          skip(1 << (info - 24), "a simple value or float");
        } else if (info > 27) {
          throw malformed.apply("an indefinite length or reserved value (DAG-CBOR has none) at byte " + (at - 1));
        }
        return;
      }
      long value = argument(info, "an item");
      switch (major) {
        case BYTES, TEXT -> skip(value, "a string");
        case ARRAY, MAP -> {
          long items = major == MAP ? 2 * value : value;
          for (long i = 0; i < items; i++) {
            item(links, depth + 1);
          }
        }
        case TAG -> {
          if (value != CID_TAG) {
            item(links, depth + 1);  // not DAG-CBOR, but its content may still link
            return;
          }
          byte[] cid = bytes(BYTES, "a CID (tag 42)");
          if (cid.length < 2 || cid[0] != 0) {
            throw malformed.apply("a CID (tag 42) lacks its identity multibase prefix");
          }
          links.add(Cid.fromBytes(Arrays.copyOfRange(cid, 1, cid.length)));
        }
        default -> { }  // an integer: its head was all of it
      }
    }

    private long argument(int info, String what) {
      if (info < 24) {
        return info;
      }
      if (info > 27) {
        throw malformed.apply(what + " has an indefinite or reserved length");
      }
      long value = 0;
      for (int i = 0; i < 1 << (info - 24); i++) {
        value = value << 8 | next(what);
      }
      return value;
    }

    private void skip(long length, String what) {
      if (length < 0 || length > bytes.length - at) {
        throw malformed.apply(what + " is cut short");
      }
      at += (int) length;
    }

    private int next(String what) {
      if (at >= bytes.length) {
        throw malformed.apply("it ends inside " + what);
      }
      return bytes[at++] & 0xff;
    }
  }
}
