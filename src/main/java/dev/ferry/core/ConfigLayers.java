package dev.ferry.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The layers a node's configuration is made of, and how they stack: {@code conf/node.json}
 * (defaults, inside the jar), a file given with {@code --config}, {@code FERRY_*} environment
 * variables, then command-line settings, each overriding the one before.
 *
 * <p>Only keys that exist in the defaults can be set from the environment or the command line,
 * so a typo is an error that names the key instead of a silently ignored value. The old names of
 * renamed keys are accepted too ({@link DeprecatedKeys}). Stateless.
 */
public final class ConfigLayers {
  static final String DEFAULTS_RESOURCE = "conf/node.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigLayers() {}

  /** The defaults shipped in the jar. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLayers.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException(DEFAULTS_RESOURCE + " is missing from the class path: rebuild the jar");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON configuration file; malformed JSON is reported with the file, line and column. */
  public static JsonObject readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": configuration file not found");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read configuration file: " + e.getMessage());
    }
    try {
      Object tree = JSON.readValue(text, Object.class);
      if (!(tree instanceof Map<?, ?> map)) {
        throw new ConfigException(file + ": a configuration file holds one JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> object = (Map<String, Object>) map;
      return new JsonObject(object);
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
      throw new ConfigException(file + where + ": malformed JSON: " + e.getOriginalMessage());
    }
  }

  /**
   * Settings from {@code FERRY_*} variables: the key {@code cluster.membership_port} is read from
   * {@code FERRY_CLUSTER_MEMBERSHIP_PORT}. Values are parsed as the type of the default.
   */
  public static JsonObject fromEnvironment(JsonObject defaults, Map<String, String> env) {
    JsonObject layer = new JsonObject();
    List<String> known = new ArrayList<>(keys(defaults, ""));
    DeprecatedKeys.RENAMES.forEach(r -> known.add(r.oldKey()));
    for (String key : known) {
      String variable = "FERRY_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
      String value = env.get(variable);
      if (value != null) {
        put(layer, key, parse(variable, current(key), value, lookup(defaults, current(key))));
      }
    }
    return layer;
  }

  /** Settings given as {@code key=value} (the {@code --set} flag); unknown keys are an error. */
  public static JsonObject fromSettings(JsonObject defaults, List<String> settings) {
    JsonObject layer = new JsonObject();
    List<String> known = keys(defaults, "");
    for (String setting : settings) {
      int eq = setting.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("--set " + setting + ": expected KEY=VALUE, e.g. api.port=9100");
      }
      String key = setting.substring(0, eq).trim();
      if (!known.contains(key) && DeprecatedKeys.byOldKey(key).isEmpty()) {
        throw new ConfigException("--set " + key + ": unknown setting (known: " + String.join(", ", known) + ")");
      }
      put(layer, key, parse("--set " + key, current(key), setting.substring(eq + 1), lookup(defaults, current(key))));
    }
    return layer;
  }

  /** The key's current name: itself, or the new name of a deprecated key. */
  private static String current(String key) {
    return DeprecatedKeys.byOldKey(key).map(DeprecatedKeys.Rename::newKey).orElse(key);
  }

  /** Deep merge: later layers override earlier ones key by key; nested objects merge. */
  public static JsonObject merge(JsonObject... layers) {
    JsonObject result = new JsonObject();
    for (JsonObject layer : layers) {
      result.mergeIn(layer.copy(), true);
    }
    return result;
  }

  /** The value at a dotted key, or null. */
  static Object lookup(JsonObject config, String key) {
    Object value = config;
    for (String part : key.split("\\.")) {
      if (!(value instanceof JsonObject object)) {
        return null;
      }
      value = object.getValue(part);
    }
    return value;
  }

  /** Sets the value at a dotted key, creating the objects on the way. */
  static void put(JsonObject config, String key, Object value) {
    String[] parts = key.split("\\.");
    JsonObject object = config;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = object.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        object.put(parts[i], next);
      }
      object = next;
    }
    object.put(parts[parts.length - 1], value);
  }

  /** Every leaf key of a configuration, dotted. */
  static List<String> keys(JsonObject config, String prefix) {
    var keys = new ArrayList<String>();
    for (String field : config.fieldNames()) {
      Object value = config.getValue(field);
      if (value instanceof JsonObject nested) {
        keys.addAll(keys(nested, prefix + field + "."));
      } else {
        keys.add(prefix + field);
      }
    }
    return keys;
  }

  /**
   * {@code text} as the type of the key's default. A key whose default is null (unset unless
   * given) is text, except one named in a unit ({@code _bytes}, {@code _ms}, such as
   * {@code proxy.max_upload_in_flight_bytes}): a whole number there is a number. The key's reader
   * checks the rest.
   */
  private static Object parse(String source, String key, String text, Object likeDefault) {
    String value = text.trim();
    if (likeDefault == null && (key.endsWith("_bytes") || key.endsWith("_ms")) && value.matches("-?[0-9]{1,18}")) {
      return Long.parseLong(value);
    }
    if (likeDefault instanceof Integer || likeDefault instanceof Long) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(source + ": expected an integer, got '" + text + "'");
      }
    }
    if (likeDefault instanceof Number) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(source + ": expected a number, got '" + text + "'");
      }
    }
    if (likeDefault instanceof Boolean) {
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value);
      }
      throw new ConfigException(source + ": expected true or false, got '" + text + "'");
    }
    if (likeDefault instanceof JsonArray) {
      try {
        return new JsonArray(value);
      } catch (RuntimeException e) {
        throw new ConfigException(source + ": expected a JSON array, got '" + text + "'");
      }
    }
    return value;
  }
}
