package dev.ferry.circuit;

import dev.ferry.circuit.filesync.FileSyncService;
import dev.ferry.circuit.impl.CircuitLinks;
import dev.ferry.circuit.impl.NodeRequest;
import dev.ferry.circuit.impl.PayloadCodec;
import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's circuit service (verticles/circuit.json, a per-node singleton): it makes
 * {@link Circuits} available to the node's code, registers the built-in peer services (echo,
 * discard, filesync), starts peers for other nodes, runs the node's circuit link server
 * ({@link CircuitLinks}), and closes the circuits that crossed to a node that left the cluster. On stop,
 * every peer stops and its circuits close with reason {@code node-stopping}, then the links close.
 *
 * <p>Runs on one event loop; {@link Circuits} itself is thread-safe.
 */
public final class CircuitVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(CircuitVerticle.class);

  private final NodeContext node;
  private Circuits circuits;

  public CircuitVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    circuits = new Circuits(node, CircuitConfig.from(node.config().section("circuit")));
    PayloadCodec.register(vertx.eventBus());
    registerBuiltinServices();
    return Future.all(serveStartRequests(), followMembership(), circuits.links().start(context))
        .onSuccess(x -> publish());
  }

  @Override
  public Future<?> stop() {
    LocalServices.withdraw(vertx, Circuits.class, circuits);
    // the links stay up until the peers' closes have gone out on them and been acknowledged
    return circuits.stopAll(LocalPeer.NODE_STOPPING)
        .eventually(() -> circuits.links().stop())
        .onComplete(x -> PayloadCodec.unregister(vertx.eventBus()));
  }

  private void registerBuiltinServices() {
    circuits.registerPeerService(Builtins.ECHO, Builtins::echo);
    circuits.registerPeerService(Builtins.DISCARD, Builtins::discard);
    circuits.registerNodePeerService(FileSyncService.NAME, new FileSyncService(node));
  }

  /**
   * {@code ferry.node.<name>.circuits} ({@link NodeRequest}): another node asks to start a peer
   * here, or where this node's circuit link server listens.
   */
  private Future<Void> serveStartRequests() {
    Dispatch<NodeRequest, Future<? extends BusJson>> dispatch =
        Dispatch.<NodeRequest, Future<? extends BusJson>>over(NodeRequest.class)
            .on(NodeRequest.StartPeer.class, r -> circuits.startForRemote(r.service()))
            .on(NodeRequest.WhereIsLink.class, r -> circuits.links().where())
            .build();
    return vertx.eventBus().consumer(Addresses.circuitNode(node.name()), m -> NodeRequest.REQUESTS.serve(m, dispatch::apply))
        .completion();
  }

  /** Circuits to a node that left close with reason {@code node-down}. */
  private Future<Void> followMembership() {
    return node.members().onLeft(left -> {
      circuits.nodeLeft(left.node(), left.incarnation());
      circuits.links().nodeLeft(left.node(), left.incarnation());
    });
  }

  private void publish() {
    LocalServices.publish(vertx, Circuits.class, circuits);
    CircuitConfig c = circuits.config();
    log.info("circuit service up on {}: services {}, max payload {} bytes, window {} bytes per circuit",
        node.name(), circuits.services(), c.maxPayloadBytes(), c.windowBytes());
  }
}
