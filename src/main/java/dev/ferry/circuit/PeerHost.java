package dev.ferry.circuit;

import dev.ferry.circuit.impl.Transport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The verticle behind one {@link LocalPeer}: it gives the peer its own event-loop context, starts
 * it, and stops it (closing its circuits) when undeployed, whether by {@link LocalPeer#close} or
 * because the node stops.
 *
 * <p>Runs on its own context; not shared.
 */
final class PeerHost extends VerticleBase {
  private final Transport transport;
  private final LocalPeer.Registry registry;
  private final String service;
  private final PeerService code;
  private final boolean stopsWhenIdle;
  private final boolean bridgeClients;
  private LocalPeer peer;

  PeerHost(Transport transport, LocalPeer.Registry registry, String service, PeerService code, boolean stopsWhenIdle,
      boolean bridgeClients) {
    this.transport = transport;
    this.registry = registry;
    this.service = service;
    this.code = code;
    this.stopsWhenIdle = stopsWhenIdle;
    this.bridgeClients = bridgeClients;
  }

  @Override
  public Future<?> start() {
    peer = new LocalPeer(transport, registry, service, context, stopsWhenIdle, bridgeClients);
    peer.deployed(deploymentID());
    // the service code runs once the peer is reachable; if it throws, the peer does not start
    return peer.start().map(v -> {
      code.start(peer, context, peer.accepted());
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    return peer.stop();
  }

  LocalPeer peer() {
    return peer;
  }
}
