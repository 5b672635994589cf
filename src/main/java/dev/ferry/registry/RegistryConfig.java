package dev.ferry.registry;

import dev.ferry.core.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The {@code registry} section of conf/node.json.
 *
 * @param syncInterval how often each node tells the others its claims' version (anti-entropy:
 *     bounds how long a healed partition hides a conflict)
 * @param requestTimeout how long a sync or client request may take
 */
record RegistryConfig(Duration syncInterval, Duration requestTimeout) {
  static RegistryConfig from(JsonObject section) {
    return new RegistryConfig(millis(section, "sync_interval_ms"), millis(section, "request_timeout_ms"));
  }

  private static Duration millis(JsonObject section, String key) {
    Object value = section.getValue(key);
    if (!(value instanceof Number n) || n.longValue() < 1) {
      throw new ConfigException("registry." + key + ": expected a positive integer, got " + value);
    }
    return Duration.ofMillis(n.longValue());
  }
}
