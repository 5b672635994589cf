package dev.ferry.circuit.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The payload bytes circuits on this node sent and read ({@code ferry.circuit.bytes}, tagged by
 * direction). Registered once by the circuit service and handed to each circuit, which counts into
 * it without knowing the service. Thread-safe (Micrometer counters).
 */
public final class Traffic {
  private final Counter sent;
  private final Counter received;

  Traffic(MeterRegistry meters) {
    this.sent = Counter.builder("ferry.circuit.bytes").tag("direction", "sent")
        .description("Payload bytes sent through circuits from this node").register(meters);
    this.received = Counter.builder("ferry.circuit.bytes").tag("direction", "received")
        .description("Payload bytes read from circuits on this node").register(meters);
  }

  void sent(long bytes) {
    sent.increment(bytes);
  }

  public void received(long bytes) {
    received.increment(bytes);
  }
}
