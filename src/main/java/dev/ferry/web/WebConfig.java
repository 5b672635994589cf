package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.RaftSettings;
import java.util.List;

/**
 * The web verticle's settings, read once per node ({@link #of}): the {@code api} and {@code bridge}
 * sections of conf/node.json and the Raft settings, the node's record of them
 * ({@link RaftSettings#of}); HTTP pin requests wait as the node's pin client does ({@code PinClient.forNode}). Every bad value names its key. Immutable.
 *
 * @param corsOrigins origins allowed by CORS ({@code api.cors_origins}; "*" for any; none: no CORS)
 * @param maxAddBytes the largest {@code POST /add} body ({@code api.max_add_bytes}; 0 there, the
 *     default, is no maximum: {@link #NO_MAXIMUM})
 * @param maxImportBytes the largest {@code POST /pins/import} body ({@code api.max_import_bytes})
 * @param uploads uploads at once and their bytes, node-wide ({@code api.max_concurrent_uploads}, ...)
 * @param limits the HTTP API's timeouts and per-address connection limit
 * @param bridge the SockJS and TCP event-bus bridges ({@code bridge})
 * @param raft the Raft settings the API answers by: its groups and the largest op ({@code raft})
 */
record WebConfig(List<String> corsOrigins, long maxAddBytes, long maxImportBytes, UploadGate.Limits uploads, ServerLimits limits,
    BridgeConfig bridge, RaftSettings raft) {

  /** {@link #maxAddBytes} when {@code api.max_add_bytes} is 0: a body as large as the store can take. */
  static final long NO_MAXIMUM = Long.MAX_VALUE;

  /** The node's web settings, read at the first call on the node (its first web verticle instance) and shared after. */
  static WebConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), WebConfig.class, () -> from(node));
  }

  private static WebConfig from(NodeContext node) {
    ConfigSection api = node.config().section("api");
    long maxAdd = api.integer("max_add_bytes", 0, Long.MAX_VALUE, "a non-negative number of bytes (0: no maximum)");
    return new WebConfig(api.strings("cors_origins"), maxAdd == 0 ? NO_MAXIMUM : maxAdd, api.bytes("max_import_bytes"),
        UploadGate.Limits.from(api), ServerLimits.from(api),
        BridgeConfig.from(node.config().section("bridge")), RaftSettings.of(node));
  }
}
