package dev.ferry.web.proxy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import dev.ferry.web.ServerLimits;
import dev.ferry.web.UploadGate;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The IPFS proxy's settings: the {@code proxy} section of conf/node.json, where it forwards
 * ({@code ipfs.api}, if set); the pin commands wait as the node's pin client does ({@code PinClient.forNode}).
 * Every bad value names its key. Immutable.
 *
 * @param listen where the proxy serves the Kubo RPC API ({@code proxy.host}, {@code proxy.port})
 * @param daemon this node's IPFS daemon ({@code ipfs.api}), where everything else is forwarded; empty
 *     when the node uses its embedded store, which then answers the calls it knows itself
 * @param connectTimeout how long connecting to the daemon may take before the client gets a 502
 * @param idleTimeout a forwarded exchange in which neither side sends anything for this long is cut;
 *     {@link Duration#ZERO} never cuts (the default: {@code pubsub/sub} and the like are quiet for long)
 * @param daemonConnections most connections each proxy instance keeps open to the daemon; more
 *     concurrent requests wait for one (long-running streams such as {@code cat} each hold one)
 * @param maxUrlBytes longest request line accepted (Kubo clients send every argument in the URL)
 * @param limits how long a client may take to send a request, and how many connections one
 *     address may hold ({@code proxy.header_timeout_ms}, {@code proxy.body_timeout_ms},
 *     {@code proxy.idle_timeout_ms} for client connections too, {@code proxy.max_connections_per_address})
 * @param uploads {@code add} uploads at once through the proxy, node-wide ({@code proxy.max_concurrent_uploads})
 * @param pinProgress how often {@code pin/add?progress=true} reads the allocated nodes' statuses and
 *     writes a {@code {"Progress": n}} line ({@code proxy.pin_progress_interval_ms})
 */
record ProxyConfig(NodeConfig.HostPort listen, Optional<URI> daemon, Duration connectTimeout, Duration idleTimeout,
    int daemonConnections, int maxUrlBytes, ServerLimits limits, UploadGate.Limits uploads,
    Duration pinProgress) {

  /** The node's proxy settings, read and checked at the first call on the node (its first proxy instance). */
  static ProxyConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), ProxyConfig.class, () -> from(node));
  }

  private static ProxyConfig from(NodeContext context) {
    NodeConfig node = context.config();
    ConfigSection proxy = node.section("proxy");
    return new ProxyConfig(node.proxy(), node.ipfsApi().map(ProxyConfig::daemon),
        proxy.millis("connect_timeout_ms"),
        proxy.millisOrZero("idle_timeout_ms", "never cut"),
        proxy.positive("daemon_connections"),
        proxy.intBytes("max_url_bytes"),
        ServerLimits.from(proxy),
        UploadGate.Limits.from(proxy),
        proxy.millis("pin_progress_interval_ms"));
  }

  /** The proxy speaks plain HTTP to the daemon, as Kubo's RPC API is served. */
  private static URI daemon(URI api) {
    if (!"http".equals(api.getScheme()) || api.getHost() == null) {
      throw new ConfigException("ipfs.api: the IPFS proxy forwards to http://host:port, got " + api);
    }
    return api;
  }

  /** The daemon's port, 80 when {@code ipfs.api} names none. */
  static int port(URI daemon) {
    return daemon.getPort() > 0 ? daemon.getPort() : 80;
  }
}
