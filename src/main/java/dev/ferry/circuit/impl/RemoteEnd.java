package dev.ferry.circuit.impl;

/**
 * The other end of one circuit, as a {@link Sink} sends to it: the circuit's id (the same at both
 * ends), the id of the peer at that end, and where that end receives on the event bus (its peer
 * address, or the circuit's own address there). A sink needs nothing else to send a circuit's
 * fragments, credit and close. The {@link Route} implements it and hands itself over, so a sink
 * sees these values, never the route that names the sink nor the circuit (dependencies point one
 * way: route → sink → remote end, as MicroRaft's {@code Transport.send} takes a
 * {@code RaftEndpoint}), and a route costs no second object.
 *
 * <p>Implementations are immutable.
 */
public interface RemoteEnd {
  /** The circuit's id. */
  String circuit();

  /** The id of the peer at the other end. */
  String remotePeer();

  /** Where the other end receives on the bus. */
  String remoteAddress();
}
