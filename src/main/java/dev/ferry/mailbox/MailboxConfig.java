package dev.ferry.mailbox;

import dev.ferry.core.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * The {@code mailbox} section of conf/node.json.
 *
 * @param maxMessageBytes the largest encoded message a mailbox accepts
 */
public record MailboxConfig(long maxMessageBytes) {
  static MailboxConfig from(JsonObject section) {
    Object max = section.getValue("max_message_bytes");
    if (!(max instanceof Number n) || n.longValue() < 1) {
      throw new ConfigException("mailbox.max_message_bytes: expected a positive integer, got " + max);
    }
    return new MailboxConfig(n.longValue());
  }
}
