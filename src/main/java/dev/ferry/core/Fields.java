package dev.ferry.core;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Reads the fields of one JSON request at the consumer that decodes it ({@link Requests}): each
 * getter checks the field's type and fails with a {@code bad-request} that names the field, the
 * type it expects and the value it got, {@code "field after: expected a whole number, got \"ten\""},
 * so a bridge client learns exactly what to fix. Getters with a fallback accept an absent field
 * (or JSON null); the others require it.
 *
 * <p>Not thread-safe: a view of one request, used while decoding it on the consumer's context.
 */
public final class Fields {
  private final JsonObject json;

  private Fields(JsonObject json) {
    this.json = json;
  }

  /** The fields of {@code json}. */
  public static Fields of(JsonObject json) {
    return new Fields(json);
  }

  /** The request itself, for what it carries as user data. */
  public JsonObject json() {
    return json;
  }

  /** Whether the field is present and not null. */
  public boolean has(String field) {
    return json.getValue(field) != null;
  }

  /** A required string. */
  public String string(String field) {
    return required(field, string(field, null), "a string");
  }

  public String string(String field, String fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String text)) {
      throw bad(field, "a string", value);
    }
    return text;
  }

  public boolean bool(String field, boolean fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw bad(field, "true or false", value);
    }
    return b;
  }

  /** A required whole number of at least {@code min}. */
  public long wholeNumber(String field, long min) {
    return required(field, wholeNumber(field, min, null), "a whole number");
  }

  /** A whole number of at least {@code min}, or {@code fallback} (which may be null) when absent. */
  public Long wholeNumber(String field, long min, Long fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || Math.abs(n.doubleValue()) > Long.MAX_VALUE || n.longValue() < min) {
      throw bad(field, min == 0 ? "a whole number >= 0" : "a whole number >= " + min, value);
    }
    return n.longValue();
  }

  /** A whole number of at least {@code min} that fits an int, or {@code fallback} (may be null) when absent. */
  public Integer integer(String field, int min, Integer fallback) {
    Long value = wholeNumber(field, min, null);
    if (value == null) {
      return fallback;
    }
    if (value > Integer.MAX_VALUE) {
      throw bad(field, "a whole number from " + min + " to " + Integer.MAX_VALUE, value);
    }
    return value.intValue();
  }

  /** An array of strings, or null when absent; {@code what} says what they are ({@code "CID strings"}). */
  public List<String> strings(String field, String what) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      throw bad(field, "an array of " + what, value);
    }
    return array.stream().map(String.class::cast).toList();
  }

  /** A required JSON object. */
  public JsonObject object(String field) {
    Object value = json.getValue(field);
    if (!(value instanceof JsonObject object)) {
      throw bad(field, "a JSON object", value);
    }
    return object;
  }

  /**
   * The failure for a field that is not what it should be: {@code bad-request} with
   * {@code "field <name>: expected <expected>, got <value as JSON>"} ({@code got nothing} when absent).
   */
  public static FerryException bad(String field, String expected, Object got) {
    return FerryException.badRequest("field " + field + ": expected " + expected + ", got " + shown(got));
  }

  private static <T> T required(String field, T value, String expected) {
    if (value == null) {
      throw bad(field, expected, null);
    }
    return value;
  }

  private static String shown(Object value) {
    if (value == null) {
      return "nothing";
    }
    String text = value instanceof String s ? Json.encode(s) : String.valueOf(value); // a string quoted and escaped
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }
}
