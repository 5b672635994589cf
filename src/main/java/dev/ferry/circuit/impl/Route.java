package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import io.vertx.core.Future;

/**
 * Where and how one circuit end sends, as plain values: the other end (the circuit's id, the other
 * end's peer id, where that end receives on the event bus: the {@link RemoteEnd} a route is), the
 * {@link Sink} that carries the traffic (the bus, or the circuit link to the other end's node), and
 * the node's byte counters it is counted in. A route hands its sink only the remote end, so the
 * sink knows no route (route → sink → remote end).
 *
 * <p>Immutable: a circuit gets a new route when it opens and when its link breaks. Its sending
 * methods are called on the circuit's context, as {@link Sink}'s.
 *
 * @param circuit the circuit's id, the same at both ends
 * @param remotePeer the id of the peer at the other end
 * @param remoteAddress where the other end receives on the bus: its peer address, or the circuit's own address there
 * @param sink what carries the traffic
 * @param counters where the bytes sent and read on the circuit are counted (shared by the node's circuits)
 */
public record Route(String circuit, String remotePeer, String remoteAddress, Sink sink, Traffic counters)
    implements RemoteEnd {
  /** The same route through another sink. */
  public Route via(Sink other) {
    return new Route(circuit, remotePeer, remoteAddress, other, counters);
  }

  /** The same circuit, to the address the other end named, through {@code way}. */
  public Route to(String otherEndAddress, Sink way) {
    return new Route(circuit, remotePeer, otherEndAddress, way, counters);
  }

  /** Sends a fragment whose credit is already counted ({@link Sink#fragment}). */
  public void fragment(Fragment f, long serial) {
    sink.fragment(this, f, serial);
  }

  /** Returns {@code bytes} of credit to the other end ({@link Sink#credit}). */
  public void credit(long bytes) {
    sink.credit(this, bytes);
  }

  /** Tells the other end that the circuit closed ({@link Sink#close}). */
  public Future<Void> close(String reason) {
    return sink.close(this, reason);
  }
}
