package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import java.time.Duration;

/**
 * How long one server (the HTTP API, the IPFS proxy, the TCP bridge) lets a client take, and how
 * many connections one client address may hold, read from that server's section of
 * conf/node.json. A client that holds a connection without finishing what it sends (slowloris, a
 * slow body) is cut, so a few clients cannot tie up every connection. Immutable.
 *
 * @param section the config section, named in logs and errors ({@code api}, {@code proxy}, {@code bridge})
 * @param headerTimeout a new connection must deliver a whole request head (HTTP) or first frame
 *     (bridge) within this
 * @param bodyTimeout once a request's head (or a frame's first byte) has come, the rest must come within this
 * @param idleTimeout a connection on which nothing moves either way for this long is closed;
 *     {@link Duration#ZERO} never closes one
 * @param maxConnectionsPerAddress most connections open at once from one client IP address
 */
public record ServerLimits(String section, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
    int maxConnectionsPerAddress) {

  /** The limits in a server's section ({@code api}, {@code proxy}, {@code bridge}); a bad value names its key. */
  public static ServerLimits from(ConfigSection section) {
    return new ServerLimits(section.name(), section.millis("header_timeout_ms"), section.millis("body_timeout_ms"),
        section.millisOrZero("idle_timeout_ms", "never closed"), section.positive("max_connections_per_address"));
  }
}
