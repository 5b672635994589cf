package dev.ferry.mailbox;

import dev.ferry.core.FerryException;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Control traffic for a mailbox itself rather than its owner (docs/ADDRESSES.md, "Mailbox
 * messages"): on the wire the operation is the header {@value MailboxWire#CONTROL} and its value
 * the body, a mailbox address or, for {@link Down}, {@code {"address", "reason"}} as JSON text.
 * Read once where the message arrives ({@link #decode}), with a {@code bad-request} naming what is
 * malformed, and handled by a {@code switch} over the records. Immutable.
 */
sealed interface MailboxControl {
  /** The header's value that names the operation. */
  String op();

  /** The message's body on the wire. */
  String body();

  /** The options that send this operation: its header. */
  default DeliveryOptions options() {
    return new DeliveryOptions().addHeader(MailboxWire.CONTROL, op());
  }

  /** To a target, from {@code watcher}: tell it when the target goes down; answered once registered. */
  record Monitor(Address watcher) implements MailboxControl {
    @Override
    public String op() {
      return "monitor";
    }

    @Override
    public String body() {
      return watcher.toString();
    }
  }

  /** To a target, from {@code watcher}: stop telling it. */
  record Demonitor(Address watcher) implements MailboxControl {
    @Override
    public String op() {
      return "demonitor";
    }

    @Override
    public String body() {
      return watcher.toString();
    }
  }

  /** To a watcher, from its target: {@code target} went down for {@code reason}. */
  record Down(Address target, String reason) implements MailboxControl {
    @Override
    public String op() {
      return "down";
    }

    @Override
    public String body() {
      return new JsonObject().put("address", target.toString()).put("reason", reason).encode();
    }
  }

  /** To a mailbox, asking it to monitor {@code target}: the far half of a link. */
  record Watch(Address target) implements MailboxControl {
    @Override
    public String op() {
      return "watch";
    }

    @Override
    public String body() {
      return target.toString();
    }
  }

  /**
   * The control operation {@code op} (the header's value) with the message's body; addresses are
   * bound to {@code mailboxes}.
   *
   * @throws FerryException {@code bad-request} naming the unknown operation or the malformed body
   */
  static MailboxControl decode(String op, Message<?> message, Mailboxes mailboxes) {
    String body = String.valueOf(message.body());
    return switch (op) {
      case "monitor" -> new Monitor(mailboxes.address(body));
      case "demonitor" -> new Demonitor(mailboxes.address(body));
      case "down" -> down(body, mailboxes);
      case "watch" -> new Watch(mailboxes.address(body));
      default -> throw FerryException.badRequest("header " + MailboxWire.CONTROL + ": expected monitor, demonitor, "
          + "down or watch, got '" + op + "'");
    };
  }

  private static Down down(String body, Mailboxes mailboxes) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException e) {
      throw FerryException.badRequest("a down control's body is {\"address\", \"reason\"}, got " + body);
    }
    if (!(json.getValue("reason") instanceof String reason)) {
      throw FerryException.badRequest("field reason: expected a string, got " + json.getValue("reason"));
    }
    return new Down(mailboxes.address(json.getString("address")), reason);
  }
}
