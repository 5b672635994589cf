package dev.ferry.ipfs.store;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code ipfs} section of the node's configuration (defaults in conf/node.json), read and
 * checked once per node ({@link #of}) for every verticle that uses the node's content (pin, web,
 * proxy, history, exchange): a bad value fails the first of their starts with the key's full name.
 * Immutable.
 *
 * @param api a Kubo daemon's RPC API used instead of the embedded store ({@code ipfs.api}; empty:
 *     the embedded store); {@code NodeConfig.resolve} checks it when the node's configuration is read
 * @param storageMax the most bytes of blocks the embedded store holds ({@code ipfs.storage_max})
 * @param directorySharding how the node's adds decide to shard a directory ({@code ipfs.directory_sharding})
 * @param writes how an add writes its blocks ({@code ipfs.write_threads}, {@code ipfs.write_ahead_bytes},
 *     {@code ipfs.recycle_bytes})
 * @param extraConnections with {@code api}: connections to the daemon beyond those the tracker's pins
 *     hold ({@code ipfs.extra_connections})
 * @param gcTimeout how long a node's garbage collection may take ({@code ipfs.gc_timeout_ms})
 */
public record IpfsConfig(Optional<URI> api, long storageMax, ImportOptions.DirectorySharding directorySharding,
    BlockStore.Writes writes, int extraConnections, Duration gcTimeout) {

  /** The node's IPFS settings, read and checked at the first call on the node and the same record after. */
  public static IpfsConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), IpfsConfig.class, () -> from(node.config()));
  }

  /** Reads and checks the {@code ipfs} section of {@code config}, with its {@code ipfs.api}. */
  public static IpfsConfig from(NodeConfig config) {
    ConfigSection ipfs = config.section("ipfs");
    String rule = ipfs.string("directory_sharding");
    ImportOptions.DirectorySharding sharding = ImportOptions.DirectorySharding.named(rule)
        .orElseThrow(() -> ipfs.invalid("directory_sharding", "expected size (Kubo's rule: past "
            + ImportOptions.HAMT_SHARDING_SIZE + " bytes of link names and CIDs) or count (js-ipfs's: from "
            + ImportOptions.DEFAULT_SHARD_SPLIT_THRESHOLD + " entries), got '" + rule + "'"));
    return new IpfsConfig(config.ipfsApi(), ipfs.bytes("storage_max"), sharding,
        new BlockStore.Writes(ipfs.positive("write_threads"), ipfs.bytes("write_ahead_bytes"),
            ipfs.integer("recycle_bytes", 0, Long.MAX_VALUE, "a number of bytes, 0 or more")),
        ipfs.positive("extra_connections"), ipfs.millis("gc_timeout_ms"));
  }
}
