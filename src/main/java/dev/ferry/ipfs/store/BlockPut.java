package dev.ferry.ipfs.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.core.FerryException;
import dev.ferry.core.JsonInput;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How a caller's own block becomes a stored one ({@code block/put}, {@code dag/put}): its codec,
 * its hash function, whether its CID is a CIDv0, and whether it may be larger than other IPFS
 * nodes exchange (Kubo's {@code allow-big-block}). {@link #checkSize} and {@link #cidOf} refuse,
 * with a {@code bad-request} saying why, a block too large or one that does not decode as its
 * codec (dag-pb, dag-cbor, dag-json), so that nothing a walk of a DAG cannot read is stored.
 * Immutable; {@link ContentStore#putBlock(java.nio.file.Path, BlockPut)} runs it on a worker.
 */
public record BlockPut(int codec, HashFunction hash, boolean v0, boolean allowBig) {
  /** The multicodec of DAG-JSON blocks. */
  public static final int DAG_JSON = 0x0129;
  /** The largest block other IPFS nodes exchange: Kubo refuses larger ones unless {@code allow-big-block}. */
  public static final int EXCHANGED_BYTES = 1024 * 1024;
  /**
   * The largest block taken at all, even with {@code allowBig}: what ferry's block exchange carries
   * with its default {@code exchange.max_block_bytes}, and a CAR import's largest block. Fixed: a
   * node set to exchange larger blocks still takes none larger from a caller.
   */
  public static final int MAX_BYTES = 2 * 1024 * 1024;
  private static final JsonFactory JSON = new JsonFactory();

  /** Refuses a block of {@code size} bytes before it is read, when it is too large. */
  void checkSize(long size) {
    if (size > MAX_BYTES) {
      throw FerryException.badRequest("a block of " + size + " bytes is over " + MAX_BYTES + " bytes, the largest "
          + "ferry's block exchange carries to other nodes: add it as a file (add), which cuts it into blocks");
    }
    if (size > EXCHANGED_BYTES && !allowBig) {
      throw FerryException.badRequest("a block of " + size + " bytes is over 1 MiB (" + EXCHANGED_BYTES + " bytes), "
          + "the largest other IPFS nodes exchange: add it as a file (add), which cuts it into blocks, or pass "
          + "allow-big-block=true (up to " + MAX_BYTES + " bytes)");
    }
  }

  /**
   * The CID of {@code block}, once it is known to be a block of its codec.
   *
   * @throws FerryException {@code bad-request} naming what is wrong with it
   */
  Cid cidOf(byte[] block) {
    checkSize(block.length);
    byte[] multihash = hash.multihash(block);
    Cid cid = v0 ? Cid.v0(multihash) : Cid.v1(codec, multihash);
    if (codec == DAG_JSON) {
      checkJson(cid, block);
    } else {
      Links.of(cid, block);  // a dag-pb or dag-cbor block that does not decode is refused
    }
    return cid;
  }

  /** A DAG-JSON block holds one JSON value and nothing after it. */
  private static void checkJson(Cid cid, byte[] block) {
    try (JsonParser parser = JSON.createParser(block)) {
      if (parser.nextToken() == null) {
        throw FerryException.badRequest("dag-json block " + cid + " is empty: it must hold one JSON value");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        JsonLocation next = parser.currentTokenLocation();
        throw FerryException.badRequest("dag-json block " + cid + " holds more than one JSON value (another starts at "
            + "line " + next.getLineNr() + ", column " + next.getColumnNr() + ")");
      }
    } catch (JsonProcessingException e) {
      throw FerryException.badRequest("dag-json block " + cid + " is not JSON: " + JsonInput.why(e));
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // a parser over an array in memory reads nothing else
    }
  }
}
