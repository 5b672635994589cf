package dev.ferry.core;

import dev.ferry.peers.PeerId;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;

/**
 * What a service verticle may know about the node that hosts it. Verticles whose class has a
 * constructor taking a {@code NodeContext} receive it from the deployer.
 *
 * <p>Thread-safe: every part is immutable or safe to read from any thread.
 */
public interface NodeContext {
  /** The node's name, from peers.json or {@code --name}. */
  String name();

  /** The identity of this run of the node. */
  Incarnation incarnation();

  /** The node's persistent Ed25519 key, in its data dir. */
  NodeKey key();

  /** The node's libp2p peer ID, derived from its {@link #key()}: the same at every start. */
  default PeerId peerId() {
    return key().peerId();
  }

  /** Node name ↔ peer ID, for every node known to this one, also those that are down. */
  PeerIds peerIds();

  /** The resolved configuration. */
  NodeConfig config();

  /** The cluster's members as this node sees them. */
  Members members();

  /** The node's metrics, scraped at {@code GET /metrics}; services add theirs named {@code ferry_*}. */
  PrometheusMeterRegistry meters();

  /** What on this node is failing now; {@code GET /health} reports it. */
  Health health();

  /** The Vert.x instance the node runs on. */
  Vertx vertx();

  /** ferry's version. */
  default String version() {
    return Version.current();
  }
}
