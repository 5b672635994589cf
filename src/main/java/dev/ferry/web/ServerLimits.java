package dev.ferry.web;

import dev.ferry.core.ConfigException;
import io.vertx.core.json.JsonObject;
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

  /** The limits in {@code json} (the section named {@code section}); a bad value names its key. */
  public static ServerLimits from(String section, JsonObject json) {
    return new ServerLimits(section,
        Duration.ofMillis(whole(section, json, "header_timeout_ms", 1)),
        Duration.ofMillis(whole(section, json, "body_timeout_ms", 1)),
        Duration.ofMillis(whole(section, json, "idle_timeout_ms", 0)),
        (int) whole(section, json, "max_connections_per_address", 1));
  }

  /** A whole number at {@code key} of at least {@code least}, at most {@link Integer#MAX_VALUE}. */
  public static long whole(String section, JsonObject json, String key, long least) {
    return number(section, json, key, least, Integer.MAX_VALUE, "a whole number of at least " + least);
  }

  /** A positive number of bytes at {@code key} (beyond {@link Integer#MAX_VALUE} too). */
  public static long bytes(String section, JsonObject json, String key) {
    return number(section, json, key, 1, Long.MAX_VALUE, "a positive number of bytes");
  }

  private static long number(String section, JsonObject json, String key, long least, long most, String expected) {
    Object value = json.getValue(key);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= least
        && ((Number) value).longValue() <= most) {
      return ((Number) value).longValue();
    }
    throw new ConfigException(section + "." + key + ": expected " + expected + ", got " + value
        + " (see conf/node.json)");
  }
}
