package dev.ferry.web;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for {@code @vertx/eventbus-bridge-client.js} in
 * browsers and Node: Vert.x checks the configured permissions, the {@link BridgeGuard} who the
 * socket is (a user of the SockJS request's {@code Authorization}, or of a frame's
 * {@code authorization} header; or the token), what that user may do, and per-socket addresses. A
 * denial reaches the client as {@code access_denied}.
 */
final class BridgeRoutes implements Routes {
  /** Never permitted: a denied frame is pointed here so Vert.x answers it with access_denied. */
  static final String DENIED = "ferry.bridge.denied";
  /** Where the bridge is served. */
  static final String PATH = "/eventbus";
  private static final String TOKEN_HEADER = "X-Ferry-Token";

  private final Vertx vertx;
  private final BridgeConfig config;
  private final BridgeGuard guard;

  BridgeRoutes(Vertx vertx, BridgeConfig config, BridgeGuard guard) {
    this.vertx = vertx;
    this.config = config;
    this.guard = guard;
  }

  @Override
  public void mount(Router router) {
    var options = new SockJSBridgeOptions();
    config.inbound().forEach(options::addInboundPermitted);
    config.outbound().forEach(options::addOutboundPermitted);
    Router bridge = SockJSHandler.create(vertx).bridge(options, this::event);
    router.route(PATH + "/*").subRouter(bridge);
  }

  /** Whether {@code path} is one of the bridge's (its SockJS info, session and transport requests). */
  static boolean isBridgePath(String path) {
    return path.equals(PATH) || path.startsWith(PATH + "/");
  }

  private void event(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    if (event.type() == BridgeEventType.SOCKET_CREATED) {
      guard.opened(socket, urlToken(socket), Optional.ofNullable(socket.routingContext()).flatMap(ApiAuth::user));
      event.complete(true);
    } else if (event.type() == BridgeEventType.SOCKET_CLOSED) {
      guard.closed(socket);
      event.complete(true);
    } else {
      JsonObject raw = event.getRawMessage();
      guard.check(event.type(), raw, socket, socket.remoteAddress()).onComplete(verdict -> {
        if (verdict.failed() || verdict.result() == BridgeGuard.Verdict.DENY) {
          raw.put("address", DENIED);
        }
        event.complete(true);
      });
    }
  }

  /** The token from the SockJS URL ({@code /eventbus?token=T}) or the {@code X-Ferry-Token} header. */
  private static Optional<String> urlToken(SockJSSocket socket) {
    String header = socket.headers() == null ? null : socket.headers().get(TOKEN_HEADER);
    if (header != null) {
      return Optional.of(header);
    }
    String uri = socket.uri();
    int query = uri == null ? -1 : uri.indexOf('?');
    if (query < 0) {
      return Optional.empty();
    }
    for (String pair : uri.substring(query + 1).split("&")) {
      if (pair.startsWith(BridgeGuard.TOKEN + "=")) {
        return Optional.of(URLDecoder.decode(pair.substring(BridgeGuard.TOKEN.length() + 1),
            StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }
}
