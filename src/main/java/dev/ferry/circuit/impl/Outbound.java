package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * The sending half of a circuit end: written fragments wait here until the other end's credit lets
 * them go, in order, then go to the {@link Sink} of the circuit's {@link Route}, counted in the
 * route's {@link Traffic}. {@link #full()} is the write-queue bound (Vert.x's
 * {@code writeQueueFull()}), the drain handler runs once the queue is back under half of it. It
 * knows the circuit only by its route: what it needs from above (the context, the payload limit,
 * closing the circuit) it asks of its {@link Owner}, the peer that holds the circuit.
 *
 * <p>{@link #write} and {@link #full} may be called from any thread (the queued cost is atomic);
 * everything else runs on the circuit's context.
 */
public final class Outbound {
  private static final VarHandle QUEUED;

  static {
    try {
      QUEUED = MethodHandles.lookup().findVarHandle(Outbound.class, "queued", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The peer that holds the circuits: its context and payload limit, and what to do when a
   * circuit cannot go on or has sent everything before its end. One per peer, shared by its circuits.
   */
  public interface Owner {
    /** Runs {@code task} on the peer's context: now when already there, else queued in order. */
    void onContext(Runnable task);

    /** {@code circuit.max_payload_bytes}. */
    int maxPayloadBytes();

    /** The sink lost a fragment of the circuit on {@code route}: the stream has a gap, so both ends close. */
    void sendFailed(Route route, FerryException failure);

    /** Closes the circuit on {@code route} with {@code reason}, telling the other end. */
    Future<Void> close(Route route, String reason);
  }

  private record Pending(Fragment fragment, long cost, Promise<Void> promise) {}

  private final Owner owner;
  /** Where fragments go: replaced when the circuit opens and when its link breaks. */
  private Route route;
  /** Set when the circuit closed: what writes after that fail with. */
  private FerryException closed;
  private ArrayDeque<Pending> pending;
  /** Cost of fragments written but not yet handed to the bus (see {@link #QUEUED}). */
  private volatile long queued;
  private volatile long maxQueued;
  private boolean drainWanted;
  private Handler<Void> drainHandler;
  private long remoteWindow;
  private long inFlight;
  private long sentSerial;
  private Promise<Void> ending;

  public Outbound(Owner owner, Route route, long maxQueued) {
    this.owner = owner;
    this.route = route;
    this.maxQueued = maxQueued;
  }

  /** Where this circuit sends now. */
  public Route route() {
    return route;
  }

  /** Sends through another route from now on (same circuit, another sink). */
  public void reroute(Route newRoute) {
    route = newRoute;
  }

  /** Any thread: counts the fragment as queued at once, then queues it on the circuit's context. */
  public Future<Void> write(Fragment fragment) {
    Promise<Void> promise = Promise.promise();
    long cost = CircuitWire.cost(fragment.payload().length());
    QUEUED.getAndAdd(this, cost);
    owner.onContext(() -> enqueue(new Pending(fragment, cost, promise)));
    return promise.future();
  }

  public boolean full() {
    return queued >= maxQueued;
  }

  public void maxQueued(long max) {
    maxQueued = max;
  }

  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
    drainWanted = true;
    maybeDrained();
  }

  /** Sends what is queued, then completes {@code promise} by closing the circuit with reason {@code end}. */
  public void end(Promise<Void> promise) {
    if (ending == null) {
      ending = promise;
      flush();
    } else {
      ending.future().onComplete(promise);
    }
  }

  /**
   * The other end's receive window and where it receives are known: sending may start on
   * {@code openedRoute}; {@code alreadyInFlight} went with the open.
   */
  public void opened(long window, long alreadyInFlight, Route openedRoute) {
    route = openedRoute;
    remoteWindow = window;
    inFlight += alreadyInFlight;
    flush();
  }

  /** The other end read {@code bytes} worth of fragments. */
  public void credit(long bytes) {
    inFlight = Math.max(0, inFlight - bytes);
    flush();
  }

  public long nextSerial() {
    return ++sentSerial;
  }

  /**
   * The circuit closed: every queued write fails with {@code failure}, and so does a pending end
   * and every later write.
   */
  public void failAll(FerryException failure) {
    closed = failure;
    boolean lost = false;
    for (Pending p = pending == null ? null : pending.poll(); p != null; p = pending.poll()) {
      QUEUED.getAndAdd(this, -p.cost());
      p.promise().fail(failure);
      lost = true;
    }
    if (ending != null && lost) {
      ending.tryFail(failure);
    }
  }

  private void enqueue(Pending p) {
    if (closed != null || ending != null) {
      QUEUED.getAndAdd(this, -p.cost());
      p.promise().fail(closed != null ? closed : new FerryException(CircuitWire.CIRCUIT_CLOSED, "circuit "
          + route.circuit() + " to peer " + route.remotePeer() + " is ending: end() was called"));
      return;
    }
    int size = p.fragment().payload().length();
    int max = owner.maxPayloadBytes();
    if (size > max) {
      QUEUED.getAndAdd(this, -p.cost());
      p.promise().fail(new FerryException(FerryException.TOO_LARGE, "a fragment payload of " + size
          + " bytes exceeds circuit.max_payload_bytes = " + max + "; split it into parts"));
      return;
    }
    if (full()) {
      drainWanted = true;
    }
    if (pending == null) {
      pending = new ArrayDeque<>(2);
    }
    pending.add(p);
    flush();
  }

  private void flush() {
    while (pending != null && !pending.isEmpty() && inFlight < remoteWindow && closed == null) {
      Pending p = pending.poll();
      QUEUED.getAndAdd(this, -p.cost());
      inFlight += p.cost();
      try {
        int size = p.fragment().payload().length();
        route.fragment(p.fragment(), nextSerial());
        route.counters().sent(size);
      } catch (RuntimeException e) {
        if (e instanceof FerryException refused && FerryException.TOO_LARGE.equals(refused.code())) {
          // refused before anything went out (fields too long for the link): like an oversized payload
          sentSerial--;
          inFlight -= p.cost();
          p.promise().fail(refused);
          continue;
        }
        // the event bus can throw when the connection to the other node breaks mid-send; the
        // fragment may be lost, so the circuit cannot go on in order
        FerryException failure = new FerryException(FerryException.UNAVAILABLE, "sending on circuit "
            + route.circuit() + " to peer " + route.remotePeer() + " through " + route.sink() + " failed: " + e, e);
        p.promise().fail(failure);
        owner.sendFailed(route, failure);
        return;
      }
      p.promise().complete();
    }
    maybeDrained();
    if (ending != null && (pending == null || pending.isEmpty()) && closed == null) {
      Promise<Void> ended = ending;
      owner.close(route, "end").onComplete(x -> ended.tryComplete());
    }
  }

  private void maybeDrained() {
    if (drainWanted && drainHandler != null && queued < maxQueued / 2) {
      drainWanted = false;
      drainHandler.handle(null);
    }
  }
}
