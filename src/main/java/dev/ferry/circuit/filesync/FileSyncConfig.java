package dev.ferry.circuit.filesync;

import dev.ferry.circuit.CircuitConfig;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
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

  /** The node's filesync settings, read and checked at the first call on the node and the same record after. */
  public static FileSyncConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), FileSyncConfig.class, () -> from(node.config()));
  }

  /** Reads {@code filesync.*}; the fragment size must fit {@code circuit.max_payload_bytes}. */
  public static FileSyncConfig from(NodeConfig node) {
    ConfigSection f = node.section("filesync");
    int fragment = CircuitConfig.fragmentBytes(node, f, "fragment_bytes");
    return new FileSyncConfig(
        f.optionalString("root").map(Path::of).orElse(node.dataDir().resolve("files")),
        fragment,
        f.positive("parallel_files"),
        f.nonNegative("retries"),
        f.millis("retry_delay_ms"),
        f.millis("connect_timeout_ms"),
        f.millis("progress_interval_ms"));
  }
}
