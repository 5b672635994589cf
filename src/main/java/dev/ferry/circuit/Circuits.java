package dev.ferry.circuit;

import dev.ferry.circuit.impl.Link;
import dev.ferry.circuit.impl.CircuitLinks;
import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.circuit.impl.Transport;
import dev.ferry.circuit.impl.NodeRequest;
import dev.ferry.circuit.impl.NodeRequest.StartedPeer;
import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit service of one node: the peer services registered here, the peers running here and
 * their open circuits. {@link #of(Vertx)} finds it once {@link CircuitVerticle} is deployed.
 *
 * <p>Thread-safe: the registries are concurrent maps, and each peer and circuit does its work on
 * its own context.
 */
public final class Circuits {
  private static final Logger log = LoggerFactory.getLogger(Circuits.class);
  private static final String SERVICE_NAME = "[a-z0-9_-]+";

  private final NodeContext node;
  private final CircuitConfig config;
  private final Map<String, PeerService> services = new ConcurrentHashMap<>();
  private final Map<String, LocalPeer> peers = new ConcurrentHashMap<>();
  private final Transport transport;
  private final LocalPeer.Registry registry = new LocalPeer.Registry() {
    @Override
    public void started(LocalPeer peer) {
      peers.put(peer.id(), peer);
    }

    @Override
    public void stopped(LocalPeer peer) {
      peers.remove(peer.id());
    }
  };

  /**
   * The header an event-bus bridge sets, to "1", on every frame a client sends to a circuit
   * address, so that peers of a node's own services refuse its opens ({@link #registerNodePeerService}).
   */
  public static final String FROM_BRIDGE_HEADER = CircuitWire.FROM_BRIDGE;

  /** Services whose peers refuse circuits from bridge clients ({@link #registerNodePeerService}). */
  private final Set<String> nodesOnly = ConcurrentHashMap.newKeySet();

  Circuits(NodeContext node, CircuitConfig config) {
    Gauge.builder("ferry.circuits.open", this, Circuits::openCircuits)
        .description("Open circuit ends on this node").register(node.meters());
    this.node = node;
    this.config = config;
    this.transport = new Transport(node, config, new LinkEnds());
  }

  /** The circuit service of the node that runs on {@code vertx}; {@code unavailable} when it is not deployed. */
  public static Circuits of(Vertx vertx) {
    return LocalServices.get(vertx, Circuits.class, "deploy verticles/circuit.json (dev.ferry.circuit.CircuitVerticle)");
  }

  /** Registers (or replaces) the code of a peer service under {@code name}; any peer may open circuits to its peers. */
  public void registerPeerService(String name, PeerService service) {
    checkName(name);
    services.put(name, service);
    nodesOnly.remove(name);
  }

  private static void checkName(String name) {
    if (name == null || !name.matches(SERVICE_NAME)) {
      throw FerryException.badRequest("a peer service name is lowercase letters, digits, '-' and '_', got: " + name);
    }
  }

  /**
   * Registers (or replaces) a peer service whose peers take circuits from Java peers on ferry nodes
   * only, never from event-bus bridge clients: a node's own services, which serve its store or
   * write its files (the block exchange, file sync).
   */
  public void registerNodePeerService(String name, PeerService service) {
    checkName(name);
    nodesOnly.add(name);  // before the service can start a peer
    services.put(name, service);
  }

  /** The names of the registered peer services. */
  public List<String> services() {
    return services.keySet().stream().sorted().toList();
  }

  /** Starts a peer of a registered service on this node, on a context of its own. */
  public Future<LocalPeer> startLocalPeer(String service) {
    return startPeer(service, false);
  }

  /**
   * Starts a peer of {@code service} on node {@code node} (this one included) and returns where it
   * is. Such a peer stops by itself after {@code circuit.remote_peer_idle_ms} without circuits.
   * Fails with {@code not-found} for an unknown node or service.
   */
  public Future<PeerRef> startRemotePeer(String service, String nodeName) {
    if (node.name().equals(nodeName)) {
      return startPeer(service, true).map(LocalPeer::ref);
    }
    if (!node.members().isUp(nodeName)) {
      return Future.failedFuture(FerryException.notFound("no node '" + nodeName + "' in the cluster (members: "
          + String.join(", ", node.members().current().stream().map(Members.Member::name).toList()) + ")"));
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(config.openTimeout().toMillis());
    return BusClient.of(vertx())
        .whenNobodyServes(a -> new FerryException(FerryException.UNAVAILABLE, "node " + nodeName
            + " does not run the circuit service"))
        .ask(Addresses.circuitNode(nodeName), new NodeRequest.StartPeer(service), options, StartedPeer::fromJson)
        .map(started -> new PeerRef(started.node(), started.service(), started.id()));
  }

  /** The peers running on this node now. */
  public List<LocalPeer> localPeers() {
    return new ArrayList<>(peers.values());
  }

  public Optional<LocalPeer> localPeer(String id) {
    return Optional.ofNullable(peers.get(id));
  }

  /** How many circuit ends are open on this node. */
  public int openCircuits() {
    return peers.values().stream().mapToInt(LocalPeer::openCircuits).sum();
  }

  /** How many event-bus consumers the circuit service holds now (peers, circuits). */
  public int consumers() {
    return transport.consumers();
  }

  public CircuitConfig config() {
    return config;
  }

  /** This node's name. */
  public String node() {
    return node.name();
  }

  // ---- inside ----

  Vertx vertx() {
    return node.vertx();
  }

  /** The node's circuit links (circuits between Java peers on different nodes). */
  CircuitLinks links() {
    return transport.links();
  }

  Future<LocalPeer> startPeer(String service, boolean stopsWhenIdle) {
    PeerService code = services.get(service);
    if (code == null) {
      return Future.failedFuture(FerryException.notFound("no peer service '" + service + "' on node " + node.name()
          + " (registered: " + String.join(", ", services()) + ")"));
    }
    PeerHost host = new PeerHost(transport, registry, service, code, stopsWhenIdle, !nodesOnly.contains(service));
    return vertx().deployVerticle(host).map(id -> host.peer());
  }

  /** Answers {@code ferry.node.<name>.circuits}: start a peer here for another node. */
  Future<StartedPeer> startForRemote(String service) {
    return startPeer(service, true).map(peer -> new StartedPeer(peer.id(), peer.node(), peer.service(), peer.url()));
  }

  /** Closes, with reason {@code node-down}, every circuit whose other end ran on a node that left. */
  void nodeLeft(String name, String incarnation) {
    int count = 0;
    for (LocalPeer peer : peers.values()) {
      for (Circuit c : peer.circuits()) {
        if (c.remote().node().equals(name) && (c.remoteIncarnation() == null || c.remoteIncarnation().equals(incarnation))) {
          peer.onContext(() -> c.closeHere("node-down"));
          count++;
        }
      }
    }
    if (count > 0) {
      log.info("node {} left: closing {} circuit{} that crossed to it (node-down)", name, count, count == 1 ? "" : "s");
    }
  }

  /** Stops every peer on this node; their circuits close with {@code reason}. */
  Future<Void> stopAll(String reason) {
    List<Future<String>> stopping = new ArrayList<>();
    for (LocalPeer peer : peers.values()) {
      stopping.add(peer.close(reason));
    }
    return Future.join(stopping).mapEmpty();
  }

  /**
   * The circuits of this node as the links see them: a frame from a link goes to the end it names,
   * on that end's peer's context, if that end's other end is on the link's node; a frame for an end
   * that is not here is dropped (a close is still acknowledged).
   */
  private final class LinkEnds implements CircuitLinks.Ends {
    @Override
    public String incarnationOrNull(String nodeName) {
      return transport.incarnationOrNull(nodeName);
    }

    @Override
    public void fragment(String from, String peerId, String circuitId, Fragment f) {
      onEnd(from, peerId, circuitId, "a fragment", c -> c.received(f.stamped(c.remote().peerId(), peerId, circuitId, f.serial())), null);
    }

    @Override
    public void credit(String from, String peerId, String circuitId, long bytes) {
      onEnd(from, peerId, circuitId, "credit", c -> c.credited(bytes), null);
    }

    @Override
    public void close(String from, String peerId, String circuitId, String reason, Runnable acknowledge) {
      onEnd(from, peerId, circuitId, "a close", c -> {
        c.closeHere(reason);
        acknowledge.run();
      }, acknowledge);
    }

    @Override
    public boolean crossesTo(String nodeName) {
      return peers.values().stream().anyMatch(p -> p.circuits().stream().anyMatch(c -> c.remote().node().equals(nodeName)));
    }

    @Override
    public void linkBroke(Link link) {
      for (LocalPeer peer : peers.values()) {
        for (Circuit c : peer.circuits()) {
          if (c.remote().node().equals(link.node())) {
            peer.context().runOnContext(v -> c.linkBroke(link, transport.bus()));
          }
        }
      }
    }

    /** Runs {@code task} on the end's context, or {@code otherwise} (if any) when there is no such end. */
    private void onEnd(String from, String peerId, String circuitId, String what, Consumer<Circuit> task, Runnable otherwise) {
      LocalPeer peer = peers.get(peerId);
      if (peer == null) {
        log.debug("circuit link from {}: dropped {} for peer {}, which is not on this node", from, what, peerId);
        if (otherwise != null) {
          otherwise.run();
        }
        return;
      }
      peer.onContext(() -> {
        Circuit circuit = peer.circuitFrom(circuitId, from);
        if (circuit != null) {
          task.accept(circuit);
        } else {
          log.debug("circuit link from {}: dropped {}: no circuit {} to that node at {}", from, what, circuitId, peer);
          if (otherwise != null) {
            otherwise.run();
          }
        }
      });
    }
  }
}
