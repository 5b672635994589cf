package dev.ferry.mailbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * Reads an {@link Address} inside a message (its string or JSON form) and binds it to the
 * receiving node's {@link Mailboxes}, which the codec passes as a Jackson attribute.
 */
final class AddressJson extends StdDeserializer<Address> {
  private static final long serialVersionUID = 1L;
  static final String MAILBOXES_ATTRIBUTE = "ferry.mailboxes";

  AddressJson() {
    super(Address.class);
  }

  @Override
  public Address deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
    Address address;
    try {
      if (parser.currentToken() == JsonToken.START_OBJECT) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = parser.readValueAs(Map.class);
        address = Address.fromJson(new JsonObject(map));
      } else {
        address = Address.parse(parser.getValueAsString());
      }
    } catch (FerryException e) {
      return (Address) ctxt.handleWeirdStringValue(Address.class, parser.getText(), e.getMessage());
    }
    Object mailboxes = ctxt.getAttribute(MAILBOXES_ATTRIBUTE);
    return mailboxes instanceof Mailboxes m ? address.boundTo(m) : address;
  }
}
