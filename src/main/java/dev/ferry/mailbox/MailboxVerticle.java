package dev.ferry.mailbox;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts the node's {@link Mailboxes} (a per-node singleton): installs them for
 * {@link Mailboxes#of}, tells them when a member leaves (monitors fire {@code node-down}), and
 * answers {@code ferry.node.<node>.mailboxes} with their queue lengths.
 */
public final class MailboxVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(MailboxVerticle.class);

  private final NodeContext node;
  private Mailboxes mailboxes;

  public MailboxVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    mailboxes = new Mailboxes(node, new JacksonMessageCodec(),
        MailboxConfig.from(node.config().section("mailbox")));
    mailboxes.install();
    registerMetrics();
    return Future.all(followMembers(), serveIntrospection())
        .onSuccess(v -> log.info("mailboxes ready on {} (incarnation {})", node.name(), node.incarnation()));
  }

  @Override
  public Future<?> stop() {
    mailboxes.uninstall();
    return mailboxes.closeAll();
  }

  private void registerMetrics() {
    Gauge.builder("ferry.mailboxes", mailboxes, Mailboxes::size)
        .description("Open mailboxes on this node").register(node.meters());
    Gauge.builder("ferry.mailbox.messages", mailboxes, Mailboxes::queuedMessages)
        .description("Messages waiting in this node's mailboxes").register(node.meters());
    FunctionCounter.builder("ferry.mailbox.received", mailboxes, Mailboxes::receivedMessages)
        .description("Messages that reached this node's mailboxes").register(node.meters());
  }

  /** Monitors of mailboxes on a node that left fire {@code node-down}. */
  private Future<Void> followMembers() {
    return node.members().onLeft(left -> mailboxes.nodeLeft(left.node(), left.incarnation()));
  }

  private Future<Void> serveIntrospection() {
    return vertx.eventBus().consumer(Addresses.nodeMailboxes(node.name()),
            message -> Requests.reply(message, () -> BusJson.of(mailboxes.describe())))
        .completion();
  }
}
