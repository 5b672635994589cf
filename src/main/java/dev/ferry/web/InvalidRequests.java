package dev.ferry.web;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests Vert.x's HTTP decoder refuses before any route sees them (a request line or
 * headers over the server's limits, a request that is no HTTP) with an error in the server's own
 * JSON shape, where Vert.x's default handler answers with an empty body; then it closes the
 * connection, as that handler does (the rest of such a request cannot be read). Install it with
 * {@link HttpServer#invalidRequestHandler}.
 *
 * <p>Immutable; runs on the connection's event loop.
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {
  private static final Logger log = LoggerFactory.getLogger(InvalidRequests.class);
  private static final int BAD_REQUEST = 400;
  private static final int URI_TOO_LONG = 414;
  private static final int HEADERS_TOO_LARGE = 431;

  /** How a server writes an error answer in its own shape, and ends the response. */
  @FunctionalInterface
  public interface ErrorWriter {
    void write(HttpServerResponse response, int status, String code, String message);
  }

  private final String server;
  private final int maxInitialLine;
  private final String lineSetting;
  private final int maxHeaders;
  private final ErrorWriter writer;

  /**
   * @param server what the server is, for messages ("the HTTP API")
   * @param options the server's options, whose limits the messages name
   * @param lineSetting the setting that sets the longest request line, or null if none does
   */
  public InvalidRequests(String server, HttpServerOptions options, String lineSetting, ErrorWriter writer) {
    this.server = server;
    this.maxInitialLine = options.getMaxInitialLineLength();
    this.lineSetting = lineSetting;
    this.maxHeaders = options.getMaxHeaderSize();
    this.writer = writer;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    HttpServerResponse response = request.response().putHeader(HttpHeaders.CONNECTION, "close");
    if (cause instanceof TooLongHttpLineException) {
      writer.write(response, URI_TOO_LONG, "uri-too-long", "the request line (method, URI and HTTP version) is longer "
          + "than the " + maxInitialLine + " bytes " + server + " accepts"
          + (lineSetting == null ? "" : " (" + lineSetting + ")") + ": shorten the URI");
    } else if (cause instanceof TooLongHttpHeaderException) {
      writer.write(response, HEADERS_TOO_LARGE, "headers-too-large", "the request's headers are larger than the "
          + maxHeaders + " bytes " + server + " accepts in all: send fewer or shorter headers");
    } else {
      writer.write(response, BAD_REQUEST, "bad-request", "malformed HTTP request: " + (cause == null
          ? "refused by the HTTP decoder" : cause.getMessage()));
    }
    log.debug("{} refused a request it could not decode: {}", server, String.valueOf(cause));
    request.connection().close();
  }
}
