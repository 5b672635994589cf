/**
 * Circuits: persistent, bidirectional, asynchronous streams of {@link dev.ferry.circuit.Fragment}s
 * between peers of a peer service, with per-circuit credit (docs/CIRCUITS.md).
 *
 * <p>This package is the API and the service: {@link dev.ferry.circuit.Circuits} (a node's circuit
 * service: peer services, running peers), {@link dev.ferry.circuit.LocalPeer} (a running peer, on
 * its own context), {@link dev.ferry.circuit.Circuit} (one end of a circuit: a Vert.x read and
 * write stream), {@link dev.ferry.circuit.PeerService}, {@link dev.ferry.circuit.PeerRef},
 * {@link dev.ferry.circuit.Fragment}, {@link dev.ferry.circuit.CircuitConfig}; and the verticles
 * behind them ({@link dev.ferry.circuit.CircuitVerticle}, {@code PeerHost}).
 *
 * <p>Dependencies point one way: {@code CircuitVerticle → Circuits → PeerHost → LocalPeer →
 * Circuit}, and all of them down to {@link dev.ferry.circuit.impl} (wire formats, streams,
 * transports). A peer is given the node's {@link dev.ferry.circuit.impl.Transport}, never the
 * service; a circuit sends through its {@link dev.ferry.circuit.impl.Route} (plain values) and
 * never sees a link frame. A circuit does not know its {@code LocalPeer}: what it needs of it, it
 * declares as {@code Circuit.Owner}, which the peer implements, and it names its peer by value
 * ({@code circuit.local()}, a {@link dev.ferry.circuit.PeerRef}; {@code circuit.context()}). The
 * implementation never reaches back up either: what it needs from above, it declares as an
 * interface this package implements. No two classes of the service depend on each other
 * ({@code dev.ferry.arch.LayersTest} checks both).
 * {@code filesync} is built on this API only.
 */
package dev.ferry.circuit;
