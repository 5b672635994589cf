package dev.ferry.mailbox;

import dev.ferry.core.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where messages sent to an {@link Address} wait until their owner receives them: in arrival
 * order, with selective receive ({@link #receive(Predicate)} takes the first match and leaves the
 * rest in order) and timeouts.
 *
 * <p>A mailbox belongs to the Vert.x context that created it: its state changes there, and the
 * futures it returns complete there. It may be called from any thread. One receive waits at a
 * time; a second is refused with a clear error.
 */
public final class Mailbox {
  private static final Logger log = LoggerFactory.getLogger(Mailbox.class);
  /**
   * A receive answered from the queue completes at once, and the usual loop receives again from
   * that callback, so the stack grows by one callback per queued message. Every MAX_AT_ONCE-th
   * such answer goes through the event loop instead, which unwinds the stack.
   */
  private static final int MAX_AT_ONCE = 64;

  private final Mailboxes mailboxes;
  private final Address address;
  private final MailboxOptions options;
  private final Context owner;
  private static final long NO_TIMER = -1;

  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  /**
   * Messages from senders on this node on their way to the owner context: a hop without the event
   * bus, one task per batch. Any thread adds; the owner takes.
   */
  private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  /** Mailboxes to tell when this one closes. */
  private final Set<Address> watchers = new HashSet<>();
  /** Mailboxes this one watches; a MailboxDown passes only for these, so each arrives once. */
  private final Set<Address> watching = new HashSet<>();
  private volatile int count;
  private volatile boolean closed;
  private long dropped;
  /** Receives answered at once from the queue since the last hop; see {@link #MAX_AT_ONCE}. */
  private int atOnce;
  private Waiting waiting;
  private MessageConsumer<Object> consumer;

  /** The one receive waiting for a message. */
  private record Waiting(Predicate<Object> predicate, Promise<Object> promise, long timer) {}

  Mailbox(Mailboxes mailboxes, Address address, MailboxOptions options, Context owner) {
    this.mailboxes = mailboxes;
    this.address = address;
    this.options = options;
    this.owner = Contexts.root(owner);
  }

  /** Registers the consumer; completes once the address is known across the cluster. */
  Future<Mailbox> open() {
    Promise<Mailbox> opened = Promise.promise();
    owner.runOnContext(v -> {
      consumer = mailboxes.vertx().eventBus().consumer(address.toString(), this::arrived);
      consumer.completion().map(this).onComplete(opened);
    });
    return opened.future();
  }

  public Address address() {
    return address;
  }

  public MailboxOptions options() {
    return options;
  }

  /** Messages waiting to be received. */
  public int messageCount() {
    return count;
  }

  public boolean isClosed() {
    return closed;
  }

  /** The next message, whenever it comes. */
  public Future<Object> receive() {
    return receive(m -> true, null);
  }

  /** The next message within {@code timeout}, else a {@code timeout} failure. */
  public Future<Object> receive(Duration timeout) {
    return receive(m -> true, timeout);
  }

  /** The first message that matches, leaving the others in order. */
  public Future<Object> receive(Predicate<Object> match) {
    return receive(match, null);
  }

  /** The first message that matches within {@code timeout}, leaving the others in order. */
  public Future<Object> receive(Predicate<Object> match, Duration timeout) {
    Promise<Object> promise = Promise.promise();
    onOwner(() -> startReceive(match, timeout, promise));
    return promise.future();
  }

  /** The next message if one is waiting now, without waiting for one. */
  public Future<Optional<Object>> tryReceive() {
    return receive(m -> true, Duration.ZERO).map(Optional::of)
        .recover(e -> e instanceof FerryException f && f.code().equals(FerryException.TIMEOUT)
            ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e));
  }

  /**
   * Closes the mailbox: its address stops receiving, a waiting receive fails, watchers get
   * {@link MailboxDown} with reason {@code closed}, and the mailboxes it watched forget it.
   */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    onOwner(() -> {
      if (closed) {
        done.complete();
        return;
      }
      closed = true;
      mailboxes.forget(this);
      failWaiting(new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + address + " was closed"));
      // requesters of unread requests hear it now rather than at their timeout
      queue.forEach(this::refuseClosed);
      queue.clear();
      for (Object item = inbox.poll(); item != null; item = inbox.poll()) {
        refuseClosed(item);
      }
      count = 0;
      watchers.forEach(w -> mailboxes.sendControl(w, new MailboxControl.Down(address, MailboxDown.CLOSED)));
      watching.forEach(target -> mailboxes.sendControl(target, new MailboxControl.Demonitor(address)));
      watchers.clear();
      watching.clear();
      consumer.unregister().onComplete(done);
    });
    return done.future();
  }

  /**
   * Hands over a message from a sender on this node (any thread); the owner takes it in the order
   * of these calls. A message for a closed mailbox is dropped (a request fails).
   */
  void deliverHere(Object item) {
    inbox.offer(item);
    if (drainScheduled.compareAndSet(false, true)) {
      owner.runOnContext(v -> drainInbox());
    }
  }

  /** A snapshot for introspection. */
  JsonObject describe() {
    return new JsonObject()
        .put("address", address.toString())
        .put("messages", count)
        .put("capacity", options.capacity())
        .put("overflow", options.overflow().name().toLowerCase(Locale.ROOT))
        .put("dropped", dropped)
        .put("watchers", watchers.size());
  }

  /** Whether a local send should be refused now: full and set to reject. */
  boolean rejects() {
    return options.isBounded() && options.overflow() == MailboxOptions.Overflow.REJECT && count >= options.capacity();
  }

  // ---- on the owner context from here on ----

  private void arrived(Message<Object> message) {
    // most messages carry no header: isEmpty() spares a case-insensitive lookup per message
    MultiMap headers = message.headers();
    String control = headers.isEmpty() ? null : headers.get(MailboxWire.CONTROL);
    if (control != null) {
      control(control, message);
      return;
    }
    Object body;
    try {
      body = mailboxes.decode(message);
    } catch (IllegalArgumentException e) {
      // undecodable: keep it as it came rather than lose it
      log.warn("mailbox {}: {}; delivering the raw body", address, e.getMessage());
      body = message.body();
    }
    offer(message.replyAddress() != null ? new Request(body, message, mailboxes) : body);
  }

  /** Takes what senders on this node handed over, in the order they did. */
  private void drainInbox() {
    drainScheduled.set(false);
    for (Object item = inbox.poll(); item != null; item = inbox.poll()) {
      if (closed) {
        refuseClosed(item);
      } else {
        offer(item);
      }
    }
  }

  private void refuseClosed(Object item) {
    if (item instanceof Request r) {
      r.fail(MailboxWire.MAILBOX_GONE, "mailbox " + address + " was closed before it read the request");
    }
  }

  private void offer(Object item) {
    if (!(item instanceof MailboxDown)) {
      mailboxes.countReceived();
    }
    if (waiting != null && matches(waiting, item)) {
      Waiting w = waiting;
      waiting = null;
      cancel(w.timer());
      w.promise().complete(item);
      return;
    }
    if (options.isBounded() && queue.size() >= options.capacity()) {
      if (options.overflow() == MailboxOptions.Overflow.REJECT) {
        if (item instanceof Request r) {
          r.fail(MailboxWire.MAILBOX_FULL, "mailbox " + address + " is full (" + options.capacity() + " messages)");
        }
        dropped++;
        log.debug("mailbox {} is full; refused a message", address);
        return;
      }
      queue.pollFirst();
      dropped++;
    }
    queue.addLast(item);
    count = queue.size();
  }

  private void startReceive(Predicate<Object> match, Duration timeout, Promise<Object> promise) {
    if (closed) {
      promise.fail(new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + address + " is closed"));
      return;
    }
    if (waiting != null) {
      promise.fail(FerryException.badRequest("mailbox " + address
          + " already has a receive waiting; a mailbox has one receiver at a time"));
      return;
    }
    for (Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
      Object item = it.next();
      boolean hit;
      try {
        hit = match.test(item);
      } catch (RuntimeException e) {
        promise.fail(e);
        return;
      }
      if (hit) {
        it.remove();
        count = queue.size();
        if (++atOnce < MAX_AT_ONCE) {
          promise.complete(item);
        } else {
          atOnce = 0;
          owner.runOnContext(v -> promise.complete(item));
        }
        return;
      }
    }
    if (timeout != null && timeout.isZero()) {
      promise.fail(new FerryException(FerryException.TIMEOUT, "no message waiting"));
      return;
    }
    long timer = timeout == null ? NO_TIMER : mailboxes.vertx().setTimer(Math.max(1, timeout.toMillis()), id -> {
      if (waiting != null && waiting.promise() == promise) {
        waiting = null;
        promise.fail(new FerryException(FerryException.TIMEOUT, "no matching message on " + address
            + " within " + timeout.toMillis() + " ms"));
      }
    });
    waiting = new Waiting(match, promise, timer);
  }

  private boolean matches(Waiting w, Object item) {
    try {
      return w.predicate().test(item);
    } catch (RuntimeException e) {
      waiting = null;
      cancel(w.timer());
      w.promise().fail(e);
      return false;
    }
  }

  private void cancel(long timer) {
    if (timer != NO_TIMER) {
      mailboxes.vertx().cancelTimer(timer);
    }
  }

  private void failWaiting(FerryException e) {
    if (waiting != null) {
      cancel(waiting.timer());
      Promise<Object> p = waiting.promise();
      waiting = null;
      p.fail(e);
    }
  }

  /** A control operation for this mailbox; a malformed one is refused (answered, if it was a request) and logged. */
  private void control(String op, Message<Object> message) {
    MailboxControl control;
    try {
      control = MailboxControl.decode(op, message, mailboxes);
    } catch (FerryException e) {
      log.warn("mailbox {}: control ignored: {}", address, e.getMessage());
      e.failReply(message);
      return;
    }
    if (control instanceof MailboxControl.Monitor monitor) {
      if (closed) {
        // closing: the watcher must hear that this mailbox is gone, not wait for an answer
        new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + address + " is closed").failReply(message);
        return;
      }
      watchers.add(monitor.watcher());
      message.reply(null);
    } else if (control instanceof MailboxControl.Demonitor demonitor) {
      watchers.remove(demonitor.watcher());
    } else if (control instanceof MailboxControl.Down down) {
      down(down.target(), down.reason());
    } else if (control instanceof MailboxControl.Watch watch) {
      mailboxes.monitor(watch.target(), address);
    }
  }

  /** Starts watching {@code target}; false if already watching it. */
  boolean watch(Address target) {
    return watching.add(target);
  }

  boolean isWatching(Address target) {
    return watching.contains(target);
  }

  /** Stops watching {@code target}; false if it was not watched. */
  boolean unwatch(Address target) {
    return watching.remove(target);
  }

  /** Delivers a MailboxDown for {@code target}, once, if this mailbox still watches it. */
  void down(Address target, String reason) {
    if (!closed && watching.remove(target)) {
      offer(new MailboxDown(target, reason));
    }
  }

  /** A node left: its mailboxes are down for every watcher here, and its watchers are forgotten. */
  void nodeLeft(String node, String incarnation) {
    watchers.removeIf(w -> w.node().equals(node) && w.incarnation().equals(incarnation));
    for (Address target : Set.copyOf(watching)) {
      if (target.node().equals(node) && target.incarnation().equals(incarnation)) {
        down(target, MailboxDown.NODE_DOWN);
      }
    }
  }

  /**
   * Runs {@code action} on the owner context: now if already there. Handlers (and future
   * callbacks) run on duplicates of a context, so both sides are compared unwrapped; without that
   * every receive from a callback would take a hop through the event loop's queue.
   */
  void onOwner(Runnable action) {
    if (Contexts.isCurrent(owner)) {
      action.run();
    } else {
      owner.runOnContext(v -> action.run());
    }
  }
}
