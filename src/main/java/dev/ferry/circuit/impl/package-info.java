/**
 * How circuits work underneath their API ({@link dev.ferry.circuit}): wire formats, streams and
 * transports. Nothing here knows a {@code Circuit}, {@code LocalPeer} or {@code Circuits}; of the
 * API it uses only the values it carries ({@code Fragment}, {@code CircuitConfig}).
 *
 * <ul>
 *   <li>Wire formats: {@link dev.ferry.circuit.impl.CircuitWire} (messages on the event bus:
 *   string headers), {@link dev.ferry.circuit.impl.LinkFrame} (frames on the circuit link),
 *   {@link dev.ferry.circuit.impl.PayloadCodec} (payloads on the bus without copies). These are
 *   the protocols of docs/CIRCUITS.md; they do not change with the code around them.</li>
 *   <li>Streams: {@link dev.ferry.circuit.impl.Inbound} (what a reader has not taken yet) and
 *   {@link dev.ferry.circuit.impl.Outbound} (written fragments waiting for credit).</li>
 *   <li>Transports: a circuit end's {@link dev.ferry.circuit.impl.Route} (ids and the other end's
 *   bus address, which make it a {@link dev.ferry.circuit.impl.RemoteEnd}; its
 *   {@link dev.ferry.circuit.impl.Sink}, the counters), a sink sending to a remote end, never to a
 *   route; the sinks, the event bus
 *   ({@code BusSink}) and the circuit link to another node ({@link dev.ferry.circuit.impl.Link},
 *   all of a node's in {@link dev.ferry.circuit.impl.CircuitLinks}); the byte counters
 *   ({@link dev.ferry.circuit.impl.Traffic}); and {@link dev.ferry.circuit.impl.Transport}, all of
 *   that for one node, which is what a peer is given.</li>
 * </ul>
 *
 * <p>What these classes need from above, they declare as interfaces the API implements:
 * {@link dev.ferry.circuit.impl.Inbound.Owner} (a circuit, or a peer for its new circuits),
 * {@link dev.ferry.circuit.impl.Outbound.Owner} (a peer, one for all its circuits),
 * {@link dev.ferry.circuit.impl.CircuitLinks.Ends} (the circuit service: frames by ids) and
 * {@link dev.ferry.circuit.impl.Link.Events} (the node's links, for each link).
 */
package dev.ferry.circuit.impl;
