package dev.ferry.core;

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
