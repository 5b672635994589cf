package dev.ferry.mailbox;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.nio.charset.StandardCharsets;

/**
 * How mailbox messages travel: a type tag and JSON (UTF-8 bytes). Between ferry nodes both go in
 * one binary frame ({@link EncodedCodec}); a bridge client receives the JSON itself. The default,
 * {@link JacksonMessageCodec}, needs no type registration; pass another to {@link MailboxVerticle}
 * to change the format, as long as it still produces JSON (bridge clients read it as such).
 *
 * <p>Implementations are called from any thread and must be thread-safe.
 */
public interface MessageCodec {
  /**
   * A message as it travels: its type tag and its JSON as UTF-8. Immutable by contract: nobody
   * changes {@code json} after encoding, so the same instance may be handed to several receivers.
   * Written as JSON (a bridge encoding the frames for its socket), it is its JSON, as it is.
   */
  @JsonSerialize(using = EncodedCodec.AsJson.class)
  record Encoded(String type, byte[] json) {
    /** Reads JSON text, as a bridge client sends it with a {@code ferry-type} header. */
    public static Encoded ofText(String type, String json) {
      return new Encoded(type, json.getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON as text. */
    public String text() {
      return new String(json, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "Encoded[" + type + ", " + json.length + " bytes]";
    }
  }

  /**
   * Encodes a message.
   *
   * @throws IllegalArgumentException when the message cannot be serialized, saying why
   */
  Encoded encode(Object message);

  /**
   * Decodes a message; addresses inside it are bound to {@code receiver}.
   *
   * @throws IllegalArgumentException when the JSON does not decode to that type
   */
  Object decode(Encoded encoded, Mailboxes receiver);
}
