package dev.ferry.mailbox;

/**
 * What a monitoring mailbox receives, once, when the mailbox it watches is gone.
 *
 * @param address the mailbox that is gone
 * @param reason {@link #CLOSED}, {@link #NODE_DOWN} or {@link #NO_SUCH_MAILBOX}
 */
public record MailboxDown(Address address, String reason) {
  /** The mailbox was closed. */
  public static final String CLOSED = "closed";
  /** Its node left the cluster (or died). */
  public static final String NODE_DOWN = "node-down";
  /** It was already gone when the monitor was set. */
  public static final String NO_SUCH_MAILBOX = "no-such-mailbox";
}
