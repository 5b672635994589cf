package dev.ferry.registry;

import dev.ferry.core.ConfigSection;
import java.time.Duration;

/**
 * The {@code registry} section of conf/node.json.
 *
 * @param syncInterval how often each node tells the others its claims' version (anti-entropy:
 *     bounds how long a healed partition hides a conflict)
 * @param requestTimeout how long a sync or client request may take
 */
record RegistryConfig(Duration syncInterval, Duration requestTimeout) {
  /** Reads and checks the {@code registry} section ({@code node.config().section("registry")}). */
  static RegistryConfig from(ConfigSection registry) {
    return new RegistryConfig(registry.millis("sync_interval_ms"), registry.millis("request_timeout_ms"));
  }
}
