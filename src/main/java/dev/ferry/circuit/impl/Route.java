package dev.ferry.circuit.impl;

/**
 * Where one circuit end sends, as plain values: the circuit's id, the other end's peer id, where
 * that end receives on the event bus, the {@link Sink} that carries the traffic (the bus, or the
 * circuit link to the other end's node), and the node's byte counters it is counted in. A sink
 * needs nothing else to send a circuit's fragments, credit and close, so it never holds the
 * circuit.
 *
 * <p>Immutable: a circuit gets a new route when it opens and when its link breaks.
 *
 * @param circuit the circuit's id, the same at both ends
 * @param remotePeer the id of the peer at the other end
 * @param remoteAddress where the other end receives on the bus: its peer address, or the circuit's own address there
 * @param sink what carries the traffic
 * @param counters where the bytes sent and read on the circuit are counted (shared by the node's circuits)
 */
public record Route(String circuit, String remotePeer, String remoteAddress, Sink sink, Traffic counters) {
  /** The same route through another sink. */
  public Route via(Sink other) {
    return new Route(circuit, remotePeer, remoteAddress, other, counters);
  }

  /** The same circuit, to the address the other end named, through {@code way}. */
  public Route to(String otherEndAddress, Sink way) {
    return new Route(circuit, remotePeer, otherEndAddress, way, counters);
  }
}
