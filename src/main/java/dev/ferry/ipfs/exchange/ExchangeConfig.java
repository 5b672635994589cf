package dev.ferry.ipfs.exchange;

import dev.ferry.circuit.CircuitConfig;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeConfig;
import java.time.Duration;

/**
 * The {@code exchange} section of the node's configuration (defaults in conf/node.json); every bad
 * value names its key. Immutable.
 *
 * @param fragmentBytes payload bytes per fragment of a block sent to another node (at most
 *     {@code circuit.max_payload_bytes}); a larger block travels as several fragments
 * @param maxBlockBytes the largest block accepted from another node (a peer announcing more is not
 *     believed)
 * @param wantsPerNode blocks one fetch asks of one node at a time (its want-list)
 * @param readsInFlight blocks a serving circuit reads from disk at once
 * @param pendingWriteBytes received bytes of one fetch waiting for its disk before the fetch stops
 *     reading its circuits (they then hold back their senders by their credit)
 * @param retryInterval how long a fetch waits before asking again for blocks no node had
 * @param handoffInterval how often the node checks whether the nodes an added CID is allocated to
 *     have pinned it, to lift the add's protection from garbage collection
 * @param protectUnclaimed how long an added root that no cluster pin names stays protected
 */
public record ExchangeConfig(
    int fragmentBytes,
    int maxBlockBytes,
    int wantsPerNode,
    int readsInFlight,
    long pendingWriteBytes,
    Duration retryInterval,
    Duration handoffInterval,
    Duration protectUnclaimed) {

  /** Reads {@code exchange.*}; the fragment size must fit {@code circuit.max_payload_bytes}. */
  public static ExchangeConfig from(NodeConfig node) {
    ConfigSection e = node.section("exchange");
    int fragment = CircuitConfig.fragmentBytes(node, e, "fragment_bytes");
    return new ExchangeConfig(
        fragment,
        e.intBytes("max_block_bytes"),
        e.positive("wants_per_node"),
        e.positive("reads_in_flight"),
        e.bytes("pending_write_bytes"),
        e.millis("retry_interval_ms"),
        e.millis("handoff_interval_ms"),
        e.millis("protect_unclaimed_ms"));
  }
}
