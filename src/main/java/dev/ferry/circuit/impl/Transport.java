package dev.ferry.circuit.impl;

import dev.ferry.circuit.CircuitConfig;
import dev.ferry.core.FerryException;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the peers of one node send and receive through, as their circuit service set it up: the
 * node's name and settings, the event bus ({@link #bus()}) and the circuit links ({@link #links()})
 * as {@link Sink}s, the byte counters, the incarnations of the cluster's nodes, and the count of
 * event-bus consumers the peers and circuits hold. A peer is given this, never the service itself
 * (as a MicroRaft node is given its {@code Transport}).
 *
 * <p>Thread-safe: the parts are immutable, concurrent or atomic.
 */
public final class Transport {
  private final NodeContext node;
  private final CircuitConfig config;
  private final BusSink bus;
  private final CircuitLinks links;
  private final Traffic traffic;
  private final AtomicInteger consumers = new AtomicInteger();

  /** The transport of {@code node}; frames arriving on its links go to {@code ends}. */
  public Transport(NodeContext node, CircuitConfig config, CircuitLinks.Ends ends) {
    this.node = node;
    this.config = config;
    this.bus = new BusSink(node.vertx().eventBus(), config.closeTimeout());
    this.links = new CircuitLinks(node, ends, config);
    this.traffic = new Traffic(node.meters());
  }

  /** This node's name. */
  public String node() {
    return node.name();
  }

  public Vertx vertx() {
    return node.vertx();
  }

  public EventBus eventBus() {
    return node.vertx().eventBus();
  }

  public CircuitConfig config() {
    return config;
  }

  /** The event bus as a sink: circuits send there until opened, and stay there unless they take a link. */
  public Sink bus() {
    return bus;
  }

  /** The node's circuit links (circuits between Java peers on different nodes). */
  public CircuitLinks links() {
    return links;
  }

  /** The byte counters every circuit here counts into. */
  public Traffic traffic() {
    return traffic;
  }

  /** The incarnation of a node in the cluster now; {@code not-found} when it is not a member. */
  public String incarnationOf(String nodeName) {
    String incarnation = incarnationOrNull(nodeName);
    if (incarnation == null) {
      throw FerryException.notFound("no node '" + nodeName + "' in the cluster");
    }
    return incarnation;
  }

  /** The incarnation of a node in the cluster now, or null when it is not a member. */
  public String incarnationOrNull(String nodeName) {
    return nodeName.equals(node.name()) ? node.incarnation().id()
        : node.members().byName(nodeName).map(Members.Member::incarnation).orElse(null);
  }

  /** A peer or circuit registered an event-bus consumer. */
  public void consumerOpened() {
    consumers.incrementAndGet();
  }

  /** A peer or circuit unregistered its consumer. */
  public void consumerClosed() {
    consumers.decrementAndGet();
  }

  /** How many event-bus consumers the peers and circuits of this node hold now. */
  public int consumers() {
    return consumers.get();
  }
}
