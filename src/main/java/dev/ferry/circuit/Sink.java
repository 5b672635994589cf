package dev.ferry.circuit;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Where a {@link Circuit} sends what it sends after the open: fragments, credit and its close.
 * Either the event bus ({@link #BUS}, to the other end's receive address: every circuit until it
 * is opened, and every circuit with a bridge client or within one node) or the {@link Link} to
 * the other end's node (circuits whose two ends are Java peers on different nodes). Both keep a
 * circuit's messages in order.
 *
 * <p>Called on the circuit's context; implementations are shared by many circuits.
 */
interface Sink {
  /** Sends a fragment whose credit is already counted. */
  void fragment(Circuit c, Fragment f, long serial);

  /** Returns {@code bytes} of credit to the other end. */
  void credit(Circuit c, long bytes);

  /**
   * Tells the other end that the circuit closed with {@code reason}, after everything sent before;
   * completes when it acknowledged, or after {@code circuit.close_timeout_ms}, never with a failure.
   */
  Future<Void> close(Circuit c, String reason);

  /** The event bus, with string headers (docs/CIRCUITS.md, "Wire protocol"). */
  Sink BUS = new Sink() {
    @Override
    public void fragment(Circuit c, Fragment f, long serial) {
      c.eventBus().send(c.remoteAddress(), f.payload(), CircuitWire.fragment(CircuitWire.FRAGMENT, f, serial)
          .addHeader(CircuitWire.CIRCUIT, c.id()));
    }

    @Override
    public void credit(Circuit c, long bytes) {
      c.eventBus().send(c.remoteAddress(), null, CircuitWire.onCircuit(CircuitWire.CREDIT, c.id())
          .addHeader(CircuitWire.BYTES, Long.toString(bytes)));
    }

    @Override
    public Future<Void> close(Circuit c, String reason) {
      DeliveryOptions options = CircuitWire.onCircuit(CircuitWire.CLOSE, c.id()).addHeader(CircuitWire.REASON, reason)
          .setSendTimeout(c.localPeer().config().closeTimeout().toMillis());
      return c.eventBus().request(c.remoteAddress(), (Buffer) null, options).<Void>mapEmpty().otherwiseEmpty();
    }

    @Override
    public String toString() {
      return "the event bus";
    }
  };
}
