package dev.ferry.pin;

import dev.ferry.core.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The {@code pin} section of conf/node.json.
 *
 * @param group the Raft group that keeps the pinset (its state machine must be {@value PinSet#NAME})
 * @param replicationMin default least number of nodes that must pin a CID (-1: every node)
 * @param replicationMax default most nodes a CID is allocated to (-1: every node)
 * @param pinTimeout how long a node's IPFS daemon may look for content before the pin is an error
 * @param requestTimeout how long a pin service request may take (Raft and node-to-node calls)
 * @param retryInterval how long a tracker waits before reading the pinset again when its Raft group
 *     cannot answer yet (no quorum while the cluster forms)
 * @param reallocateWithin how long the node that moves a departed node's pins keeps trying (the
 *     pinset's group may be electing a leader)
 * @param recoverInterval how often a tracker pins again what failed on its node
 * @param maxAttempts how many times in all a tracker tries a pin before it waits for {@code recover}
 */
record PinConfig(String group, int replicationMin, int replicationMax, Duration pinTimeout, Duration requestTimeout,
    Duration retryInterval, Duration reallocateWithin, Duration recoverInterval, int maxAttempts) {
  static PinConfig from(JsonObject section) {
    Object group = section.getValue("group");
    if (!(group instanceof String name) || name.isBlank()) {
      throw new ConfigException("pin.group: expected the name of a Raft group, got " + group);
    }
    return new PinConfig(name, replication(section, "replication_min"), replication(section, "replication_max"),
        millis(section, "pin_timeout_ms"), millis(section, "request_timeout_ms"), millis(section, "retry_interval_ms"),
        millis(section, "reallocate_within_ms"), millis(section, "recover_interval_ms"), attempts(section));
  }

  private static int replication(JsonObject section, String key) {
    Object value = section.getValue(key);
    if (!(value instanceof Number n) || n.intValue() == 0 || n.intValue() < Pin.EVERYWHERE) {
      throw new ConfigException("pin." + key + ": expected a positive integer or -1 (every node), got " + value);
    }
    return n.intValue();
  }

  private static int attempts(JsonObject section) {
    Object value = section.getValue("max_attempts");
    if (!(value instanceof Number n) || n.intValue() < 1) {
      throw new ConfigException("pin.max_attempts: expected a positive integer, got " + value);
    }
    return n.intValue();
  }

  private static Duration millis(JsonObject section, String key) {
    Object value = section.getValue(key);
    if (!(value instanceof Number n) || n.longValue() < 1) {
      throw new ConfigException("pin." + key + ": expected a positive integer, got " + value);
    }
    return Duration.ofMillis(n.longValue());
  }
}
