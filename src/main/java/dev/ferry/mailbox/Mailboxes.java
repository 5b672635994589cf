package dev.ferry.mailbox;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's mailboxes: creates them ({@link #create}), binds addresses ({@link #address}), and
 * carries sends, requests and monitors between them. One per node, installed by
 * {@link MailboxVerticle}; find it with {@link #of(Vertx)}.
 *
 * <p>Thread-safe.
 */
public final class Mailboxes {
  private static final Logger log = LoggerFactory.getLogger(Mailboxes.class);

  private final Vertx vertx;
  private final NodeContext node;
  private final MessageCodec codec;
  private final MailboxConfig config;
  private final AtomicLong next = new AtomicLong();
  /** Messages that reached a mailbox here since the node started (taken by a receive or queued). */
  private final LongAdder received = new LongAdder();
  private final ConcurrentMap<Long, Mailbox> local = new ConcurrentHashMap<>();
  /** Addresses held outside this JVM's mailboxes: bridge clients receive on them themselves. */
  private final Set<Long> reserved = ConcurrentHashMap.newKeySet();
  /** The longest type tag a frame holds (its length is an unsigned short; UTF-8 is at most 3 bytes a char). */
  private static final int MAX_TYPE_LENGTH = 65_535 / 3;
  /** How often a monitor request is sent before the watcher waits on membership alone. */
  private static final int MONITOR_ATTEMPTS = 3;

  Mailboxes(NodeContext node, MessageCodec codec, MailboxConfig config) {
    this.vertx = node.vertx();
    this.node = node;
    this.codec = codec;
    this.config = config;
  }

  /** The mailboxes of the node running on {@code vertx}. */
  public static Mailboxes of(Vertx vertx) {
    return LocalServices.get(vertx, Mailboxes.class, "deploy verticles/mailbox.json (dev.ferry.mailbox.MailboxVerticle)");
  }

  void install() {
    EncodedCodec.register(vertx.eventBus());
    LocalServices.publish(vertx, Mailboxes.class, this);
  }

  void uninstall() {
    LocalServices.withdraw(vertx, Mailboxes.class, this);
    EncodedCodec.unregister(vertx.eventBus());
  }

  /** A new unbounded mailbox owned by the calling context; ready once reachable from the whole cluster. */
  public Future<Mailbox> create() {
    return create(MailboxOptions.unbounded());
  }

  /** A new mailbox owned by the calling context (or a new event-loop context off Vert.x threads). */
  public Future<Mailbox> create(MailboxOptions options) {
    Context owner = vertx.getOrCreateContext();
    long n = next.incrementAndGet();
    Mailbox mailbox = new Mailbox(this, new Address(node.name(), node.incarnation().id(), n, this), options, owner);
    local.put(n, mailbox);
    return mailbox.open().onFailure(e -> local.remove(n));
  }

  /**
   * A new address of this node with no mailbox behind it, for a client outside the JVM (a bridge
   * socket) that registers its own handler there. Sends to it are accepted until
   * {@link #release}; monitors of it report only {@code node-down}.
   */
  public Address reserve() {
    long n = next.incrementAndGet();
    reserved.add(n);
    return new Address(node.name(), node.incarnation().id(), n, this);
  }

  /** Gives a {@link #reserve reserved} address up: sends to it fail with {@code mailbox-gone} again. */
  public void release(Address address) {
    if (isThisRun(address)) {
      reserved.remove(address.n());
    }
  }

  /** Reads an address and binds it to this node, so it can send; bad text is a {@code bad-request}. */
  public Address address(String text) {
    return Address.parse(text).boundTo(this);
  }

  /** Whether {@code address} is an open mailbox of this node (this run of it). */
  public boolean isOpenHere(Address address) {
    Mailbox m = local(address);
    return m != null && !m.isClosed();
  }

  /** This node's name. */
  public String nodeName() {
    return node.name();
  }

  /**
   * The open mailboxes of this node with their queue lengths, as {@code ferry.node.<name>.mailboxes}
   * answers them ({@link MailboxVerticle}, docs/ADDRESSES.md): that address's JSON, so the
   * package's own.
   */
  JsonObject describe() {
    JsonArray list = new JsonArray();
    local.values().stream().sorted(Comparator.comparingLong(m -> m.address().n()))
        .forEach(m -> list.add(m.describe()));
    return new JsonObject().put("node", node.name()).put("incarnation", node.incarnation().id())
        .put("mailboxes", list);
  }

  /** The number of open mailboxes here. */
  public int size() {
    return local.size();
  }

  /** Messages that reached a mailbox here since the node started, for a rate ({@code ferry_mailbox_received_total}). */
  public long receivedMessages() {
    return received.sum();
  }

  /** Messages waiting in all mailboxes here. */
  public long queuedMessages() {
    long total = 0;
    for (Mailbox m : local.values()) {
      total += m.messageCount();
    }
    return total;
  }

  // ---- used by Address, Mailbox, Request ----

  /** Counts a message that reached one of the mailboxes here (any mailbox's owner thread). */
  void countReceived() {
    received.increment();
  }

  Vertx vertx() {
    return vertx;
  }

  Future<Void> send(Address to, Object message) {
    Object out;
    try {
      Mailbox here = localTarget(to);
      if (here != null) {
        here.deliverHere(localValue(message));
        return Future.succeededFuture();
      }
      out = deliverable(to, message);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    try {
      vertx.eventBus().send(to.toString(), out);
    } catch (RuntimeException e) {
      return Future.failedFuture(busFailure(to, e));
    }
    return Future.succeededFuture();
  }

  /**
   * Vert.x's clustered send can throw at once (seen when a connection to a node resets); a send
   * answers with a future, never a throw.
   */
  private static FerryException busFailure(Address to, RuntimeException e) {
    return new FerryException(FerryException.UNAVAILABLE, "cannot send to " + to + " now: " + e.getMessage()
        + "; try again once its node is reachable", e);
  }

  Future<Object> request(Address to, Object message, Duration timeout) {
    Object out;
    try {
      Mailbox here = localTarget(to);
      if (here != null) {
        return requestHere(here, localValue(message), timeout);
      }
      out = deliverable(to, message);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    var options = new DeliveryOptions().setSendTimeout(Math.max(1, timeout.toMillis()));
    Future<Message<Object>> reply;
    try {
      reply = vertx.eventBus().request(to.toString(), out, options);
    } catch (RuntimeException e) {
      return Future.failedFuture(busFailure(to, e));
    }
    // one step, not recover-then-map: a round trip is cheap enough for an extra future to show
    return reply.transform(answer -> answer.succeeded() ? Future.succeededFuture(decodeReply(answer.result()))
        : Future.failedFuture(failure(to, answer.cause())));
  }

  /** A request to a mailbox of this node: the answer completes on the requester's context. */
  private Future<Object> requestHere(Mailbox target, Object value, Duration timeout) {
    Promise<Object> answer = ((ContextInternal) vertx.getOrCreateContext()).promise();
    long millis = Math.max(1, timeout.toMillis());
    long timer = vertx.setTimer(millis, id -> answer.tryFail(new FerryException(FerryException.TIMEOUT,
        "no answer in time: " + target.address() + " did not reply within " + millis + " ms")));
    target.deliverHere(new Request(value, answer, this));
    return answer.future().onComplete(x -> vertx.cancelTimer(timer));
  }

  Future<Void> reply(Message<?> request, Object answer) {
    Object out;
    try {
      out = outgoing(answer);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    request.reply(out);
    return Future.succeededFuture();
  }

  /** Answers a request from this node: the requester gets the answer as a local send would give it. */
  Future<Void> reply(Promise<Object> requester, Object answer) {
    try {
      requester.tryComplete(localValue(answer));
      return Future.succeededFuture();
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
  }

  Future<Void> monitor(Address target, Address watcher) {
    return onWatcher(watcher, w -> {
      if (!w.watch(target)) {
        return;
      }
      FerryException gone = reachability(target);
      if (gone != null) {
        w.down(target, isNodeUp(target.node()) ? MailboxDown.NO_SUCH_MAILBOX : MailboxDown.NODE_DOWN);
        return;
      }
      askToBeTold(w, target, MONITOR_ATTEMPTS);
    });
  }

  /**
   * Runs {@code change} on the owner of {@code watcher}'s mailbox; fails ({@code bad-request}) when
   * {@code watcher} is not an open mailbox of this node.
   */
  private Future<Void> onWatcher(Address watcher, Consumer<Mailbox> change) {
    Mailbox w = local(watcher);
    if (w == null) {
      return Future.failedFuture(FerryException.badRequest("the watcher " + watcher
          + " must be an open mailbox of this node (" + node.name() + ")"));
    }
    w.onOwner(() -> change.accept(w));
    return Future.succeededFuture();
  }

  /**
   * Registers {@code w} as a watcher at {@code target}. A request that meets a closing mailbox
   * can be discarded without an answer, so a timeout asks again: a gone mailbox then answers
   * at once (no handlers), a live one registers, and a dead node is reported by membership.
   */
  private void askToBeTold(Mailbox w, Address target, int attemptsLeft) {
    MailboxControl monitor = new MailboxControl.Monitor(w.address());
    var options = monitor.options().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    vertx.eventBus().request(target.toString(), monitor.body(), options)
        .onFailure(e -> w.onOwner(() -> {
          FerryException failure = failure(target, e);
          if (failure.code().equals(MailboxWire.MAILBOX_GONE)) {
            w.down(target, MailboxDown.NO_SUCH_MAILBOX);
          } else if (attemptsLeft > 1 && w.isWatching(target) && !w.isClosed()) {
            askToBeTold(w, target, attemptsLeft - 1);
          }
        }));
  }

  Future<Void> demonitor(Address target, Address watcher) {
    return onWatcher(watcher, w -> {
      if (w.unwatch(target)) {
        sendControl(target, new MailboxControl.Demonitor(watcher));
      }
    });
  }

  Future<Void> link(Address other, Address mine) {
    return monitor(other, mine).onSuccess(v -> sendControl(other, new MailboxControl.Watch(mine)));
  }

  void sendControl(Address to, MailboxControl control) {
    if (reachability(to) == null) {
      vertx.eventBus().send(to.toString(), control.body(), control.options());
    }
  }

  /**
   * What a message from the bus is for its receiver: an encoded frame from a ferry node decoded,
   * JSON text that a bridge client typed with a {@code ferry-type} header read as that type,
   * anything else as it came.
   */
  Object decode(Message<?> message) {
    Object body = message.body();
    if (body instanceof MessageCodec.Encoded encoded) {
      return codec.decode(encoded, this);
    }
    if (!(body instanceof String text) || message.headers().isEmpty()) {
      return body;
    }
    String type = message.headers().get(MailboxWire.TYPE);
    if (type == null) {
      return body;
    }
    return codec.decode(MessageCodec.Encoded.ofText(type, text), this);
  }

  void forget(Mailbox mailbox) {
    local.remove(mailbox.address().n());
  }

  /** A member left: every local mailbox learns it. */
  void nodeLeft(String nodeName, String incarnation) {
    local.values().forEach(m -> m.onOwner(() -> m.nodeLeft(nodeName, incarnation)));
  }

  /** Closes every mailbox of this node. */
  Future<Void> closeAll() {
    return Future.join(local.values().stream().map(Mailbox::close).toList()).mapEmpty();
  }

  private Mailbox local(Address address) {
    return isThisRun(address) ? local.get(address.n()) : null;
  }

  /**
   * The open mailbox of this node that {@code to} names, for delivery without the event bus;
   * null for another node, or for an address reserved by a bridge client (which reads from
   * the bus). Fails for a closed, unknown or full mailbox of this node.
   */
  private Mailbox localTarget(Address to) {
    if (!isThisRun(to)) {
      return null;
    }
    Mailbox target = local.get(to.n());
    if (target == null && reserved.contains(to.n())) {
      return null;
    }
    if (target == null || target.isClosed()) {
      throw new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + to + " is gone: closed, or never created on "
          + node.name());
    }
    if (target.rejects()) {
      throw new FerryException(MailboxWire.MAILBOX_FULL, "mailbox " + to + " is full (" + target.options().capacity()
          + " messages)");
    }
    return target;
  }

  /** Checks a message and its destination on another node (or a bridge client's), and encodes it. */
  private Object deliverable(Address to, Object message) {
    Object out = outgoing(message);
    FerryException gone = reachability(to);
    if (gone != null) {
      throw gone;
    }
    return out;
  }

  /**
   * What a mailbox of this node receives for {@code message}: the message itself if nobody can
   * change it (strings, immutable records: {@link SharedValues}), else a copy through the codec,
   * exactly as a mailbox on another node would receive it. The size limit applies either way.
   */
  private Object localValue(Object message) {
    if (message instanceof String text) {
      checkSize(text);
      return text;
    }
    if (message instanceof JsonObject json) {
      checkSize(json.encode());
      return json.copy();
    }
    if (message instanceof JsonArray json) {
      checkSize(json.encode());
      return json.copy();
    }
    long bound = SharedValues.sizeBound(message, this);
    if (bound != SharedValues.COPY && bound <= config.maxMessageBytes()) {
      return message;
    }
    MessageCodec.Encoded encoded = encode(message);
    try {
      return codec.decode(encoded, this);
    } catch (IllegalArgumentException e) {
      // as a receiver on another node would: keep it as it came rather than lose it
      log.warn("a {} message does not read back from its JSON ({}); delivering the JSON text", encoded.type(),
          e.getMessage());
      return encoded.text();
    }
  }

  /**
   * Strings and JSON objects and arrays travel as themselves (the bus carries them natively, they
   * arrive as they left, and bridge clients read them as JSON); everything else through the
   * codec, as one {@link EncodedCodec} frame holding its type and its JSON.
   */
  private Object outgoing(Object message) {
    if (message instanceof String text) {
      checkSize(text);
      return text;
    }
    if (message instanceof JsonObject || message instanceof JsonArray) {
      checkSize(message instanceof JsonObject o ? o.encode() : ((JsonArray) message).encode());
      return message;
    }
    return encode(message);
  }

  private MessageCodec.Encoded encode(Object message) {
    MessageCodec.Encoded encoded;
    try {
      encoded = codec.encode(message);
    } catch (IllegalArgumentException e) {
      throw FerryException.badRequest(e.getMessage());
    }
    if (encoded.json().length > config.maxMessageBytes()) {
      throw tooLarge(encoded.json().length);
    }
    if (encoded.type().length() > MAX_TYPE_LENGTH) {
      throw FerryException.badRequest("a message type tag is at most " + MAX_TYPE_LENGTH + " characters, got "
          + encoded.type().length());
    }
    return encoded;
  }

  private void checkSize(String text) {
    // UTF-8 takes at most 3 bytes per UTF-16 char: short texts need no counting
    if (text.length() * 3L <= config.maxMessageBytes()) {
      return;
    }
    long size = utf8Length(text);
    if (size > config.maxMessageBytes()) {
      throw tooLarge(size);
    }
  }

  private FerryException tooLarge(long size) {
    return new FerryException(FerryException.TOO_LARGE, "a message of " + size + " bytes is larger than "
        + "mailbox.max_message_bytes (" + config.maxMessageBytes() + ")");
  }

  /** Why a send to {@code to} cannot arrive, known without sending; null if it may. */
  private FerryException reachability(Address to) {
    if (to.node().equals(node.name())) {
      if (!to.incarnation().equals(node.incarnation().id())) {
        return new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + to + " is gone: it belonged to an earlier run "
            + "of node " + to.node() + " (incarnation " + to.incarnation() + "; now " + node.incarnation() + ")");
      }
      return null;
    }
    if (!node.members().isUp(to.node(), to.incarnation())) {
      return new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + to + " is gone: "
          + (isNodeUp(to.node()) ? "it belonged to an earlier run of node " + to.node()
              : "node " + to.node() + " is not in the cluster"));
    }
    return null;
  }

  private boolean isThisRun(Address to) {
    return to.node().equals(node.name()) && to.incarnation().equals(node.incarnation().id());
  }

  private boolean isNodeUp(String name) {
    return name.equals(node.name()) || node.members().isUp(name);
  }

  private FerryException failure(Address to, Throwable e) {
    return FerryException.from(e, () -> new FerryException(MailboxWire.MAILBOX_GONE, "mailbox " + to + " is gone"));
  }

  private Object decodeReply(Message<Object> reply) {
    try {
      return decode(reply);
    } catch (IllegalArgumentException e) {
      return reply.body();
    }
  }

  private static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
