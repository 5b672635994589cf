package dev.ferry.circuit;

import io.vertx.core.Context;
import io.vertx.core.streams.ReadStream;

/**
 * The code of a peer service, registered by name on every node that offers it
 * ({@link Circuits#registerPeerService}): the same function serves both ends of its circuits.
 * It is called once per started peer, on that peer's context {@code ctx}; circuits that other
 * peers open to this one arrive on {@code newCircuits}. It must not block: everything it does
 * afterwards happens in handlers, on {@code ctx}.
 */
@FunctionalInterface
public interface PeerService {
  void start(LocalPeer me, Context ctx, ReadStream<Circuit> newCircuits);
}
