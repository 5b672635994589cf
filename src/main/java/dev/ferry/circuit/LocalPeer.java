package dev.ferry.circuit;

import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.circuit.impl.Inbound;
import dev.ferry.circuit.impl.Outbound;
import dev.ferry.circuit.impl.Route;
import dev.ferry.circuit.impl.Transport;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.streams.ReadStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running instance of a {@link PeerService} on this node: it accepts circuits on
 * {@code ferry.circuit.<id>}, where the messages of its circuits arrive too (by their
 * {@code circuit} header), and opens circuits to other peers. Started by
 * {@link Circuits#startLocalPeer} (or remotely, by {@link Circuits#startRemotePeer}); stopped by
 * {@link #close}, which closes all its circuits with the reason, or when the node stops (reason
 * {@code node-stopping}).
 *
 * <p>Each peer owns one event-loop context ({@link #context()}): its service code, its circuits
 * and all their handlers run there. The methods may be called from any thread.
 */
public final class LocalPeer {
  private static final Logger log = LoggerFactory.getLogger(LocalPeer.class);
  /** The reason circuits get when the peer stops because its node stops. */
  public static final String NODE_STOPPING = "node-stopping";

  /** Where the node keeps its running peers (the circuit service): told when a peer starts and when it stopped. */
  interface Registry {
    void started(LocalPeer peer);

    void stopped(LocalPeer peer);
  }

  private final Transport transport;
  private final Registry registry;
  private final String id;
  private final String service;
  private final Context context;
  private final Thread loop;
  private final boolean stopsWhenIdle;
  /** How to reach this peer, one value its circuits share. */
  private final PeerRef ref;
  private final Map<String, Circuit> open = new ConcurrentHashMap<>();
  private final Inbound<Circuit> newCircuits;
  /** What the sending halves of this peer's circuits need from it (one for all of them). */
  private final Outbound.Owner sending = new Outbound.Owner() {
    @Override
    public void onContext(Runnable task) {
      LocalPeer.this.onContext(task);
    }

    @Override
    public int maxPayloadBytes() {
      return config().maxPayloadBytes();
    }

    @Override
    public void sendFailed(Route route, FerryException failure) {
      Circuit circuit = open.get(route.circuit());
      if (circuit != null) {
        circuit.sendFailed(failure);
      }
    }

    @Override
    public Future<Void> close(Route route, String reason) {
      Circuit circuit = open.get(route.circuit());
      return circuit == null ? Future.succeededFuture() : circuit.close(reason);
    }

    @Override
    public String toString() {
      return LocalPeer.this.toString();
    }
  };
  /** What this peer's circuits need of it (one for all of them): a circuit never holds the peer itself. */
  private final Circuit.Owner circuitOwner = new Circuit.Owner() {
    @Override
    public PeerRef ref() {
      return LocalPeer.this.ref();
    }

    @Override
    public boolean refusesBridge(Message<Object> m) {
      return LocalPeer.this.refusesBridge(m);
    }

    @Override
    public Context context() {
      return context;
    }

    @Override
    public void onContext(Runnable task) {
      LocalPeer.this.onContext(task);
    }

    @Override
    public Transport transport() {
      return transport;
    }

    @Override
    public Outbound.Owner sending() {
      return sending;
    }

    @Override
    public void forget(Circuit circuit) {
      LocalPeer.this.forget(circuit);
    }

    @Override
    public Future<Circuit> newCircuitToPeer(PeerRef to, Fragment first) {
      return LocalPeer.this.newCircuitToPeer(to, first);
    }

    @Override
    public String toString() {
      return LocalPeer.this.toString();
    }
  };
  private static final SecureRandom IDS = new SecureRandom();
  private final Promise<String> closed = Promise.promise();
  /** Whether event-bus bridge clients may open circuits to this peer (its service is not for nodes only). */
  private final boolean bridgeClients;
  private MessageConsumer<Object> consumer;
  private volatile String stopReason;
  private volatile int openCount;
  private long idleTimer = -1;
  private String deploymentId;

  LocalPeer(Transport transport, Registry registry, String service, Context context, boolean stopsWhenIdle,
      boolean bridgeClients) {
    this.bridgeClients = bridgeClients;
    this.transport = transport;
    this.registry = registry;
    this.id = newId();
    this.service = service;
    this.context = context;
    this.loop = Thread.currentThread();
    this.stopsWhenIdle = stopsWhenIdle;
    this.ref = new PeerRef(transport.node(), service, id);
    this.newCircuits = new Inbound<>(new Inbound.Owner<Circuit>() {
      @Override
      public void onContext(Runnable task) {
        LocalPeer.this.onContext(task);
      }

      @Override
      public void delivered(Circuit circuit) {
        // accepting a circuit costs no credit
      }
    });
  }

  public String id() {
    return id;
  }

  /** The name of the service this peer runs. */
  public String service() {
    return service;
  }

  /** The node this peer runs on. */
  public String node() {
    return transport.node();
  }

  /** How to reach this peer: {@code ferry://<node>/<service>/<id>}. */
  public PeerRef ref() {
    return ref;
  }

  public String url() {
    return ref().url();
  }

  /** The context the peer's code and handlers run on. */
  public Context context() {
    return context;
  }

  /** How many circuits of this peer are open now. */
  public int openCircuits() {
    return openCount;
  }

  /** The open circuits, a snapshot. */
  public List<Circuit> circuits() {
    return List.copyOf(open.values());
  }

  /** Opens a circuit to the peer at {@code url}, sending {@code first} (may be null) with the open. */
  public Future<Circuit> newCircuitToPeer(String url, Fragment first) {
    try {
      return newCircuitToPeer(PeerRef.parse(url), first);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Opens a circuit to a peer, with {@code first} (may be null) as its first fragment. Fails with
   * {@code not-found} when the node or the peer does not exist, {@code too-large} when the first
   * payload is too big, {@code timeout} when the other side does not answer in
   * {@code circuit.open_timeout_ms}.
   */
  public Future<Circuit> newCircuitToPeer(PeerRef to, Fragment first) {
    Promise<Circuit> promise = Promise.promise();
    onContext(() -> open(to, first).onComplete(promise));
    return promise.future();
  }

  /** Stops the peer: closes every circuit with {@code reason}, then stops accepting new ones. */
  public Future<String> close(String reason) {
    if (stopReason == null) {
      stopReason = reason;
      onContext(() -> {
        if (deploymentId != null) {
          transport.vertx().undeploy(deploymentId).onFailure(e -> log.debug("peer {} already stopped: {}", id, e.toString()));
        }
      });
    }
    return closed.future();
  }

  /** Completes with the reason once the peer has stopped. */
  public Future<String> closed() {
    return closed.future();
  }

  @Override
  public String toString() {
    return "peer " + service + "/" + id + " on " + node();
  }

  // ---- inside ----

  /** A peer's or a circuit's id: unguessable, as a bridge client that learns one may send to it. */
  static String newId() {
    return Long.toString(IDS.nextLong() & Long.MAX_VALUE, 36);
  }

  /** Runs {@code task} on this peer's context: now when already there, else queued in order. */
  void onContext(Runnable task) {
    if (Thread.currentThread() == loop) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  CircuitConfig config() {
    return transport.config();
  }

  EventBus eventBus() {
    return transport.eventBus();
  }

  void deployed(String deployment) {
    this.deploymentId = deployment;
  }

  /**
   * Starts accepting circuits on {@code ferry.circuit.<id>}; completes when the cluster routes
   * there. The circuits others open arrive on {@link #accepted()}.
   */
  Future<Void> start() {
    consumer = eventBus().consumer(Addresses.circuitPeer(id), this::onMessage);
    transport.consumerOpened();
    registry.started(this);
    return consumer.completion().onSuccess(v -> {
      log.info("{} started", this);
      idleCheck();
    });
  }

  /** The circuits other peers open to this one, for the service code. */
  ReadStream<Circuit> accepted() {
    return newCircuits;
  }

  /** Closes every circuit with the stop reason and stops listening (the peer's verticle stops). */
  Future<Void> stop() {
    String reason = stopReason == null ? NODE_STOPPING : stopReason;
    stopReason = reason;
    List<Future<Void>> closing = new ArrayList<>();
    for (Circuit c : List.copyOf(open.values())) {
      closing.add(c.close(reason));
    }
    closing.add(consumer.unregister().onComplete(x -> transport.consumerClosed()));
    newCircuits.end();
    return Future.join(closing).onComplete(x -> {
      registry.stopped(this);
      closed.complete(reason);
      log.info("{} stopped: {}", this, reason);
    }).mapEmpty();
  }

  void forget(Circuit c) {
    if (open.remove(c.id()) != null) {
      openCount = open.size();
      idleCheck();
    }
  }

  private void remember(Circuit c) {
    open.put(c.id(), c);
    openCount = open.size();
    if (idleTimer >= 0) {
      transport.vertx().cancelTimer(idleTimer);
      idleTimer = -1;
    }
  }

  /** A peer started remotely stops after {@code circuit.remote_peer_idle_ms} without circuits. */
  private void idleCheck() {
    if (stopsWhenIdle && open.isEmpty() && idleTimer < 0 && stopReason == null) {
      idleTimer = transport.vertx().setTimer(config().remotePeerIdle().toMillis(), t -> {
        idleTimer = -1;
        if (open.isEmpty()) {
          close("idle");
        }
      });
    }
  }

  private Future<Circuit> open(PeerRef to, Fragment first) {
    if (stopReason != null) {
      return Future.failedFuture(new FerryException(Circuit.CLOSED, this + " is stopped: " + stopReason));
    }
    if (first != null && first.payload().length() > config().maxPayloadBytes()) {
      return Future.failedFuture(new FerryException(FerryException.TOO_LARGE, "a fragment payload of "
          + first.payload().length() + " bytes exceeds circuit.max_payload_bytes = " + config().maxPayloadBytes()));
    }
    String incarnation;
    try {
      incarnation = transport.incarnationOf(to.node());
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    Circuit circuit = new Circuit(circuitOwner, newId(), to, incarnation);
    remember(circuit);   // before the open goes out: the other end's first messages find it here
    DeliveryOptions options = first == null ? CircuitWire.kind(CircuitWire.OPEN) : CircuitWire.fragment(CircuitWire.OPEN, first, circuit.nextSerial());
    options.addHeader(CircuitWire.CIRCUIT, circuit.id()).addHeader(CircuitWire.FROM, id).addHeader(CircuitWire.FROM_NODE, node())
        .addHeader(CircuitWire.FROM_SERVICE, service).addHeader(CircuitWire.WINDOW, Integer.toString(config().windowBytes()))
        .addHeader(CircuitWire.REPLY_TO, Addresses.circuitPeer(id))
        .setSendTimeout(config().openTimeout().toMillis());
    boolean offerLink = transport.links().offers(to.node());
    if (offerLink) {
      options.addHeader(CircuitWire.LINK, CircuitWire.YES);
    }
    long firstCost = first == null ? 0 : CircuitWire.cost(first.payload().length());
    return eventBus().request(Addresses.circuitPeer(to.peerId()), first == null ? null : first.payload(), options)
        .map(reply -> {
          boolean link = offerLink && CircuitWire.YES.equals(reply.headers().get(CircuitWire.LINK));
          circuit.opened(CircuitWire.number(reply.headers(), CircuitWire.WINDOW, config().windowBytes()), firstCost,
              CircuitWire.replyTo(reply.headers(), to.peerId(), circuit.id()),
              link ? transport.links().to(to.node(), incarnation) : transport.bus());
          log.debug("{} opened", circuit);
          return circuit;
        })
        .recover(e -> {
          FerryException failure = openFailure(to, e);
          return circuit.close(failure.code()).transform(x -> Future.failedFuture(failure));
        });
  }

  private static FerryException openFailure(PeerRef to, Throwable e) {
    return FerryException.from(e, () -> FerryException.notFound("no peer " + to + ": it stopped, or never ran on node "
        + to.node()));
  }

  /** The peer's address: opens, and the messages of circuits whose other end sends here. */
  private void onMessage(Message<Object> m) {
    if (refusesBridge(m)) {
      return;
    }
    if (CircuitWire.OPEN.equals(m.headers().get(CircuitWire.KIND))) {
      onOpen(m);
      return;
    }
    String circuitId = m.headers().get(CircuitWire.CIRCUIT);
    Circuit circuit = circuitId == null ? null : open.get(circuitId);
    if (circuit != null) {
      circuit.onMessage(m);
      return;
    }
    FerryException refused = circuitId == null
        ? FerryException.badRequest("a peer address takes kind=open, or a message for one of its circuits (header "
            + CircuitWire.CIRCUIT + "); got kind " + m.headers().get(CircuitWire.KIND))
        : FerryException.notFound("no circuit " + circuitId + " at " + this + ": it closed, or never opened");
    if (m.replyAddress() != null) {
      refused.failReply(m);
    } else {
      log.debug("dropped a {} message: {}", m.headers().get(CircuitWire.KIND), refused.getMessage());
    }
  }

  /**
   * Whether {@code m} comes from an event-bus bridge client and this peer's service is for nodes
   * only: then it is refused ({@code forbidden}, answered when it is a request), whatever its kind,
   * so that no bridge client opens, feeds or closes a circuit of such a peer.
   */
  boolean refusesBridge(Message<Object> m) {
    if (bridgeClients || !m.headers().contains(CircuitWire.FROM_BRIDGE)) {
      return false;
    }
    FerryException refused = new FerryException(FerryException.FORBIDDEN, "peer service '" + service + "' takes "
        + "circuits from peers on ferry nodes only, not from bridge clients");
    if (m.replyAddress() != null) {
      refused.failReply(m);
    }
    return true;
  }

  /** This peer's open circuit {@code circuitId} whose other end is on {@code node}, or null. */
  Circuit circuitFrom(String circuitId, String node) {
    Circuit circuit = open.get(circuitId);
    return circuit != null && circuit.remote().node().equals(node) ? circuit : null;
  }

  /** Another peer opens a circuit to this one. */
  private void onOpen(Message<Object> m) {
    Circuit circuit;
    Fragment first;
    boolean link;
    try {
      String circuitId = CircuitWire.required(m.headers(), CircuitWire.CIRCUIT, CircuitWire.ID);
      PeerRef from = new PeerRef(CircuitWire.required(m.headers(), CircuitWire.FROM_NODE, PeerRef.SEGMENT),
          CircuitWire.required(m.headers(), CircuitWire.FROM_SERVICE, PeerRef.SEGMENT), CircuitWire.required(m.headers(), CircuitWire.FROM, CircuitWire.ID));
      long window = CircuitWire.number(m.headers(), CircuitWire.WINDOW, -1);
      if (window < 1) {
        throw FerryException.badRequest("header window: the opener's receive window in bytes is required");
      }
      if (open.containsKey(circuitId) || stopReason != null) {
        throw FerryException.badRequest(stopReason != null ? this + " is stopping" : "circuit " + circuitId + " is already open");
      }
      first = m.headers().contains(CircuitWire.SERIAL) ? CircuitWire.readFragment(m, from.peerId(), id, circuitId) : null;
      if (first != null && first.payload().length() > config().maxPayloadBytes()) {
        throw new FerryException(FerryException.TOO_LARGE, "a fragment payload of " + first.payload().length()
            + " bytes exceeds circuit.max_payload_bytes = " + config().maxPayloadBytes());
      }
      String otherEnd = CircuitWire.replyTo(m.headers(), from.peerId(), circuitId);
      String incarnation = transport.incarnationOrNull(from.node());
      circuit = new Circuit(circuitOwner, circuitId, from, incarnation);
      // a Java opener on another node that offers the link, and a node known to be that incarnation
      link = CircuitWire.YES.equals(m.headers().get(CircuitWire.LINK)) && m.headers().contains(CircuitWire.REPLY_TO)
          && transport.links().offers(from.node()) && incarnation != null;
      circuit.opened(window, 0, otherEnd, link ? transport.links().to(from.node(), incarnation) : transport.bus());
    } catch (FerryException e) {
      e.failReply(m);
      return;
    }
    remember(circuit);
    // an opener that names no reply-to sends to this circuit's own address (the first protocol)
    boolean ownAddress = !m.headers().contains(CircuitWire.REPLY_TO);
    Future<Void> listening = ownAddress ? circuit.listen() : Future.succeededFuture();
    listening.onComplete(done -> {
      if (done.failed()) {
        FerryException.from(done.cause()).failReply(m);
        circuit.closeHere("open failed: " + done.cause().getMessage());
        return;
      }
      DeliveryOptions opened = CircuitWire.kind(CircuitWire.OPENED).addHeader(CircuitWire.WINDOW, Integer.toString(config().windowBytes()))
          .addHeader(CircuitWire.NODE, node()).addHeader(CircuitWire.SERVICE, service);
      if (!ownAddress) {
        opened.addHeader(CircuitWire.REPLY_TO, Addresses.circuitPeer(id));
      }
      if (link) {
        opened.addHeader(CircuitWire.LINK, CircuitWire.YES);
      }
      m.reply(null, opened);
      log.debug("{} accepted", circuit);
      newCircuits.push(circuit);
      if (first != null) {
        circuit.received(first);
      }
    });
  }
}
