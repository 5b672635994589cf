package dev.ferry.mailbox;

import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;

/**
 * A message that expects an answer, as a mailbox receives it from {@link Address#request}: the
 * sender's body and a way to reply (once).
 *
 * <p>Thread-safe to reply from any thread.
 */
public final class Request {
  private final Object body;
  /** The event-bus message to answer, for a requester on another node; else null. */
  private final Message<?> message;
  /** The answer of a requester on this node; else null. */
  private final Promise<Object> requester;
  private final Mailboxes mailboxes;

  Request(Object body, Message<?> message, Mailboxes mailboxes) {
    this.body = body;
    this.message = message;
    this.requester = null;
    this.mailboxes = mailboxes;
  }

  Request(Object body, Promise<Object> requester, Mailboxes mailboxes) {
    this.body = body;
    this.message = null;
    this.requester = requester;
    this.mailboxes = mailboxes;
  }

  /** What the sender sent. */
  public Object body() {
    return body;
  }

  /** Answers the request; fails if the answer cannot be serialized. */
  public Future<Void> reply(Object answer) {
    return requester != null ? mailboxes.reply(requester, answer) : mailboxes.reply(message, answer);
  }

  /** Answers with a failure the requester receives as a {@link FerryException} with this code. */
  public void fail(String code, String reason) {
    if (requester != null) {
      requester.tryFail(new FerryException(code, reason));
    } else {
      new FerryException(code, reason).failReply(message);
    }
  }

  @Override
  public String toString() {
    return "Request[" + body + "]";
  }
}
