package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import java.util.function.Function;

/**
 * How the importer cuts and names content, with Kubo's defaults and rules: chunks of 256 KiB, CIDv0,
 * leaves in dag-pb; {@code cid-version=1} (or a hash other than sha2-256, which CIDv0 cannot name)
 * makes raw leaves the default. These are properties of the IPFS format, shared with every other
 * implementation so that the same bytes get the same CID; they are not ferry settings. Immutable.
 *
 * @param chunkSize bytes per leaf (Kubo's {@code chunker=size-N})
 * @param cidVersion 0 or 1
 * @param rawLeaves whether leaves are raw blocks rather than UnixFS nodes in dag-pb
 * @param hash the multihash function
 * @param wrapWithDirectory whether the added entries go into one directory that becomes the root
 * @param onlyHash whether blocks are computed but not stored
 * @param trickle whether files take the trickle layout (Kubo's {@code --trickle}) rather than the balanced one
 * @param shardSplitThreshold the number of entries from which a directory is HAMT-sharded (js-ipfs's
 *     {@code shard-split-threshold}; see {@link #DEFAULT_SHARD_SPLIT_THRESHOLD})
 */
public record ImportOptions(int chunkSize, int cidVersion, boolean rawLeaves, HashFunction hash,
    boolean wrapWithDirectory, boolean onlyHash, boolean trickle, int shardSplitThreshold) {
  /** Kubo's and js-ipfs's default chunk: 256 KiB. */
  public static final int DEFAULT_CHUNK_SIZE = 262144;
  /** Kubo refuses larger chunks: a block beyond 1 MiB is not exchanged by other IPFS nodes. */
  public static final int MAX_CHUNK_SIZE = 1048576;
  /**
   * A directory of this many entries or more is HAMT-sharded: the rule of js-ipfs's importer
   * (ipfs-unixfs-importer's {@code shardSplitThreshold}, which js-ipfs 0.66 applies with its sharding
   * on), the reference ferry's CIDs are tested against. Kubo decides by size instead (names plus
   * CIDs of the links past 256 KiB), so between the two thresholds Kubo keeps a directory plain
   * that ferry shards (docs/CONTENT.md).
   */
  public static final int DEFAULT_SHARD_SPLIT_THRESHOLD = 1000;
  /** Kubo's {@code add} defaults. */
  public static final ImportOptions DEFAULTS =
      new ImportOptions(DEFAULT_CHUNK_SIZE, 0, false, HashFunction.SHA2_256, false, false);
  private static final String SIZE_CHUNKER = "size-";

  public ImportOptions {
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw FerryException.badRequest("chunker: size-" + chunkSize + " is out of range (1 to " + MAX_CHUNK_SIZE + " bytes)");
    }
    if (cidVersion != 0 && cidVersion != 1) {
      throw FerryException.badRequest("cid-version: " + cidVersion + " is not supported (0 or 1)");
    }
    if (cidVersion == 0 && hash != HashFunction.SHA2_256) {
      throw FerryException.badRequest("hash: a CIDv0 names only sha2-256 blocks; use cid-version=1 with " + hash.kuboName());
    }
    if (shardSplitThreshold < 1) {
      throw FerryException.badRequest("shard-split-threshold: " + shardSplitThreshold + " is not a number of entries "
          + "(1 or more)");
    }
  }

  /** The balanced layout, directories sharded from {@value #DEFAULT_SHARD_SPLIT_THRESHOLD} entries. */
  public ImportOptions(int chunkSize, int cidVersion, boolean rawLeaves, HashFunction hash, boolean wrapWithDirectory,
      boolean onlyHash) {
    this(chunkSize, cidVersion, rawLeaves, hash, wrapWithDirectory, onlyHash, false, DEFAULT_SHARD_SPLIT_THRESHOLD);
  }

  /**
   * Options from Kubo's {@code add} parameters ({@code param} answers a parameter's value or
   * {@code null}): {@code chunker}, {@code cid-version}, {@code raw-leaves}, {@code hash},
   * {@code wrap-with-directory}, {@code only-hash}, {@code trickle}, and js-ipfs's
   * {@code shard-split-threshold}.
   *
   * @throws FerryException {@code bad-request} naming the parameter that is wrong
   */
  public static ImportOptions fromKubo(Function<String, String> param) {
    HashFunction hash = param.apply("hash") == null ? HashFunction.SHA2_256 : HashFunction.byName(param.apply("hash"));
    String version = param.apply("cid-version");
    int cidVersion;
    try {
      cidVersion = version != null ? Integer.parseInt(version) : hash == HashFunction.SHA2_256 ? 0 : 1;
    } catch (NumberFormatException e) {
      throw FerryException.badRequest("cid-version: '" + version + "' is not a number (0 or 1)");
    }
    boolean rawLeaves = bool(param, "raw-leaves", cidVersion == 1);
    return new ImportOptions(chunkSize(param.apply("chunker")), cidVersion, rawLeaves, hash,
        bool(param, "wrap-with-directory", false), bool(param, "only-hash", false), bool(param, "trickle", false),
        shardSplitThreshold(param.apply("shard-split-threshold")));
  }

  private static int shardSplitThreshold(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_SHARD_SPLIT_THRESHOLD;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw FerryException.badRequest("shard-split-threshold: '" + value + "' is not a number of entries");
    }
  }

  private static int chunkSize(String chunker) {
    if (chunker == null || chunker.isEmpty()) {
      return DEFAULT_CHUNK_SIZE;
    }
    if (!chunker.startsWith(SIZE_CHUNKER)) {
      throw FerryException.badRequest("chunker: '" + chunker + "' is not supported by the embedded store (size-N; "
          + "rabin and buzhash need a Kubo daemon: set ipfs.api)");
    }
    try {
      return Integer.parseInt(chunker.substring(SIZE_CHUNKER.length()));
    } catch (NumberFormatException e) {
      throw FerryException.badRequest("chunker: '" + chunker + "' is not size-N with N a number of bytes");
    }
  }

  private static boolean bool(Function<String, String> param, String name, boolean otherwise) {
    String value = param.apply(name);
    if (value == null) {
      return otherwise;
    }
    return switch (value) {
      case "true", "" -> true;
      case "false" -> false;
      default -> throw FerryException.badRequest(name + ": '" + value + "' is not true or false");
    };
  }
}
