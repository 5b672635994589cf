package dev.ferry.mailbox;

import dev.ferry.core.ConfigSection;

/**
 * The {@code mailbox} section of conf/node.json.
 *
 * @param maxMessageBytes the largest encoded message a mailbox accepts
 */
public record MailboxConfig(long maxMessageBytes) {
  /** Reads and checks the {@code mailbox} section ({@code node.config().section("mailbox")}). */
  static MailboxConfig from(ConfigSection mailbox) {
    return new MailboxConfig(mailbox.bytes("max_message_bytes"));
  }
}
