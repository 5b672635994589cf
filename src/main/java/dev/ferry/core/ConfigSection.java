package dev.ferry.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One section of the node's configuration ({@code pin}, {@code raft}, ... or the whole of it), read
 * with typed getters. Every service builds its config record from its section with this reader
 * once, when its verticle starts; a bad value fails that start with a {@link ConfigException} that
 * names the key's full dotted name, the value found and what was expected, e.g.
 * {@code pin.retry_interval_ms: expected a positive number of milliseconds, got -5}.
 *
 * <p>Keys follow one convention: durations end in {@code _ms}, byte counts in {@code _bytes}.
 * A key given to a getter may itself be dotted ({@code cluster.port} read from the root).
 *
 * <p>Immutable (it reads a private copy), so safe to share between threads.
 */
public final class ConfigSection {
  private static final long MILLIS_PER_SECOND = 1000;

  private final String name;
  private final JsonObject json;

  private ConfigSection(String name, JsonObject json) {
    this.name = name;
    this.json = json;
  }

  /** The whole configuration: keys are named as they are ({@code api.port}). */
  public static ConfigSection root(JsonObject config) {
    return new ConfigSection("", config.copy());
  }

  /** A section already taken out of the configuration; {@code name} ({@code pin}) prefixes its keys in errors. */
  public static ConfigSection of(String name, JsonObject section) {
    return new ConfigSection(name, section.copy());
  }

  /** The nested section at {@code key}; a missing one, or one that is not an object, is an error. */
  public ConfigSection section(String key) {
    Object value = lookup(key);
    if (value instanceof JsonObject nested) {
      return new ConfigSection(key(key), nested);
    }
    throw invalid(key, value == null ? "the section is missing from the configuration (see conf/node.json)"
        : "expected a section (a JSON object), got " + show(value));
  }

  /** This section's dotted name; empty for the root. */
  public String name() {
    return name;
  }

  /** The full dotted name of {@code key} in this section, as errors and logs name it. */
  public String key(String key) {
    return name.isEmpty() ? key : name + "." + key;
  }

  /** A copy of the section's JSON. */
  public JsonObject json() {
    return json.copy();
  }

  /** The section's own keys. */
  public Set<String> keys() {
    return json.fieldNames();
  }

  /** Whether {@code key} is set (to anything but null). */
  public boolean has(String key) {
    return lookup(key) != null;
  }

  /** An error about {@code key} that names it in full; for checks that span keys. */
  public ConfigException invalid(String key, String problem) {
    return new ConfigException(key(key) + ": " + problem);
  }

  // ---- numbers

  /** A whole number from {@code least} to {@code most}; {@code expected} says what in the error. */
  public long integer(String key, long least, long most, String expected) {
    Object value = lookup(key);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= least
        && ((Number) value).longValue() <= most) {
      return ((Number) value).longValue();
    }
    throw invalid(key, "expected " + expected + ", got " + show(value));
  }

  /** Any whole number that fits an {@code int}. */
  public int integer(String key) {
    return (int) integer(key, Integer.MIN_VALUE, Integer.MAX_VALUE, "an integer");
  }

  /** A whole number from 1 to {@link Integer#MAX_VALUE}. */
  public int positive(String key) {
    return (int) integer(key, 1, Integer.MAX_VALUE, "a positive integer");
  }

  /** A whole number from 1 to {@link Long#MAX_VALUE}. */
  public long positiveLong(String key) {
    return integer(key, 1, Long.MAX_VALUE, "a positive integer");
  }

  /** A whole number from 0 to {@link Integer#MAX_VALUE}. */
  public int nonNegative(String key) {
    return (int) integer(key, 0, Integer.MAX_VALUE, "a non-negative integer");
  }

  /** A TCP port, 1 to 65535. */
  public int port(String key) {
    return (int) integer(key, 1, 65535, "a port between 1 and 65535");
  }

  /** A TCP port, or 0 for {@code zeroMeans} (e.g. "off", "any free one"). */
  public int portOrZero(String key, String zeroMeans) {
    return (int) integer(key, 0, 65535, "a port up to 65535, or 0 (" + zeroMeans + ")");
  }

  // ---- durations ({@code _ms}) and byte counts ({@code _bytes})

  /** A positive duration in milliseconds. */
  public Duration millis(String key) {
    return Duration.ofMillis(integer(key, 1, Long.MAX_VALUE, "a positive number of milliseconds"));
  }

  /** A duration in milliseconds where 0 means {@code zeroMeans} ({@link Duration#ZERO}). */
  public Duration millisOrZero(String key, String zeroMeans) {
    return Duration.ofMillis(integer(key, 0, Long.MAX_VALUE,
        "a non-negative number of milliseconds (0: " + zeroMeans + ")"));
  }

  /**
   * A positive duration in milliseconds that is a whole number of seconds, for settings handed to
   * something that counts in seconds ({@code why}: Hazelcast, MicroRaft, HTTP's {@code Retry-After}).
   */
  public Duration wholeSeconds(String key, String why) {
    long ms = integer(key, 1, Integer.MAX_VALUE * MILLIS_PER_SECOND, "a positive number of milliseconds");
    if (ms % MILLIS_PER_SECOND != 0) {
      throw invalid(key, "expected a whole number of seconds in milliseconds (a multiple of 1000; " + why
          + " counts in seconds), got " + ms);
    }
    return Duration.ofMillis(ms);
  }

  /** A positive number of bytes (beyond {@link Integer#MAX_VALUE} too). */
  public long bytes(String key) {
    return integer(key, 1, Long.MAX_VALUE, "a positive number of bytes");
  }

  /** A positive number of bytes that fits an {@code int} (a buffer's size). */
  public int intBytes(String key) {
    return (int) integer(key, 1, Integer.MAX_VALUE, "a positive number of bytes up to " + Integer.MAX_VALUE);
  }

  // ---- other types

  /** A non-blank string. */
  public String string(String key) {
    return optionalString(key).orElseThrow(() -> invalid(key, "expected a non-empty string, got "
        + show(lookup(key))));
  }

  /** A string, or empty when missing, null or blank. */
  public Optional<String> optionalString(String key) {
    Object value = lookup(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw invalid(key, "expected a string, got " + show(value));
    }
    return text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  /** {@code true} or {@code false}. */
  public boolean bool(String key) {
    if (lookup(key) instanceof Boolean b) {
      return b;
    }
    throw invalid(key, "expected true or false, got " + show(lookup(key)));
  }

  /** An array; missing means empty. */
  public JsonArray array(String key) {
    Object value = lookup(key);
    if (value == null) {
      return new JsonArray();
    }
    if (value instanceof JsonArray array) {
      return array.copy();
    }
    throw invalid(key, "expected a JSON array, got " + show(value));
  }

  /** An array of strings; missing means empty. */
  public List<String> strings(String key) {
    JsonArray array = array(key);
    List<String> result = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String text)) {
        throw invalid(key + "[" + i + "]", "expected a string, got " + show(array.getValue(i)));
      }
      result.add(text);
    }
    return List.copyOf(result);
  }

  /** An absolute URL such as {@code http://127.0.0.1:5001}. */
  public URI url(String key) {
    String text = string(key);
    try {
      URI uri = new URI(text);
      if (uri.getScheme() != null && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      throw invalid(key, "not a URL (" + e.getReason() + "): '" + text + "'");
    }
    throw invalid(key, "expected an absolute URL such as http://127.0.0.1:5001, got '" + text + "'");
  }

  private Object lookup(String key) {
    return ConfigLayers.lookup(json, key);
  }

  private static String show(Object value) {
    if (value == null) {
      return "nothing (the key is missing or null)";
    }
    return value instanceof String text ? "'" + text + "'" : value.toString();
  }

  @Override
  public String toString() {
    return (name.isEmpty() ? "<root>" : name) + " " + json.encode();
  }
}
