package dev.ferry.circuit.filesync;

import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code filesync} section of the node's configuration (defaults in conf/node.json). Every bad
 * value names its key. Immutable.
 *
 * @param root the only directory this node writes received files under ({@code <data dir>/files} by default)
 * @param fragmentBytes payload bytes per data fragment (at most {@code circuit.max_payload_bytes})
 * @param parallelFiles how many files one copy sends at once, one circuit each
 * @param retries how many times a file whose circuit broke is resumed before it counts as failed
 * @param retryDelay the pause before each resume
 * @param connectTimeout how long {@code copy} waits for the target node to be in the cluster
 * @param progressInterval how often {@code copy} redraws its progress line on a terminal
 */
public record FileSyncConfig(
    Path root,
    int fragmentBytes,
    int parallelFiles,
    int retries,
    Duration retryDelay,
    Duration connectTimeout,
    Duration progressInterval) {

  /** Reads {@code filesync.*}; the fragment size must fit {@code circuit.max_payload_bytes}. */
  public static FileSyncConfig from(NodeConfig node) {
    JsonObject json = node.json();
    JsonObject f = json.getJsonObject("filesync", new JsonObject());
    String root = f.getString("root");
    int fragment = positive(f, "fragment_bytes");
    int maxPayload = json.getJsonObject("circuit", new JsonObject()).getInteger("max_payload_bytes", Integer.MAX_VALUE);
    if (fragment > maxPayload) {
      throw new ConfigException("filesync.fragment_bytes: " + fragment + " exceeds circuit.max_payload_bytes = " + maxPayload);
    }
    return new FileSyncConfig(
        root == null || root.isBlank() ? node.dataDir().resolve("files") : Path.of(root),
        fragment,
        positive(f, "parallel_files"),
        nonNegative(f, "retries"),
        Duration.ofMillis(positive(f, "retry_delay_ms")),
        Duration.ofSeconds(positive(f, "connect_timeout_seconds")),
        Duration.ofMillis(positive(f, "progress_interval_ms")));
  }

  private static int positive(JsonObject section, String key) {
    int value = nonNegative(section, key);
    if (value < 1) {
      throw new ConfigException("filesync." + key + ": expected a positive integer, got " + value);
    }
    return value;
  }

  private static int nonNegative(JsonObject section, String key) {
    Object value = section.getValue(key);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0
        && ((Number) value).longValue() <= Integer.MAX_VALUE) {
      return ((Number) value).intValue();
    }
    throw new ConfigException("filesync." + key + ": expected a non-negative integer, got " + value);
  }
}
