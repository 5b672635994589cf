package dev.ferry.circuit;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeConfig;
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

  /** Reads {@code circuit.*} from a node's whole merged configuration. */
  public static CircuitConfig from(JsonObject nodeJson) {
    return from(ConfigSection.root(nodeJson).section("circuit"));
  }

  /** Reads and checks the {@code circuit} section ({@code node.config().section("circuit")}). */
  public static CircuitConfig from(ConfigSection circuit) {
    return new CircuitConfig(
        circuit.intBytes("max_payload_bytes"),
        circuit.intBytes("window_bytes"),
        circuit.intBytes("write_queue_max_bytes"),
        circuit.millis("open_timeout_ms"),
        circuit.millis("close_timeout_ms"),
        circuit.millis("remote_peer_idle_ms"),
        circuit.bool("link"),
        circuit.portOrZero("link_port", "any free one"));
  }

  /**
   * Reads the fragment size {@code key} of a service that streams over circuits ({@code
   * filesync}, {@code exchange}), which must fit this node's {@code circuit.max_payload_bytes}.
   */
  public static int fragmentBytes(NodeConfig node, ConfigSection section, String key) {
    int fragment = section.intBytes(key);
    int maxPayload = from(node.section("circuit")).maxPayloadBytes();
    if (fragment > maxPayload) {
      throw section.invalid(key, fragment + " exceeds circuit.max_payload_bytes = " + maxPayload);
    }
    return fragment;
  }
}
