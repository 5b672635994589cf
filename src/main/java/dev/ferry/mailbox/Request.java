package dev.ferry.mailbox;

import dev.ferry.node.FerryException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;

/**
 * A message that expects an answer, as a mailbox receives it from {@link Address#request}: the
 * sender's body and a way to reply (once).
 *
 * <p>Thread-safe to reply from any thread.
 */
public final class Request {
  private final Object body;
  private final Message<?> message;
  private final Mailboxes mailboxes;

  Request(Object body, Message<?> message, Mailboxes mailboxes) {
    this.body = body;
    this.message = message;
    this.mailboxes = mailboxes;
  }

  /** What the sender sent. */
  public Object body() {
    return body;
  }

  /** Answers the request; fails if the answer cannot be serialized. */
  public Future<Void> reply(Object answer) {
    return mailboxes.reply(message, answer);
  }

  /** Answers with a failure the requester receives as a {@link FerryException} with this code. */
  public void fail(String code, String reason) {
    new FerryException(code, reason).failReply(message);
  }

  @Override
  public String toString() {
    return "Request[" + body + "]";
  }
}
