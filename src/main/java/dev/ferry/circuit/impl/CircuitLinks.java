package dev.ferry.circuit.impl;

import dev.ferry.circuit.CircuitConfig;
import dev.ferry.circuit.Fragment;
import dev.ferry.circuit.impl.NodeRequest.LinkAt;
import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.node.BusTls;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit links of one node (docs/CIRCUITS.md, "The circuit link"): a TCP server on the
 * cluster host at {@code circuit.link_port}, where other nodes connect to send their circuit
 * frames, and one {@link Link} per other node incarnation that circuits between Java peers use
 * instead of the event bus. Another node's link address is asked from that node itself, over
 * {@code ferry.node.<name>.circuits}, never taken from a message. Inbound frames go to the circuit
 * end they name through {@link Ends} (the circuits above, as plain ids and values); a connection
 * that sends a malformed frame is closed. With the node's {@code tls} settings the link speaks
 * TLS with the bus's certificates: client certificates required, only the cluster CA trusted, and
 * the certificate's name checked against the node on both sides (the hello's sender when
 * accepting, the node asked for when connecting); each refusal is logged.
 *
 * <p>Thread-safe: the registry is a concurrent map; the server, the connections and the decisions
 * about broken links run on the circuit service's context ({@link #start}).
 */
public final class CircuitLinks {
  private static final Logger log = LoggerFactory.getLogger(CircuitLinks.class);
  /**
   * The circuit ends on this node, as the links see them (the circuit service implements it): the
   * links hand them what arrives, by ids, and ask which circuits cross to a node. The per-circuit
   * calls run the work on the end's own context and drop a frame for an end that is not here (or
   * whose other end is not on {@code from}, the node of the link it came on).
   */
  public interface Ends {
    /** The incarnation of a node in the cluster now; null when it is not a member. */
    String incarnationOrNull(String node);

    /** A fragment for local peer {@code peer}'s end of {@code circuit}, routing fields not yet stamped. */
    void fragment(String from, String peer, String circuit, Fragment f);

    /** The other end returned {@code bytes} of credit. */
    void credit(String from, String peer, String circuit, long bytes);

    /** The other end closed with {@code reason}; {@code acknowledge} runs once this end closed, or at once when it is not here. */
    void close(String from, String peer, String circuit, String reason, Runnable acknowledge);

    /** Whether any circuit end here has its other end on {@code node}. */
    boolean crossesTo(String node);

    /** The circuits that send on {@code link} close with its broken reason (each on its context); others are not touched. */
    void linkBroke(Link link);
  }

  private final NodeContext node;
  private final Ends ends;
  private final CircuitConfig config;
  private final Map<String, Link> byNode = new ConcurrentHashMap<>();
  private final Counter framesSent;
  private final Counter framesReceived;
  private final LinkEvents linkEvents = new LinkEvents();
  private Context context;
  private NetServer server;
  private NetClient client;
  /** The node's TLS, when it has one (read at start). */
  private Optional<BusTls> tls = Optional.empty();

  public CircuitLinks(NodeContext node, Ends ends, CircuitConfig config) {
    this.node = node;
    this.ends = ends;
    this.config = config;
    this.framesSent = Counter.builder("ferry.circuit.link.frames").tag("direction", "sent")
        .description("Frames this node sent on circuit links").register(node.meters());
    this.framesReceived = Counter.builder("ferry.circuit.link.frames").tag("direction", "received")
        .description("Frames this node received on circuit links").register(node.meters());
  }

  /** On the circuit service's context: starts the link server (nothing when {@code circuit.link} is false). */
  public Future<Void> start(Context serviceContext) {
    this.context = serviceContext;
    if (!config.link()) {
      log.info("circuit link off on {} (circuit.link = false): circuits between nodes use the event bus", node.name());
      return Future.succeededFuture();
    }
    String host = node.config().cluster().host();
    // the certificate files are read and checked on a worker
    return vertx().executeBlocking(() -> BusTls.of(node.config()), false).compose(loaded -> {
      tls = loaded;
      NetClientOptions clientOptions = new NetClientOptions().setTcpNoDelay(true)
          .setConnectTimeout((int) config.openTimeout().toMillis());
      NetServerOptions serverOptions = new NetServerOptions().setTcpNoDelay(true);
      tls.ifPresent(t -> {
        t.secure(clientOptions);
        t.secure(serverOptions);
      });
      client = vertx().createNetClient(clientOptions);
      server = vertx().createNetServer(serverOptions).connectHandler(this::accepted).exceptionHandler(this::refused);
      return server.listen(config.linkPort(), host);
    })
        .onSuccess(s -> log.info("circuit link server of {} listening on {}:{}{}", node.name(), host, s.actualPort(),
            tls.isPresent() ? " with TLS" : ""))
        .recover(e -> Future.failedFuture(new FerryException(FerryException.UNAVAILABLE, "circuit.link_port: cannot listen on "
            + host + ":" + config.linkPort() + ": " + e.getMessage(), e)))
        .mapEmpty();
  }

  /** Closes every link and the server. */
  public Future<Void> stop() {
    byNode.values().forEach(Link::stop);
    byNode.clear();
    Future<Void> serverClosed = server == null ? Future.succeededFuture() : server.close();
    Future<Void> clientClosed = client == null ? Future.succeededFuture() : client.close();
    return Future.join(serverClosed, clientClosed).mapEmpty();
  }

  /** Whether a circuit to a peer on {@code otherNode} may use a link: links on, and not this node. */
  public boolean offers(String otherNode) {
    return config.link() && !node.name().equals(otherNode);
  }

  /** The link to that incarnation of a node, made when first asked for (it connects on first use). */
  public Link to(String otherNode, String incarnation) {
    return byNode.compute(otherNode, (name, current) -> {
      if (current != null && current.incarnation().equals(incarnation)) {
        return current;
      }
      if (current != null) {
        current.stop();   // an earlier incarnation: its circuits close with node-down
      }
      return new Link(name, incarnation, vertx(), config.closeTimeout(), framesSent, linkEvents);
    });
  }

  /** The current link to a node, if any (tests break it through {@link Link#connection()}). */
  public Optional<Link> linkTo(String otherNode) {
    return Optional.ofNullable(byNode.get(otherNode));
  }

  /** The port the link server listens on; 0 when links are off. */
  public int port() {
    return server == null ? 0 : server.actualPort();
  }

  /** Answers {@code {"op": "link"}} on {@code ferry.node.<name>.circuits}: where this node's link server is. */
  public Future<LinkAt> where() {
    if (server == null) {
      return Future.failedFuture(new FerryException(FerryException.UNAVAILABLE, "node " + node.name()
          + " has no circuit link (circuit.link = false)"));
    }
    return Future.succeededFuture(new LinkAt(node.config().cluster().host(), port(), node.incarnation().id()));
  }

  /** The node left the cluster: its link goes quietly (its circuits close with {@code node-down}). */
  public void nodeLeft(String name, String incarnation) {
    Link link = byNode.get(name);
    if (link != null && link.incarnation().equals(incarnation) && byNode.remove(name, link)) {
      link.stop();
    }
  }

  // ---- inside ----

  /** Asks node {@code other}'s circuit service where its link server is. */
  private Future<LinkAt> whereIsLink(String other) {
    return BusClient.of(vertx()).ask(Addresses.circuitNode(other), new NodeRequest.WhereIsLink(),
        new DeliveryOptions().setSendTimeout(config.openTimeout().toMillis()), LinkAt::fromJson);
  }

  private Vertx vertx() {
    return node.vertx();
  }

  /** What this node's links ask of it: one for all of them. */
  private final class LinkEvents implements Link.Events {
    @Override
    public void connect(Link link) {
      CircuitLinks.this.connect(link);
    }

    @Override
    public void broke(Link link) {
      settle(link);
    }

    @Override
    public void lateWriter(Link link) {
      ends.linkBroke(link);
    }
  }

  /** Asks the node where its link server is, checks it is the expected incarnation, connects. */
  private void connect(Link link) {
    context.runOnContext(v -> whereIsLink(link.node())
        .compose(at -> {
          if (!link.incarnation().equals(at.incarnation())) {
            return Future.failedFuture("node " + link.node() + " is now incarnation " + at.incarnation()
                + ", not " + link.incarnation());
          }
          SocketAddress address = SocketAddress.inetSocketAddress(at.port(), at.host());
          link.found(address);
          return client.connect(address).compose(socket -> certified(socket, link.node()));
        })
        .onComplete(
            socket -> link.connected(socket, LinkFrame.hello(node.name(), node.incarnation().id(), link.incarnation())),
            e -> link.broke("cannot connect: " + e.getMessage())));
  }

  /** With TLS: {@code socket} when the node on it showed the certificate of {@code expected}; else closed and failed. */
  private Future<NetSocket> certified(NetSocket socket, String expected) {
    if (tls.isEmpty()) {
      return Future.succeededFuture(socket);
    }
    String refusal;
    try {
      String name = BusTls.peerName(socket);
      refusal = name.equals(expected) ? null : "its certificate is for '" + name + "', not '" + expected + "'";
    } catch (IllegalStateException e) {
      refusal = e.getMessage();
    }
    if (refusal == null) {
      return Future.succeededFuture(socket);
    }
    log.error("circuit link: refusing the link server at {} for node {}: {}", socket.remoteAddress(), expected,
        refusal);
    socket.close();
    return Future.failedFuture("the link server at " + socket.remoteAddress() + " is not " + expected + ": " + refusal);
  }

  /**
   * A link broke while its node may still be up. Its circuits close with the link's reason, on this
   * side and (over the bus) the other, once it is clear the node is alive: the same incarnation
   * answers the link request on the bus. A TCP connect to its link port would not tell: the kernel
   * of a process killed a moment ago may still accept on its listening socket. When it does not
   * answer, the node is probably gone and membership will close them with {@code node-down}, as
   * without a link; after three times the membership detection time they close with the link's
   * reason anyway.
   */
  private void settle(Link link) {
    byNode.remove(link.node(), link);
    if (!ends.crossesTo(link.node())) {
      link.settled();   // nothing to close (a node that stopped gracefully closed its circuits first)
      return;
    }
    context.runOnContext(v -> {
      boolean member = node.members().isUp(link.node(), link.incarnation());
      Future<Boolean> alive = !member ? Future.succeededFuture(false)
          : whereIsLink(link.node()).map(at -> link.incarnation().equals(at.incarnation())).otherwise(false);
      alive.onSuccess(up -> {
        if (up) {
          closeCircuits(link);
        } else {
          long grace = 3L * node.config().cluster().maxNoHeartbeatSeconds();
          log.info("circuit link to {}: the node does not answer; its circuits close when it leaves the cluster "
              + "(node-down), or in {} s", link.node(), grace);
          vertx().setTimer(grace * 1000, t -> closeCircuits(link));
        }
      });
    });
  }

  private void closeCircuits(Link link) {
    link.settled();
    ends.linkBroke(link);
  }

  /**
   * A connection that failed before it reached {@link #accepted}: with TLS, a client without a
   * certificate of the cluster CA, whose handshake this server refused. Vert.x does not say from
   * which address (the handshake's failure is all it passes on).
   */
  private void refused(Throwable failure) {
    log.warn("circuit link: refused a connection to {}'s link port before its hello{}: {}", node.name(),
        tls.isPresent() ? " (its TLS handshake failed: only nodes with a certificate of the cluster CA may connect)" : "",
        failure.toString());
  }

  /** A connection from another node: a hello first, then frames for circuits here. */
  private void accepted(NetSocket socket) {
    Link[] from = new Link[1];
    LinkFrame.Reader reader = new LinkFrame.Reader(LinkFrame.FIELDS_MAX + config.maxPayloadBytes(), frame -> {
      framesReceived.increment();
      if (from[0] == null) {
        from[0] = hello(frame, socket);
      } else {
        dispatch(from[0], frame);
      }
    });
    socket.handler(chunk -> {
      try {
        reader.feed(chunk);
      } catch (RuntimeException e) {
        String who = from[0] == null ? "" : " (node " + from[0].node() + ")";
        log.warn("circuit link: closing the connection from {}{}: {}", socket.remoteAddress(), who,
            e instanceof LinkFrame.Malformed ? "malformed frame: " + e.getMessage() : e.toString());
        if (from[0] != null) {
          from[0].broke("it sent a malformed frame: " + e.getMessage());
        }
        socket.handler(null);
        socket.close();
      }
    });
    socket.closeHandler(v -> {
      if (from[0] != null) {
        from[0].incomingClosed(socket);
      }
    });
  }

  private Link hello(LinkFrame frame, NetSocket socket) {
    if (!(frame instanceof LinkFrame.Hello hello)) {
      throw new LinkFrame.Malformed("the first frame is not a hello");
    }
    if (!hello.expected().equals(node.incarnation().id())) {
      throw new LinkFrame.Malformed("a hello for incarnation " + hello.expected() + " of " + node.name()
          + ", which is now " + node.incarnation().id());
    }
    if (hello.node().equals(node.name()) || !hello.incarnation().equals(ends.incarnationOrNull(hello.node()))) {
      throw new LinkFrame.Malformed("a hello from " + hello.node() + " incarnation " + hello.incarnation()
          + ", which is not another member of the cluster");
    }
    if (tls.isPresent()) {
      String name = BusTls.peerName(socket);
      if (!name.equals(hello.node())) {
        throw new LinkFrame.Malformed("a hello from " + hello.node() + " over a connection whose certificate is for '"
            + name + "'");
      }
    }
    Link link = to(hello.node(), hello.incarnation());
    link.incoming(socket);
    return link;
  }

  /** Hands a frame to the circuit end it names (see {@link Ends}); frames for nobody are dropped. */
  private void dispatch(Link from, LinkFrame frame) {
    if (frame instanceof LinkFrame.Data data) {
      ends.fragment(from.node(), data.peer(), data.circuit(), data.fragment());
    } else if (frame instanceof LinkFrame.Credit credit) {
      ends.credit(from.node(), credit.peer(), credit.circuit(), credit.bytes());
    } else if (frame instanceof LinkFrame.Close close) {
      // acknowledged once closed here, or at once when it is not here: it is closed, whatever the reason
      ends.close(from.node(), close.peer(), close.circuit(), close.reason().isBlank() ? "closed" : close.reason(),
          () -> from.acknowledge(close.peer(), close.circuit()));
    } else if (frame instanceof LinkFrame.Closed closed) {
      from.acknowledged(closed.peer(), closed.circuit());
    } else {
      throw new LinkFrame.Malformed("a second hello");
    }
  }
}
