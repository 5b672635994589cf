package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import io.vertx.core.Future;

/**
 * Where and how one circuit end sends, as plain values: the {@link RemoteEnd} (the circuit's id,
 * the other end's peer id and bus address), the {@link Sink} that carries the traffic (the bus, or
 * the circuit link to the other end's node), and the node's byte counters it is counted in. A
 * route hands its sink the remote end, never itself, so the sink knows no route (dependencies point
 * one way: route → sink → remote end).
 *
 * <p>Immutable: a circuit gets a new route when it opens and when its link breaks. Its sending
 * methods are called on the circuit's context, as {@link Sink}'s.
 *
 * @param end the other end
 * @param sink what carries the traffic
 * @param counters where the bytes sent and read on the circuit are counted (shared by the node's circuits)
 */
public record Route(RemoteEnd end, Sink sink, Traffic counters) {
  /** A route to the circuit {@code circuit} of peer {@code remotePeer}, who receives at {@code remoteAddress}. */
  public Route(String circuit, String remotePeer, String remoteAddress, Sink sink, Traffic counters) {
    this(new RemoteEnd(circuit, remotePeer, remoteAddress), sink, counters);
  }

  /** The circuit's id, the same at both ends. */
  public String circuit() {
    return end.circuit();
  }

  /** The id of the peer at the other end. */
  public String remotePeer() {
    return end.peer();
  }

  /** The same route through another sink. */
  public Route via(Sink other) {
    return new Route(end, other, counters);
  }

  /** The same circuit, to the address the other end named, through {@code way}. */
  public Route to(String otherEndAddress, Sink way) {
    return new Route(new RemoteEnd(end.circuit(), end.peer(), otherEndAddress), way, counters);
  }

  /** Sends a fragment whose credit is already counted ({@link Sink#fragment}). */
  public void fragment(Fragment f, long serial) {
    sink.fragment(end, f, serial);
  }

  /** Returns {@code bytes} of credit to the other end ({@link Sink#credit}). */
  public void credit(long bytes) {
    sink.credit(end, bytes);
  }

  /** Tells the other end that the circuit closed ({@link Sink#close}). */
  public Future<Void> close(String reason) {
    return sink.close(end, reason);
  }
}
