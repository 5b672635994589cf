package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import io.vertx.core.Future;

/**
 * What carries a circuit's traffic after the open: fragments, credit and its close, each sent to a
 * {@link RemoteEnd} (ids and an address: a sink sees neither the circuit nor the route that names
 * the sink, though the route is what it is handed). Either the event bus
 * ({@link BusSink}: every circuit until it is opened, and every circuit with a bridge client or
 * within one node) or the {@link Link} to the other end's node (circuits whose two ends are Java
 * peers on different nodes). Both keep a circuit's messages in order.
 *
 * <p>Called on the circuit's context; implementations are shared by many circuits.
 */
public interface Sink {
  /** Sends a fragment whose credit is already counted. */
  void fragment(RemoteEnd to, Fragment f, long serial);

  /** Returns {@code bytes} of credit to the other end. */
  void credit(RemoteEnd to, long bytes);

  /**
   * Tells the other end that the circuit closed with {@code reason}, after everything sent before;
   * completes when it acknowledged, or after {@code circuit.close_timeout_ms}, never with a failure.
   * The future may complete on another thread than the caller's.
   */
  Future<Void> close(RemoteEnd to, String reason);
}
