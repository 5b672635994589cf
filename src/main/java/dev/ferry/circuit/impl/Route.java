package dev.ferry.circuit.impl;

/**
 * Where one circuit end sends, as plain values: the circuit's id, the other end's peer id, where
 * that end receives on the event bus, and the {@link Sink} that carries the traffic (the bus, or
 * the circuit link to the other end's node). A sink needs nothing else to send a circuit's
 * fragments, credit and close, so it never holds the circuit.
 *
 * <p>Immutable: a circuit gets a new route when it opens and when its link breaks.
 *
 * @param circuit the circuit's id, the same at both ends
 * @param remotePeer the id of the peer at the other end
 * @param remoteAddress where the other end receives on the bus: its peer address, or the circuit's own address there
 * @param sink what carries the traffic
 */
public record Route(String circuit, String remotePeer, String remoteAddress, Sink sink) {
  /** The same route through another sink. */
  public Route via(Sink other) {
    return new Route(circuit, remotePeer, remoteAddress, other);
  }
}
