package dev.ferry.core;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Configuration keys that were renamed when every duration came to end in {@code _ms} and every
 * byte count in {@code _bytes}. An old name still works in a {@code --config} file, as a
 * {@code FERRY_*} variable and with {@code --set}: {@link #migrate} moves it to its new name (a
 * value in seconds becomes milliseconds) and {@link NodeConfig#resolve} logs one warning per old
 * name naming the new one. Stateless.
 */
final class DeprecatedKeys {
  /** {@code oldKey}'s value times {@code factor} is {@code newKey}'s. */
  record Rename(String oldKey, String newKey, long factor) {
    @Override
    public String toString() {
      return oldKey + " is deprecated: use " + newKey
          + (factor == 1 ? " (same value)" : " (in milliseconds: " + oldKey + " × " + factor + ")");
    }
  }

  private static final long SECONDS = 1000;

  static final List<Rename> RENAMES = List.of(
      new Rename("shutdown_timeout_seconds", "shutdown_timeout_ms", SECONDS),
      new Rename("api.upload_retry_after_seconds", "api.upload_retry_after_ms", SECONDS),
      new Rename("api.max_upload_bytes_in_flight", "api.max_upload_in_flight_bytes", 1),
      new Rename("proxy.upload_retry_after_seconds", "proxy.upload_retry_after_ms", SECONDS),
      new Rename("proxy.max_upload_bytes_in_flight", "proxy.max_upload_in_flight_bytes", 1),
      new Rename("cluster.heartbeat_interval_seconds", "cluster.heartbeat_interval_ms", SECONDS),
      new Rename("cluster.max_no_heartbeat_seconds", "cluster.max_no_heartbeat_ms", SECONDS),
      new Rename("cluster.merge_delay_seconds", "cluster.merge_delay_ms", SECONDS),
      new Rename("raft.heartbeat_period_secs", "raft.heartbeat_period_ms", SECONDS),
      new Rename("raft.heartbeat_timeout_secs", "raft.heartbeat_timeout_ms", SECONDS),
      new Rename("circuit.remote_peer_idle_seconds", "circuit.remote_peer_idle_ms", SECONDS),
      new Rename("filesync.connect_timeout_seconds", "filesync.connect_timeout_ms", SECONDS));

  private DeprecatedKeys() {}

  /** The rename of an old key, if {@code key} is one. */
  static Optional<Rename> byOldKey(String key) {
    return RENAMES.stream().filter(r -> r.oldKey().equals(key)).findFirst();
  }

  /**
   * Moves every old key of {@code layer} to its new name, converting its value, and returns the
   * renames applied. {@code source} (a file, "the environment", "the command line") names the
   * layer when it sets both names of one key.
   */
  static List<Rename> migrate(JsonObject layer, String source) {
    List<Rename> applied = new ArrayList<>();
    for (Rename rename : RENAMES) {
      int dot = rename.oldKey().lastIndexOf('.');
      Object parent = dot < 0 ? layer : ConfigLayers.lookup(layer, rename.oldKey().substring(0, dot));
      String field = rename.oldKey().substring(dot + 1);
      if (!(parent instanceof JsonObject object) || !object.containsKey(field)) {
        continue;
      }
      if (ConfigLayers.lookup(layer, rename.newKey()) != null) {
        throw new ConfigException(source + " sets both " + rename.oldKey() + " and " + rename.newKey()
            + ": keep only " + rename.newKey() + " (" + rename.oldKey() + " is its deprecated name)");
      }
      Object value = object.remove(field);
      ConfigLayers.put(layer, rename.newKey(), convert(rename, value));
      applied.add(rename);
    }
    return applied;
  }

  private static Object convert(Rename rename, Object value) {
    if (rename.factor() == 1) {
      return value;                                  // the new key's reader checks it
    }
    if (value instanceof Integer || value instanceof Long) {
      try {
        return Math.multiplyExact(((Number) value).longValue(), rename.factor());
      } catch (ArithmeticException e) {
        throw new ConfigException(rename.oldKey() + ": " + value + " is too large");
      }
    }
    throw new ConfigException(rename.oldKey() + ": expected a whole number of seconds, got " + value
        + " (better: set " + rename.newKey() + " in milliseconds)");
  }
}
