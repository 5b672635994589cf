package dev.ferry.mailbox;

/** Headers of mailbox traffic on the event bus; see docs/ADDRESSES.md. */
final class MailboxWire {
  /** A bridge client's type tag for JSON text it sends: a Java mailbox reads the text as that class. */
  static final String TYPE = "ferry-type";
  /** A control operation for the mailbox itself instead of a message for its owner ({@link MailboxControl}). */
  static final String CONTROL = "ferry-control";

  /** Error codes of mailbox failures. */
  static final String MAILBOX_GONE = "mailbox-gone";
  static final String MAILBOX_FULL = "mailbox-full";

  private MailboxWire() {}
}
