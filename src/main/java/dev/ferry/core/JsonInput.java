package dev.ferry.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * JSON text from a caller, read with errors in JSON's terms: what was wrong and at which line and
 * column, without the Java types and parser settings Jackson's own messages name
 * ({@code LinkedHashMap}, {@code [Source: REDACTED ...]}). Stateless.
 */
public final class JsonInput {
  /** What Jackson puts before a location it cannot show the source of; dropped from messages. */
  private static final String HIDDEN_SOURCE = "Source: REDACTED \\([^)]*\\); ";

  private JsonInput() {}

  /**
   * The JSON object {@code text} holds.
   *
   * @throws FerryException {@code bad-request}: not JSON (what is wrong, and where), or JSON that
   *     is not an object (what it is)
   */
  public static JsonObject object(String text) {
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw FerryException.badRequest("not JSON: " + why(e));
    }
    if (!(value instanceof JsonObject object)) {
      throw FerryException.badRequest("expected a JSON object, got " + kind(value));
    }
    return object;
  }

  /** Why JSON text could not be read: the parser's reason and the line and column it stopped at. */
  public static String why(DecodeException e) {
    return e.getCause() instanceof JsonProcessingException cause ? why(cause) : e.getMessage();
  }

  /** {@link #why(DecodeException)}, for text read with Jackson itself. */
  public static String why(JsonProcessingException cause) {
    String reason = cause.getOriginalMessage().replaceAll(HIDDEN_SOURCE, "");
    JsonLocation at = cause.getLocation();
    return at == null || at.getLineNr() < 1 ? reason
        : reason + " (at line " + at.getLineNr() + (at.getColumnNr() < 1 ? "" : ", column " + at.getColumnNr()) + ")";
  }

  private static String kind(Object value) {
    if (value == null) {
      return "nothing (empty, or null)";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return value instanceof String ? "a string" : value instanceof Boolean ? "a boolean" : "a number";
  }
}
