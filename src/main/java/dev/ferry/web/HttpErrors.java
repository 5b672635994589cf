package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: {@code {"code": status, "message": ...,
 * "error": short-code}}, the shape IPFS Cluster's clients read, with the matching status.
 */
final class HttpErrors {
  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /**
   * Answers a failed route. Unexpected failures ({@code internal}) are logged once, here, with
   * their stack; the expected ones (no leader, timeouts, a full disk, an upload refused under
   * load) are the caller's answer and were logged where they arose, so they go to DEBUG only:
   * one client retrying must not flood the log.
   */
  static void handle(RoutingContext ctx) {
    FerryException error = toFerry(ctx.failure(), ctx.statusCode());
    if (FerryException.INTERNAL.equals(error.code())) {
      log.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(), error.getMessage(), ctx.failure());
    } else if (error.httpStatus() >= 500) {
      log.debug("{} {} answered {}: {}", ctx.request().method(), ctx.request().path(), error.httpStatus(),
          error.getMessage());
    }
    send(ctx, error);
  }

  static void send(RoutingContext ctx, FerryException error) {
    send(ctx.response(), error.httpStatus(), error.code(), error.getMessage());
  }

  /**
   * Writes an error answer and ends the response; if the answer has begun, resets it instead.
   * Also for statuses no {@link FerryException} code carries (414, 431: {@link InvalidRequests}).
   */
  static void send(HttpServerResponse response, int status, String code, String message) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject()
            .put("code", status)
            .put("message", message)
            .put("error", code)
            .encode());
  }

  static FerryException toFerry(Throwable failure, int status) {
    if (failure == null) {
      return switch (status) {
        case 404 -> FerryException.notFound("no such resource");
        case 405 -> new FerryException(FerryException.METHOD_NOT_ALLOWED, "method not allowed on this resource");
        case 413 -> new FerryException(FerryException.TOO_LARGE, "request body too large");
        case 400 -> FerryException.badRequest("bad request");
        default -> new FerryException(FerryException.INTERNAL, "HTTP " + status);
      };
    }
    return FerryException.from(failure);
  }
}
