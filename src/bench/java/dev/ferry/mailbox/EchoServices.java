package dev.ferry.mailbox;

import dev.ferry.node.Node;
import dev.ferry.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * What the benchmark talks to on a node: a raw event-bus consumer and a mailbox, each counting
 * one-way messages and answering requests with their body. The mailbox is registered as
 * {@value #MAILBOX_NAME} so the other side can find it.
 */
final class EchoServices {
  static final String RAW_ADDRESS = "bench.raw.echo";
  static final String MAILBOX_NAME = "bench-echo";

  private EchoServices() {}

  /** Starts both on {@code node}'s event loop; completes once reachable from the cluster. */
  static Future<Mailbox> start(Node node) {
    var context = node.vertx().getOrCreateContext();
    Promise<Mailbox> started = Promise.promise();
    node.vertx().eventBus().registerDefaultCodec(MailboxBench.Sample.class, new RecordCodec<>(MailboxBench.Sample.class));
    context.runOnContext(v -> {
      MessageConsumer<Object> raw = node.vertx().eventBus().consumer(RAW_ADDRESS, m -> {
        // read every body, as the mailbox hands every body over: Vert.x decodes a clustered
        // message only when its body is asked for, and a consumer that never looks is no baseline
        Object body = m.body();
        if (body == null) {
          throw new IllegalStateException("a benchmark message arrived without a body");
        }
        if (m.replyAddress() != null) {
          m.reply(body);
        }
      });
      raw.completion()
          .compose(x -> Mailboxes.of(node.vertx()).create())
          .compose(mailbox -> Registry.of(node.vertx()).register(MAILBOX_NAME, mailbox.address()).map(mailbox))
          .onSuccess(EchoServices::serve)
          .onComplete(started);
    });
    return started.future();
  }

  /** Receives forever; requests are answered with what they carried. */
  private static void serve(Mailbox mailbox) {
    mailbox.receive().onSuccess(m -> {
      if (m instanceof Request r) {
        r.reply(r.body());
      }
      serve(mailbox);
    });
  }
}
