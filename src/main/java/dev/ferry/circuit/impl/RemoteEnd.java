package dev.ferry.circuit.impl;

/**
 * The other end of one circuit, as a {@link Sink} sends to it: the circuit's id (the same at both
 * ends), the id of the peer at that end, and where that end receives on the event bus (its peer
 * address, or the circuit's own address there). Plain values: a sink needs nothing else to send a
 * circuit's fragments, credit and close, so it never holds the circuit nor its {@link Route}.
 * Immutable.
 *
 * @param circuit the circuit's id
 * @param peer the id of the peer at the other end
 * @param address where the other end receives on the bus
 */
public record RemoteEnd(String circuit, String peer, String address) {}
