package dev.ferry.circuit;

import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.circuit.impl.Inbound;
import dev.ferry.circuit.impl.Link;
import dev.ferry.circuit.impl.Outbound;
import dev.ferry.circuit.impl.Route;
import dev.ferry.circuit.impl.Sink;
import dev.ferry.circuit.impl.Transport;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of a persistent, bidirectional stream of {@link Fragment}s between two peers. Reading:
 * {@link #reads()} and {@link #errors()}, Vert.x read streams with pause/resume/fetch. Writing: the
 * circuit is a {@link WriteStream}; {@link #send} never blocks, and {@link #writeQueueFull()} with
 * {@link #drainHandler} report backpressure. Credit flows per circuit, so a slow reader only ever
 * slows its own circuit. {@link #close(String)} ends both ends; each end's {@link #closed()} gets
 * the reason.
 *
 * <p>The circuit lives on its local peer's context ({@link #context()}): handlers run there. Its
 * methods may be called from any thread (calls from elsewhere hop onto that context, in order).
 */
public final class Circuit implements WriteStream<Fragment>, Inbound.Owner<Fragment> {
  /** Error code of writes to a closed circuit. */
  public static final String CLOSED = CircuitWire.CIRCUIT_CLOSED;
  private static final Logger log = LoggerFactory.getLogger(Circuit.class);

  /**
   * What a circuit needs of the peer it belongs to, declared here and implemented by the peer
   * (a {@code LocalPeer} makes the circuits and knows them; a circuit knows this much of it, so
   * the two do not depend on each other). Its methods are called on the peer's context, but
   * {@link #onContext}, {@link #ref} and {@link #context}, which any thread may call.
   */
  interface Owner {
    /** How to reach the peer: one value, the same at every call. */
    PeerRef ref();

    /** The context the peer's code and its circuits' handlers run on. */
    Context context();

    /** Runs {@code task} on the peer's context: now when already there, else queued in order. */
    void onContext(Runnable task);

    /** The node's transport: sinks, counters, the bus, the settings. */
    Transport transport();

    /** What the sending halves of the peer's circuits need from it (one for all of them). */
    Outbound.Owner sending();

    /** The circuit closed: the peer forgets it. */
    void forget(Circuit circuit);

    /** Opens another circuit from the peer to {@code to}. */
    Future<Circuit> newCircuitToPeer(PeerRef to, Fragment first);

    /** Whether the peer refuses {@code m} as coming from a bridge client (its service is for nodes only). */
    boolean refusesBridge(Message<Object> m);
  }

  private final Owner peer;
  private final String id;
  private final PeerRef remote;
  private final String remoteIncarnation;
  private final Inbound<Fragment> reads;
  /** The sending half; it holds the {@link Route}: where and through which {@link Sink} this end sends. */
  private final Outbound writes;
  private Inbound<Fragment> errors;
  private Promise<String> closed;
  /** Only for an other end that sends to this circuit's own address (see {@link #listen}). */
  private MessageConsumer<Object> consumer;
  private Handler<Throwable> exceptionHandler;

  // receiving: what the reader has not taken yet, and what it took but we have not credited back
  private long expectedSerial = 1;
  private long buffered;
  private long uncredited;

  private volatile String closeReason;

  /**
   * A circuit end of {@code peer}; it counts its bytes in its peer's transport's counters (given
   * with its route) and sends on the bus until {@link #opened} names its way.
   */
  Circuit(Owner peer, String id, PeerRef remote, String remoteIncarnation) {
    this.peer = peer;
    this.id = id;
    this.remote = remote;
    this.remoteIncarnation = remoteIncarnation;
    this.reads = new Inbound<>(this);
    // until the other end names its address, a Java peer's is the likely one (a close after a
    // timed-out open still reaches an end that accepted late)
    Transport transport = peer.transport();
    Route route = new Route(id, remote.peerId(), Addresses.circuitPeer(remote.peerId()), transport.bus(),
        transport.traffic());
    this.writes = new Outbound(peer.sending(), route, config().writeQueueMaxBytes());
  }

  /** The circuit id, the same at both ends. */
  public String id() {
    return id;
  }

  /** The peer at this end: a {@code LocalPeer} of this node. */
  public PeerRef local() {
    return peer.ref();
  }

  /** The context this end's handlers run on: its local peer's. */
  public Context context() {
    return peer.context();
  }

  /** The peer at the other end. */
  public PeerRef remote() {
    return remote;
  }

  /** Fragments from the other end whose {@code err} is empty, in serial order. */
  public ReadStream<Fragment> reads() {
    return reads;
  }

  /** Fragments from the other end that carry an {@code err}. */
  public synchronized ReadStream<Fragment> errors() {
    if (errors == null) {
      errors = new Inbound<>(this);
      if (closeReason != null) {
        errors.end();
      }
    }
    return errors;
  }

  /** Same as {@link #write}: queues the fragment and returns at once. */
  public Future<Void> send(Fragment fragment) {
    return write(fragment);
  }

  /**
   * Queues a fragment for the other end. The future completes when it has been handed to the event
   * bus, or fails with {@code too-large} (nothing sent, the circuit stays open) or
   * {@code circuit-closed}.
   */
  @Override
  public Future<Void> write(Fragment fragment) {
    return writes.write(fragment);
  }

  /** Sends what is queued, then closes with reason {@code end}. */
  @Override
  public Future<Void> end() {
    Promise<Void> promise = Promise.promise();
    peer.onContext(() -> {
      if (closeReason != null) {
        promise.complete();
      } else {
        writes.end(promise);
      }
    });
    return promise.future();
  }

  /** Bounds the write queue, in bytes of payload plus {@value CircuitWire#FRAGMENT_OVERHEAD} per fragment. */
  @Override
  public Circuit setWriteQueueMaxSize(int maxSize) {
    writes.maxQueued(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return writes.full();
  }

  @Override
  public Circuit drainHandler(Handler<Void> handler) {
    peer.onContext(() -> writes.drainHandler(handler));
    return this;
  }

  @Override
  public Circuit exceptionHandler(Handler<Throwable> handler) {
    peer.onContext(() -> exceptionHandler = handler);
    return this;
  }

  /**
   * Closes both ends: the other end's {@link #closed()} completes with {@code reason}, its reads end
   * after what had arrived; here, unread fragments are dropped and queued writes fail. Completes once
   * the other end acknowledged (or {@code circuit.close_timeout_ms} passed) and this end's address
   * is unregistered. Closing a closed circuit does nothing.
   */
  public Future<Void> close(String reason) {
    Promise<Void> promise = Promise.promise();
    peer.onContext(() -> shutdown(reason, true, false).onComplete(promise));
    return promise.future();
  }

  /** Completes with the close reason once this circuit is closed, whichever side closed it. */
  public synchronized Future<String> closed() {
    if (closed == null) {
      closed = Promise.promise();
      if (closeReason != null) {
        closed.complete(closeReason);
      }
    }
    return closed.future();
  }

  /** Runs {@code handler} with the close reason once the circuit closes. */
  public Circuit closeHandler(Handler<String> handler) {
    closed().onSuccess(handler);
    return this;
  }

  public boolean isClosed() {
    return closeReason != null;
  }

  /** Opens another circuit between the same two peers. */
  public Future<Circuit> newCircuit() {
    return peer.newCircuitToPeer(remote, null);
  }

  @Override
  public String toString() {
    return "circuit " + id + " " + peer.ref() + " <-> " + remote + (closeReason == null ? "" : " (closed: " + closeReason + ")");
  }

  // ---- inside: everything below runs on the peer's context ----

  String address() {
    return Addresses.circuit(peer.ref().peerId(), id);
  }

  String remoteIncarnation() {
    return remoteIncarnation;
  }

  /**
   * Registers this circuit's own address, {@code ferry.circuit.<peer>.<circuit>}: only for an other
   * end that sends there (a bridge client that named no {@code reply-to}); Java ends send to the
   * peer's address, which demultiplexes by the {@code circuit} header at no cost per circuit.
   * Completes when the cluster routes to it.
   */
  Future<Void> listen() {
    consumer = peer.transport().eventBus().consumer(address(), this::onMessage);
    peer.transport().consumerOpened();
    return consumer.completion();
  }

  /** The other end's receive window and address are known, and which way to send: sending may start. */
  void opened(long window, long alreadyInFlight, String otherEndAddress, Sink way) {
    writes.opened(window, alreadyInFlight, writes.route().to(otherEndAddress, way));
  }

  /** The serial the first fragment gets when it travels inside the open message. */
  long nextSerial() {
    return writes.nextSerial();
  }

  /** A fragment that arrived with the open message, or on this circuit's address. */
  void received(Fragment f) {
    if (closeReason != null) {
      return;
    }
    if (f.payload().length() > config().maxPayloadBytes()) {
      abort("too-large: a fragment of " + f.payload().length() + " bytes exceeds circuit.max_payload_bytes = "
          + config().maxPayloadBytes());
      return;
    }
    if (f.serial() != expectedSerial) {
      abort("protocol-error: expected fragment " + expectedSerial + ", got " + f.serial());
      return;
    }
    expectedSerial++;
    buffered += CircuitWire.cost(f.payload().length());
    if (buffered > config().windowBytes() + CircuitWire.cost(config().maxPayloadBytes())) {
      abort("protocol-error: the sender exceeded its credit of " + config().windowBytes() + " bytes");
      return;
    }
    if (f.isError()) {
      ((Inbound<Fragment>) errors()).push(f);
    } else {
      reads.push(f);
    }
  }

  /** Closes without telling the other end (it is gone, or it told us); reads end after what arrived. */
  Future<Void> closeHere(String reason) {
    return shutdown(reason, false, true);
  }

  /** A message for this circuit, from its own address or demultiplexed by its peer's. */
  void onMessage(Message<Object> m) {
    if (peer.refusesBridge(m)) {
      return;
    }
    try {
      switch (String.valueOf(m.headers().get(CircuitWire.KIND))) {
        case CircuitWire.FRAGMENT -> received(CircuitWire.readFragment(m, remote.peerId(), peer.ref().peerId(), id));
        case CircuitWire.CREDIT -> credited(CircuitWire.number(m.headers(), CircuitWire.BYTES, 0));
        case CircuitWire.CLOSE -> {
          String reason = m.headers().get(CircuitWire.REASON);
          closeHere(reason == null || reason.isBlank() ? "closed" : reason);
          if (m.replyAddress() != null) {
            m.reply(null, CircuitWire.onCircuit(CircuitWire.CLOSED, id));
          }
        }
        default -> throw FerryException.badRequest("unknown kind of circuit message: " + m.headers().get(CircuitWire.KIND)
            + " (expected fragment, credit or close)");
      }
    } catch (FerryException e) {
      if (m.replyAddress() != null) {
        e.failReply(m);
      } else {
        abort(e.code() + ": " + e.getMessage());
      }
    }
  }

  /** The other end returned {@code bytes} of credit (on the bus or the link). */
  void credited(long bytes) {
    writes.credit(bytes);
  }

  /**
   * The link this circuit sends on broke: fragments may be lost, so the circuit closes with the
   * link's reason, telling the other end over the bus ({@code bus}, best effort). A circuit on
   * another way is not touched.
   */
  void linkBroke(Link link, Sink bus) {
    Route route = writes.route();
    if (route.sink() != link || closeReason != null) {
      return;
    }
    writes.reroute(route.via(bus));
    shutdown(link.brokenReason(), true, true);
  }

  /** Hops onto the peer's context (part of {@link Inbound.Owner}). */
  @Override
  public void onContext(Runnable task) {
    peer.onContext(task);
  }

  /** The reader took a fragment: credit the sender once a quarter of the window has been read. */
  @Override
  public void delivered(Fragment f) {
    Route route = writes.route();
    route.counters().received(f.payload().length());
    long cost = CircuitWire.cost(f.payload().length());
    buffered -= cost;
    uncredited += cost;
    if (uncredited >= config().windowBytes() / 4 && closeReason == null) {
      route.credit(uncredited);
      uncredited = 0;
    }
  }

  /** The bus or the link lost a fragment: the stream has a gap, so both ends close. */
  void sendFailed(FerryException failure) {
    log.warn("{}: {}", this, failure.getMessage());
    shutdown(failure.code() + ": " + failure.getMessage(), true, true);
  }

  /** Closes both ends because of something wrong on this circuit. */
  private void abort(String reason) {
    log.warn("{}: closing: {}", this, reason);
    if (exceptionHandler != null) {
      exceptionHandler.handle(new FerryException(FerryException.BAD_REQUEST, reason));
    }
    shutdown(reason, true, true);
  }

  private Future<Void> shutdown(String reason, boolean tellRemote, boolean keepUnread) {
    if (closeReason != null) {
      return Future.succeededFuture();
    }
    Inbound<Fragment> errorStream;
    Promise<String> closedPromise;
    synchronized (this) {
      closeReason = reason;
      errorStream = errors;
      closedPromise = closed;
    }
    writes.failAll(closedError());
    if (keepUnread) {
      reads.end();
    } else {
      reads.endNow();
    }
    if (errorStream != null) {
      if (keepUnread) {
        errorStream.end();
      } else {
        errorStream.endNow();
      }
    }
    Future<Void> told = tellRemote ? tell(reason) : Future.succeededFuture();
    Future<Void> unregistered = consumer == null ? Future.succeededFuture()
        : consumer.unregister().onComplete(x -> peer.transport().consumerClosed());
    peer.forget(this);
    if (closedPromise != null) {
      closedPromise.complete(reason);
    }
    log.debug("{} closed: {}", this, reason);
    return Future.join(told, unregistered).mapEmpty();
  }

  /** Tells the other end of the close; completes on this end's context. */
  private Future<Void> tell(String reason) {
    Promise<Void> told = Promise.promise();
    writes.route().close(reason).onComplete(x -> onContext(told::tryComplete));
    return told.future();
  }

  private CircuitConfig config() {
    return peer.transport().config();
  }

  FerryException closedError() {
    return new FerryException(CLOSED, "circuit " + id + " to " + remote + " is closed: " + closeReason);
  }
}
