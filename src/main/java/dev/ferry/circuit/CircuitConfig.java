package dev.ferry.circuit;

import dev.ferry.core.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The {@code circuit} section of the node's configuration (defaults in conf/node.json). Every bad
 * value names its key. Immutable.
 *
 * @param maxPayloadBytes largest payload of one fragment; a larger one is refused ({@code too-large})
 * @param windowBytes credit this end grants to the sender of each circuit (its receive buffer bound)
 * @param writeQueueMaxBytes default write-queue bound of a circuit before {@code writeQueueFull()}
 * @param openTimeout how long opening a circuit or starting a remote peer may take
 * @param closeTimeout how long a close waits for the other side's acknowledgement
 * @param remotePeerIdle a peer started by {@code startRemotePeer} stops after this long without circuits
 * @param link whether circuits between Java peers on different nodes use the circuit link (else the bus)
 * @param linkPort the port of this node's circuit link server on the cluster host; 0 picks a free one
 */
public record CircuitConfig(
    int maxPayloadBytes,
    int windowBytes,
    int writeQueueMaxBytes,
    Duration openTimeout,
    Duration closeTimeout,
    Duration remotePeerIdle,
    boolean link,
    int linkPort) {

  /** Reads {@code circuit.*} from a node's merged configuration. */
  public static CircuitConfig from(JsonObject nodeJson) {
    JsonObject c = nodeJson.getJsonObject("circuit", new JsonObject());
    return new CircuitConfig(
        positive(c, "max_payload_bytes"),
        positive(c, "window_bytes"),
        positive(c, "write_queue_max_bytes"),
        Duration.ofMillis(positive(c, "open_timeout_ms")),
        Duration.ofMillis(positive(c, "close_timeout_ms")),
        Duration.ofSeconds(positive(c, "remote_peer_idle_seconds")),
        bool(c, "link"),
        port(c, "link_port"));
  }

  private static boolean bool(JsonObject section, String key) {
    if (section.getValue(key) instanceof Boolean b) {
      return b;
    }
    throw new ConfigException("circuit." + key + ": expected true or false, got " + section.getValue(key));
  }

  private static int port(JsonObject section, String key) {
    Object value = section.getValue(key);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0
        && ((Number) value).longValue() <= 65535) {
      return ((Number) value).intValue();
    }
    throw new ConfigException("circuit." + key + ": expected a port from 0 (any free one) to 65535, got " + value);
  }

  static int positive(JsonObject section, String key) {
    Object value = section.getValue(key);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 1
        && ((Number) value).longValue() <= Integer.MAX_VALUE) {
      return ((Number) value).intValue();
    }
    throw new ConfigException("circuit." + key + ": expected a positive integer, got " + value);
  }
}
