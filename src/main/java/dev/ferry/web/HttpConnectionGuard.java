package dev.ferry.web;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a server's {@link ServerLimits} to an HTTP server: refuses a connection over the
 * per-address limit, and closes one whose client does not send a whole request head within the
 * header timeout (slowloris) or a whole body within the body timeout after its head (slow body).
 * Vert.x's idle timeout closes connections on which nothing moves. A WebSocket (the SockJS
 * bridge) is left to the idle timeout once upgraded: SockJS heartbeats keep a live one busy.
 *
 * <p>One instance per verticle instance; every handler runs on that instance's event loop, so the
 * per-connection state needs no locks. The per-address counts are node-wide ({@link AddressCounts}).
 */
public final class HttpConnectionGuard {
  private static final Logger log = LoggerFactory.getLogger(HttpConnectionGuard.class);

  /** One open connection: where it is from, and the timer that cuts it if its client stalls. */
  private static final class Watched {
    final String address;
    long timer = -1;

    Watched(String address) {
      this.address = address;
    }
  }

  private final Vertx vertx;
  private final ServerLimits limits;
  private final AddressCounts counts;
  private final ThrottledLog refused = new ThrottledLog(log);
  private final ThrottledLog cut = new ThrottledLog(log);
  private final Map<HttpConnection, Watched> connections = new IdentityHashMap<>();

  public HttpConnectionGuard(Vertx vertx, ServerLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
    this.counts = AddressCounts.of(vertx, limits);
  }

  /**
   * {@code options} with the idle timeout set, and without HTTP/2 over cleartext: with it, Vert.x
   * holds a new connection back until its first bytes tell the protocol, so a client that sends
   * nothing would never be seen, let alone counted or timed out (ferry's clients speak HTTP/1.1).
   */
  public HttpServerOptions options(HttpServerOptions options) {
    return options.setHttp2ClearTextEnabled(false).setIdleTimeout((int) Math.min(Integer.MAX_VALUE, limits.idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Makes {@code server} answer with {@code requests}, guarded. */
  public HttpServer guard(HttpServer server, Handler<HttpServerRequest> requests) {
    return server.connectionHandler(this::opened).requestHandler(request -> {
      arrived(request);
      requests.handle(request);
    });
  }

  private void opened(HttpConnection connection) {
    String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
    if (!counts.tryOpen(address)) {
      refused.warn(limits.section() + ": refused a connection from " + address + ": it holds "
          + counts.max() + " already (" + limits.section() + ".max_connections_per_address)");
      connection.close();
      return;
    }
    log.debug("{}: connection from {}", limits.section(), address);
    Watched watched = new Watched(address);
    connections.put(connection, watched);
    connection.closeHandler(x -> {
      connections.remove(connection);
      cancel(watched);
      counts.closed(address);
    });
    awaitHead(connection, watched);
  }

  private void arrived(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    Watched watched = connection == null ? null : connections.get(connection);
    if (watched == null) {
      return;
    }
    cancel(watched);
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      awaitBody(connection, watched, request);
    }
  }

  /** Cuts the connection unless a request head arrives within the header timeout. */
  private void awaitHead(HttpConnection connection, Watched watched) {
    watched.timer = vertx.setTimer(limits.headerTimeout().toMillis(), t -> close(connection, watched,
        "sent no whole request head within " + millis(limits.headerTimeout()) + " (" + limits.section()
            + ".header_timeout_ms)"));
  }

  /**
   * Cuts the connection unless the body has arrived by the body timeout; once it has and the
   * answer has gone out, the connection waits for its next request head as a new one would.
   */
  private void awaitBody(HttpConnection connection, Watched watched, HttpServerRequest request) {
    watched.timer = vertx.setTimer(limits.bodyTimeout().toMillis(), t -> {
      watched.timer = -1;
      if (!request.isEnded()) {
        close(connection, watched, "sent no whole body within " + millis(limits.bodyTimeout()) + " ("
            + limits.section() + ".body_timeout_ms) for " + request.method() + " " + request.path());
      } else if (request.response().ended() || request.response().closed()) {
        awaitHead(connection, watched);
      } else {
        awaitBody(connection, watched, request);   // the answer is still being made: not the client's doing
      }
    });
  }

  private void close(HttpConnection connection, Watched watched, String why) {
    watched.timer = -1;
    cut.warn(limits.section() + ": closed a connection from " + watched.address + " that " + why);
    connection.close();
  }

  private void cancel(Watched watched) {
    if (watched.timer >= 0) {
      vertx.cancelTimer(watched.timer);
      watched.timer = -1;
    }
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
