package dev.ferry.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import java.util.Optional;

/**
 * The TCP event-bus bridge (Vert.x's framed JSON protocol) for clients in other languages, on
 * {@code bridge.tcp_host:bridge.tcp_port}, with the same permissions and {@link BridgeGuard} as
 * the SockJS bridge. The token travels in each frame's headers.
 */
final class TcpBridge {
  private final Vertx vertx;
  private final BridgeConfig config;
  private final BridgeGuard guard;

  TcpBridge(Vertx vertx, BridgeConfig config, BridgeGuard guard) {
    this.vertx = vertx;
    this.config = config;
    this.guard = guard;
  }

  Future<Void> listen() {
    if (config.tcpPort() == 0) {
      return Future.succeededFuture();
    }
    return TcpEventBusBridge.create(vertx, config.options(), new NetServerOptions(), this::event)
        .listen(config.tcpPort(), config.tcpHost())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.tcpHost() + ":"
            + config.tcpPort() + " for the TCP event-bus bridge (" + e.getMessage() + "): set bridge.tcp_port")))
        .mapEmpty();
  }

  private void event(BridgeEvent event) {
    if (event.type() == BridgeEventType.SOCKET_CREATED) {
      guard.opened(event.socket(), Optional.empty());
    } else if (event.type() == BridgeEventType.SOCKET_CLOSED) {
      guard.closed(event.socket());
    } else if (guard.check(event.type(), event.getRawMessage(), event.socket(),
        String.valueOf(event.socket().remoteAddress())) == BridgeGuard.Verdict.DENY) {
      // the TCP bridge has no way to turn a handler's refusal into access_denied itself
      FrameHelper.sendErrFrame("access_denied", event.socket());
      event.complete(false);
      return;
    }
    event.complete(true);
  }
}
