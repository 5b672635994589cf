package dev.ferry.core;

import dev.ferry.peers.PeerId;
import java.util.Map;
import java.util.Optional;

/**
 * Which libp2p peer ID each node has, also for nodes that are down: this node's own, the
 * {@code peer_id}s written in peers.json, and every node this node has met as a cluster member
 * (each member carries its peer ID; what was met is kept in the data dir, so it survives
 * restarts). The HTTP API answers with peer IDs and accepts a node name wherever it accepts a peer
 * ID; {@link #resolve} is that rule.
 *
 * <p>Thread-safe: membership threads add, anyone reads.
 */
public interface PeerIds {
  /** The peer ID of the node called {@code name}, if known. */
  Optional<PeerId> peerId(String name);

  /** The name of the node with {@code peerId}, if known. */
  Optional<String> name(PeerId peerId);

  /**
   * The node a caller means by {@code nameOrPeerId}: a node of that name (in peers.json or met),
   * else the node with that peer ID. Empty when it is neither.
   */
  Optional<String> resolve(String nameOrPeerId);

  /** Every known node name and its peer ID, sorted by name. */
  Map<String, PeerId> all();
}
