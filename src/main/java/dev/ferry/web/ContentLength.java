package dev.ferry.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/** The body length a request declares, for the routes that bound bodies before reading them. Stateless. */
public final class ContentLength {
  private ContentLength() {}

  /** The request's {@code Content-Length}, or -1 when it declares none (a chunked body). */
  public static long of(HttpServerRequest request) {
    String text = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return text == null ? -1 : Math.max(-1, Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return -1;   // Vert.x's HTTP codec refuses such a request before any route sees it
    }
  }
}
