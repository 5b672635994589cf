package dev.ferry.mailbox;

/**
 * How mailbox messages travel: a type tag (sent as a header) and JSON text (the body). The
 * default, {@link JacksonMessageCodec}, needs no type registration; pass another to
 * {@link MailboxVerticle} to change the format.
 *
 * <p>Implementations are called from any thread and must be thread-safe.
 */
public interface MessageCodec {
  /** A message as it travels. */
  record Encoded(String type, String json) {}

  /**
   * Encodes a message.
   *
   * @throws IllegalArgumentException when the message cannot be serialized, saying why
   */
  Encoded encode(Object message);

  /**
   * Decodes a message; addresses inside it are bound to {@code receiver}.
   *
   * @throws IllegalArgumentException when the text does not decode to that type
   */
  Object decode(Encoded encoded, Mailboxes receiver);
}
