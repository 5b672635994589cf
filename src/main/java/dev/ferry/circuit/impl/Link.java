package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit link to one incarnation of another node: this node's own TCP connection to that
 * node's link server, which carries this node's frames for it (the other direction travels on the
 * connection that node opens to this one, attached here as {@link #incoming}). It is the
 * {@link Sink} of every circuit between a Java peer here and one there, which it knows only by the
 * ids of their {@link RemoteEnd}s. The connection is made on first use; frames written before it is up
 * wait here, in order. If either connection breaks, the link is done: its {@link Events} (the
 * node's {@link CircuitLinks}) decide how its circuits close, and the next circuit gets a new link.
 *
 * <p>Thread-safe: circuits write from their peers' contexts (one write per frame, so frames of one
 * circuit stay in order); connecting and breaking run on the circuit service's context.
 */
public final class Link implements Sink {
  private static final Logger log = LoggerFactory.getLogger(Link.class);

  private enum State { IDLE, CONNECTING, OPEN, BROKEN, STOPPED }

  /** A close waiting for the other end's {@code closed}. */
  private record PendingClose(Promise<Void> acknowledged, long timer) {}

  /**
   * What a link asks of the node's links, which made it: to connect it, and what to do when it
   * broke. Called from any thread.
   */
  interface Events {
    /** The first frame is waiting: find the other node's link server and connect ({@link Link#connected} or {@link Link#broke}). */
    void connect(Link link);

    /** The link broke ({@link Link#broke}): its circuits must close, then {@link Link#settled}. */
    void broke(Link link);

    /** A circuit wrote on the link after its circuits were told to close (it chose it just as it broke): it closes like them. */
    void lateWriter(Link link);
  }

  private final String node;
  private final String incarnation;
  private final Vertx vertx;
  private final long closeTimeoutMs;
  private final Counter framesSent;
  private final Events events;
  private final Map<String, PendingClose> closing = new ConcurrentHashMap<>();
  // guarded by this
  private State state = State.IDLE;
  private ArrayDeque<Buffer> waiting = new ArrayDeque<>();
  private NetSocket in;
  /** Set once connected and every waiting frame is written: from then on writes need no lock. */
  private volatile NetSocket out;
  private volatile SocketAddress where;
  private volatile String brokenReason;
  /** The circuits on this broken link have been told to close: a late writer closes at once. */
  private volatile boolean settled;

  /** The link to that incarnation of {@code node}; it counts the frames it sends in {@code framesSent}. */
  Link(String node, String incarnation, Vertx vertx, Duration closeTimeout, Counter framesSent, Events events) {
    this.node = node;
    this.incarnation = incarnation;
    this.vertx = vertx;
    this.closeTimeoutMs = closeTimeout.toMillis();
    this.framesSent = framesSent;
    this.events = events;
  }

  public String node() {
    return node;
  }

  String incarnation() {
    return incarnation;
  }

  @Override
  public void fragment(RemoteEnd to, Fragment f, long serial) {
    send(LinkFrame.fragment(to.remotePeer(), to.circuit(), f, serial));
  }

  @Override
  public void credit(RemoteEnd to, long bytes) {
    send(LinkFrame.credit(to.remotePeer(), to.circuit(), bytes));
  }

  /** Completes on the thread that sees the acknowledgement (or the timeout). */
  @Override
  public Future<Void> close(RemoteEnd to, String reason) {
    String key = key(to.remotePeer(), to.circuit());
    Promise<Void> acknowledged = Promise.promise();
    long timer = vertx.setTimer(closeTimeoutMs, t -> acknowledged(key));
    closing.put(key, new PendingClose(acknowledged, timer));
    if (!write(LinkFrame.close(to.remotePeer(), to.circuit(), reason))) {
      acknowledged(key);   // nobody is there to answer
    }
    return acknowledged.future();
  }

  /** Answers a {@code close}: the end named by {@code peer} (on this node) has closed {@code circuit}. */
  void acknowledge(String peer, String circuit) {
    write(LinkFrame.closed(peer, circuit));
  }

  /** The other end answered the close of {@code circuit}, whose end there is {@code peer}. */
  void acknowledged(String peer, String circuit) {
    acknowledged(key(peer, circuit));
  }

  @Override
  public String toString() {
    return "the circuit link to " + node;
  }

  // ---- the connections ----

  /** The connection this node made, once it is up: tests close it to break the link. */
  public NetSocket connection() {
    return out;
  }

  /** Where the other node's link server listens, once asked. */
  SocketAddress where() {
    return where;
  }

  public String brokenReason() {
    return brokenReason;
  }

  boolean isSettled() {
    return settled;
  }

  /**
   * Writes a frame now, or queues it until the connection is up (asking its {@link Events} to
   * connect on the first one). False when the link is broken or stopped: the frame is dropped.
   */
  boolean write(Buffer frame) {
    NetSocket socket = out;
    if (socket == null) {
      boolean connect = false;
      synchronized (this) {
        socket = out;
        if (socket == null) {
          if (state == State.BROKEN || state == State.STOPPED) {
            return false;
          }
          waiting.add(frame);
          if (state == State.IDLE) {
            state = State.CONNECTING;
            connect = true;
          }
        }
      }
      if (connect) {
        events.connect(this);
      }
      if (socket == null) {
        framesSent.increment();
        return true;
      }
    }
    socket.write(frame);
    framesSent.increment();
    return true;
  }

  /** On the service's context: the other node's link server is at {@code address}. */
  void found(SocketAddress address) {
    where = address;
  }

  /** On the service's context: this node's connection is up; the hello goes first, then what waited. */
  void connected(NetSocket socket, Buffer hello) {
    socket.closeHandler(v -> broke("the connection closed"));
    socket.exceptionHandler(e -> broke(e.toString()));
    // the other node sends nothing on this node's connection (its frames come on its own)
    socket.handler(chunk -> broke("it sent " + chunk.length() + " unexpected bytes on this node's connection"));
    synchronized (this) {
      if (state != State.CONNECTING) {
        socket.close();
        return;
      }
      socket.write(hello);
      for (Buffer frame : waiting) {
        socket.write(frame);
      }
      waiting = null;
      out = socket;
      state = State.OPEN;
    }
    log.info("circuit link to {} connected ({})", node, socket.remoteAddress());
  }

  /** On the service's context: the other node connected to this one for its frames. */
  void incoming(NetSocket socket) {
    NetSocket previous;
    synchronized (this) {
      if (state == State.BROKEN || state == State.STOPPED) {
        socket.close();
        return;
      }
      previous = in;
      in = socket;
    }
    if (previous != null) {
      previous.close();
    }
    log.info("circuit link from {} connected ({})", node, socket.remoteAddress());
  }

  /** On the service's context: a connection from the other node closed. */
  void incomingClosed(NetSocket socket) {
    synchronized (this) {
      if (in != socket) {
        return;
      }
    }
    broke("its connection to this node closed");
  }

  /**
   * Either connection broke, or connecting failed: fragments may have been lost, so the link is
   * done. Both connections close (the other node sees its own break), pending closes complete, and
   * its {@link Events#broke} closes the circuits that used it. Idempotent.
   */
  void broke(String cause) {
    NetSocket mine;
    NetSocket theirs;
    synchronized (this) {
      if (state == State.BROKEN || state == State.STOPPED) {
        return;
      }
      state = State.BROKEN;
      mine = out;
      theirs = in;
      out = null;
      in = null;
      waiting = null;
    }
    brokenReason = "unavailable: circuit link to " + node + " broke: " + cause;
    log.info("circuit link to {} lost: {}", node, cause);
    closeQuietly(mine, theirs);
    acknowledgeAll();
    events.broke(this);
  }

  /** The circuits have been told to close; a circuit that writes after this closes too. */
  void settled() {
    settled = true;
  }

  /** The node left or this node stops: close the connections without settling anything. */
  void stop() {
    NetSocket mine;
    NetSocket theirs;
    synchronized (this) {
      if (state == State.STOPPED) {
        return;
      }
      state = State.STOPPED;
      mine = out;
      theirs = in;
      out = null;
      in = null;
      waiting = null;
    }
    closeQuietly(mine, theirs);
    acknowledgeAll();
  }

  // ---- inside ----

  private void send(Buffer frame) {
    if (!write(frame) && settled) {
      // a circuit chose this link just as it broke: it closes like the circuits that were on it
      events.lateWriter(this);
    }
  }

  private void acknowledged(String key) {
    PendingClose pending = closing.remove(key);
    if (pending != null) {
      vertx.cancelTimer(pending.timer());
      pending.acknowledged().tryComplete();
    }
  }

  private void acknowledgeAll() {
    for (String key : List.copyOf(closing.keySet())) {
      acknowledged(key);
    }
  }

  private static void closeQuietly(NetSocket... sockets) {
    for (NetSocket socket : sockets) {
      if (socket != null) {
        socket.close();
      }
    }
  }

  private static String key(String peer, String circuit) {
    return peer + "/" + circuit;
  }
}
