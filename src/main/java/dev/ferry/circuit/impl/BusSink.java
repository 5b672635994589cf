package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.time.Duration;

/**
 * The event bus as a {@link Sink}: each message goes to the other end's receive address with
 * string headers (docs/CIRCUITS.md, "Wire protocol"), the payload through {@link PayloadCodec}.
 * One per circuit service; stateless beyond its settings, so thread-safe.
 */
final class BusSink implements Sink {
  private final EventBus bus;
  private final long closeTimeoutMs;

  BusSink(EventBus bus, Duration closeTimeout) {
    this.bus = bus;
    this.closeTimeoutMs = closeTimeout.toMillis();
  }

  @Override
  public void fragment(RemoteEnd to, Fragment f, long serial) {
    bus.send(to.remoteAddress(), f.payload(), CircuitWire.fragment(CircuitWire.FRAGMENT, f, serial)
        .addHeader(CircuitWire.CIRCUIT, to.circuit()));
  }

  @Override
  public void credit(RemoteEnd to, long bytes) {
    bus.send(to.remoteAddress(), null, CircuitWire.onCircuit(CircuitWire.CREDIT, to.circuit())
        .addHeader(CircuitWire.BYTES, Long.toString(bytes)));
  }

  @Override
  public Future<Void> close(RemoteEnd to, String reason) {
    DeliveryOptions options = CircuitWire.onCircuit(CircuitWire.CLOSE, to.circuit())
        .addHeader(CircuitWire.REASON, reason).setSendTimeout(closeTimeoutMs);
    return bus.request(to.remoteAddress(), (Buffer) null, options).<Void>mapEmpty().otherwiseEmpty();
  }

  @Override
  public String toString() {
    return "the event bus";
  }
}
