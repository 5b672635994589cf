package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
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
 * @param shardSplitThreshold the number of entries from which a directory is HAMT-sharded by
 *     {@link DirectorySharding#COUNT} (js-ipfs's {@code shard-split-threshold}; see
 *     {@link #DEFAULT_SHARD_SPLIT_THRESHOLD})
 * @param directorySharding which rule decides that a directory is HAMT-sharded: Kubo's size (the
 *     default) or js-ipfs's count
 */
public record ImportOptions(int chunkSize, int cidVersion, boolean rawLeaves, HashFunction hash,
    boolean wrapWithDirectory, boolean onlyHash, boolean trickle, int shardSplitThreshold,
    DirectorySharding directorySharding) {
  /** Kubo's and js-ipfs's default chunk: 256 KiB. */
  public static final int DEFAULT_CHUNK_SIZE = 262144;
  /** Kubo refuses larger chunks: a block beyond 1 MiB is not exchanged by other IPFS nodes. */
  public static final int MAX_CHUNK_SIZE = 1048576;
  /**
   * With {@link DirectorySharding#COUNT}, a directory of this many entries or more is HAMT-sharded:
   * the rule of js-ipfs's importer (ipfs-unixfs-importer's {@code shardSplitThreshold}, which js-ipfs
   * 0.66 applies with its sharding on), the reference ferry's CIDs are tested against.
   */
  public static final int DEFAULT_SHARD_SPLIT_THRESHOLD = 1000;
  /**
   * With {@link DirectorySharding#SIZE}, a directory whose links' names and CIDs take more than this
   * many bytes is HAMT-sharded: Kubo's {@code HAMTShardingSize} (boxo's {@code ipld/unixfs/io}, 256 KiB,
   * Kubo's {@code Import.UnixFSHAMTDirectorySizeThreshold} default). A format constant like the
   * 174 links: the same entries get Kubo's CID only with Kubo's number.
   */
  public static final int HAMT_SHARDING_SIZE = 262144;
  /** Kubo's {@code add} defaults, directories sharded by Kubo's size. */
  public static final ImportOptions DEFAULTS =
      new ImportOptions(DEFAULT_CHUNK_SIZE, 0, false, HashFunction.SHA2_256, false, false);
  private static final String SIZE_CHUNKER = "size-";

  /**
   * When a directory becomes a HAMT shard: where Kubo and js-ipfs differ. The layout of the shard is
   * the same under both; only the point at which a directory stops being one plain node differs.
   */
  public enum DirectorySharding {
    /** js-ipfs's importer: from {@link ImportOptions#shardSplitThreshold()} entries on. */
    COUNT,
    /**
     * Kubo's, the default (boxo's {@code BasicDirectory} with Kubo's default size estimation,
     * {@code Import.UnixFSHAMTDirectorySizeEstimation=links}): when the sum over its links of the
     * name's UTF-8 bytes plus the CID's binary bytes exceeds {@link #HAMT_SHARDING_SIZE} (a directory
     * exactly at it stays plain, as in boxo 0.37 and later, Kubo 0.40 and later; older Kubo sharded
     * at it). Kubo checks as each entry is added and an add only adds, so the whole directory's sum
     * decides.
     */
    SIZE;

    /** The rule named {@code count} or {@code size} (as {@code ipfs.directory_sharding} writes it), if that is one. */
    public static Optional<DirectorySharding> named(String name) {
      return Arrays.stream(values()).filter(rule -> rule.name().toLowerCase(Locale.ROOT).equals(name)).findFirst();
    }
  }

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
    if (directorySharding == null) {
      throw new IllegalArgumentException("directorySharding is null");
    }
  }

  /** The balanced layout, directories sharded by Kubo's size ({@link DirectorySharding#SIZE}). */
  public ImportOptions(int chunkSize, int cidVersion, boolean rawLeaves, HashFunction hash, boolean wrapWithDirectory,
      boolean onlyHash) {
    this(chunkSize, cidVersion, rawLeaves, hash, wrapWithDirectory, onlyHash, false, DEFAULT_SHARD_SPLIT_THRESHOLD,
        DirectorySharding.SIZE);
  }

  /**
   * These options with directories sharded by {@code rule}.
   *
   * @throws FerryException {@code bad-request} when the rule is {@link DirectorySharding#SIZE} and
   *     a {@code shard-split-threshold} was asked, which only the count rule has
   */
  public ImportOptions shardedBy(DirectorySharding rule) {
    if (rule == DirectorySharding.SIZE && shardSplitThreshold != DEFAULT_SHARD_SPLIT_THRESHOLD) {
      throw FerryException.badRequest("shard-split-threshold: this node shards directories by size, as Kubo "
          + "(ipfs.directory_sharding is size), which has no entry count; leave the parameter out, or set "
          + "ipfs.directory_sharding to count");
    }
    return new ImportOptions(chunkSize, cidVersion, rawLeaves, hash, wrapWithDirectory, onlyHash, trickle,
        shardSplitThreshold, rule);
  }

  /**
   * Options from Kubo's {@code add} parameters ({@code param} answers a parameter's value or
   * {@code null}): {@code chunker}, {@code cid-version}, {@code raw-leaves}, {@code hash},
   * {@code wrap-with-directory}, {@code only-hash}, {@code trickle}, and js-ipfs's
   * {@code shard-split-threshold}; directories are sharded by Kubo's {@link DirectorySharding#SIZE},
   * or by js-ipfs's {@link DirectorySharding#COUNT} when a {@code shard-split-threshold} is given
   * (a store applies its node's rule with {@link #shardedBy}).
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
    String threshold = param.apply("shard-split-threshold");
    return new ImportOptions(chunkSize(param.apply("chunker")), cidVersion, rawLeaves, hash,
        bool(param, "wrap-with-directory", false), bool(param, "only-hash", false), bool(param, "trickle", false),
        shardSplitThreshold(threshold), threshold == null || threshold.isEmpty() ? DirectorySharding.SIZE
            : DirectorySharding.COUNT);
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
