package dev.ferry.mailbox;

/** Headers of mailbox traffic on the event bus; see docs/ADDRESSES.md. */
final class MailboxWire {
  /** A bridge client's type tag for JSON text it sends: a Java mailbox reads the text as that class. */
  static final String TYPE = "ferry-type";
  /** A control operation for the mailbox itself instead of a message for its owner. */
  static final String CONTROL = "ferry-control";

  /** To a target, from a watcher (body: the watcher's address); answered when registered. */
  static final String MONITOR = "monitor";
  /** To a target, from a watcher (body: the watcher's address). */
  static final String DEMONITOR = "demonitor";
  /** To a watcher, from its target (body: {"address", "reason"}). */
  static final String DOWN = "down";
  /** To a mailbox, asking it to monitor the address in the body (the far half of a link). */
  static final String WATCH = "watch";

  /** Error codes of mailbox failures. */
  static final String MAILBOX_GONE = "mailbox-gone";
  static final String MAILBOX_FULL = "mailbox-full";

  private MailboxWire() {}
}
