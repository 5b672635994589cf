package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.node.Identity;
import dev.ferry.web.DaemonRequest.SwarmPeers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * The {@code ipfs} part of ID objects: this node's daemon's peer ID, addresses and agent, asked
 * through the node's IPFS connector (its {@code id} call) each time, and answered on
 * {@code ferry.node.<name>.ipfs} for {@code GET /peers} on other nodes (IPFS Cluster's
 * {@code IPFSConnector.ID}). A daemon that does not answer gives {@code {"addresses": [], "error"}}.
 * The embedded store ({@link ContentStore}) is part of the node and has no libp2p host of its own:
 * it is described by the node's peer ID and its agent, {@code {"id", "agent"}}, empty values left out.
 *
 * <p>Used on its web verticle's event loop; the connector is that instance's own.
 */
final class DaemonIdentity {
  private final Vertx vertx;
  private final BusClient bus;
  private final NodeContext node;
  private final IpfsConnector ipfs;

  DaemonIdentity(Vertx vertx, NodeContext node, IpfsConnector ipfs) {
    this.vertx = vertx;
    this.bus = BusClient.of(vertx);
    this.node = node;
    this.ipfs = ipfs;
  }

  /**
   * Answers other nodes' {@link DaemonRequest}s for this node's daemon (one consumer per web
   * verticle instance): its ID, or its swarm peers.
   */
  Future<Void> serve() {
    Dispatch<DaemonRequest, Future<? extends BusJson>> dispatch =
        Dispatch.<DaemonRequest, Future<? extends BusJson>>over(DaemonRequest.class)
            .on(DaemonRequest.Id.class, r -> local().map(BusJson::of))
            .on(DaemonRequest.Swarm.class, r -> ipfs.swarmPeers().map(SwarmPeers::new))
            .build();
    return vertx.eventBus().consumer(Addresses.nodeIpfsId(node.name()),
        m -> DaemonRequest.REQUESTS.serve(m, dispatch::apply)).completion();
  }

  /**
   * The swarm peers of node {@code name}'s daemon ({@link IpfsConnector#swarmPeers}); empty when
   * they could not be read, as IPFS Cluster records a daemon whose swarm it could not read. Never fails.
   */
  Future<List<String>> swarmOf(String name, DeliveryOptions options) {
    Future<List<String>> peers = name.equals(node.name()) ? ipfs.swarmPeers()
        : bus.ask(Addresses.nodeIpfsId(name), new DaemonRequest.Swarm(), options, SwarmPeers::fromJson)
            .map(SwarmPeers::peers);
    return peers.otherwise(e -> List.of());
  }

  /** This node's daemon; never fails. */
  Future<JsonObject> local() {
    return ipfs.id()
        .map(id -> {
          JsonObject described = ipfs instanceof ContentStore
              ? new JsonObject().put("id", node.peerId().toString())
              : Identity.ipfs(Optional.ofNullable(id.id()), id.addresses(), "");
          return id.agent() == null || id.agent().isEmpty() ? described : described.put("agent", id.agent());
        })
        .otherwise(e -> Identity.ipfs(Optional.empty(), List.of(), e.getMessage()));
  }

  /** Node {@code name}'s daemon, asked over the bus; never fails. */
  Future<JsonObject> of(String name, DeliveryOptions options) {
    if (name.equals(node.name())) {
      return local();
    }
    return bus.ask(Addresses.nodeIpfsId(name), new DaemonRequest.Id(), options, json -> json)
        .otherwise(e -> Identity.ipfs(Optional.empty(), List.of(), "node " + name + " did not say its IPFS "
            + "daemon's identity: " + e.getMessage()));
  }
}
