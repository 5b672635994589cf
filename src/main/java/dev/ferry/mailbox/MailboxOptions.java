package dev.ferry.mailbox;

/**
 * How many messages a mailbox holds and what happens when it is full. The default is unbounded.
 *
 * @param capacity the most messages held; 0 means unbounded
 * @param overflow what a full mailbox does with one more
 */
public record MailboxOptions(int capacity, Overflow overflow) {
  /** What a full mailbox does with one more message. */
  public enum Overflow {
    /** Refuse it: a local send or any request fails with {@code mailbox-full}. */
    REJECT,
    /** Take it and drop the oldest message held. */
    DROP_OLDEST
  }

  public MailboxOptions {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity: 0 (unbounded) or more, got " + capacity);
    }
    if (overflow == null) {
      throw new IllegalArgumentException("overflow: REJECT or DROP_OLDEST");
    }
  }

  public static MailboxOptions unbounded() {
    return new MailboxOptions(0, Overflow.REJECT);
  }

  public static MailboxOptions bounded(int capacity, Overflow overflow) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a bounded mailbox holds at least one message, got " + capacity);
    }
    return new MailboxOptions(capacity, overflow);
  }

  public boolean isBounded() {
    return capacity > 0;
  }
}
