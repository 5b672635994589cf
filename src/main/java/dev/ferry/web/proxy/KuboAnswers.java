package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The proxy's own answers in the shapes of an IPFS daemon's Kubo RPC API, in one place: JSON,
 * newline-delimited JSON for streamed lists, and errors as
 * {@code {"Message": ..., "Code": ..., "Type": "error"}}.
 *
 * <p>Stateless; call on the response's context.
 */
final class KuboAnswers {
  static final String CONTENT_TYPE = "application/json; charset=utf-8";
  /** The trailer in which a daemon reports a failure after its answer began (the status is sent by then). */
  static final String STREAM_ERROR = "X-Stream-Error";
  /** Kubo's error codes: a client's mistake, and anything else. */
  private static final int CLIENT_ERROR = 1;
  private static final int NORMAL_ERROR = 0;
  private static final int BAD_REQUEST = 400;
  private static final int INTERNAL = 500;

  private KuboAnswers() {}

  static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  /** One JSON object per line, flagged as a stream the way Kubo flags its streaming answers. */
  static void lines(HttpServerResponse response, List<JsonObject> lines) {
    StringBuilder body = new StringBuilder();
    lines.forEach(line -> body.append(line.encode()).append('\n'));
    response.putHeader("Content-Type", CONTENT_TYPE).putHeader("X-Chunked-Output", "1").end(body.toString());
  }

  /**
   * One JSON object per line, then {@code late} (a failure after the lines were made, or null) in the
   * {@value #STREAM_ERROR} trailer, as a daemon reports a failure at the end of a stream.
   */
  static void linesWithTrailer(HttpServerResponse response, List<JsonObject> lines, String late) {
    StringBuilder body = new StringBuilder();
    lines.forEach(line -> body.append(line.encode()).append('\n'));
    response.setChunked(true).putHeader("Content-Type", CONTENT_TYPE).putHeader("X-Chunked-Output", "1")
        .putHeader("Trailer", STREAM_ERROR);
    if (late != null) {
      response.putTrailer(STREAM_ERROR, headerSafe(late));
    }
    response.end(body.toString());
  }

  /**
   * A ferry failure as Kubo reports one: 400 for what the client got wrong ({@code bad-request}),
   * 500 for everything else, as the daemon does.
   */
  static void error(HttpServerResponse response, FerryException failure) {
    error(response, FerryException.BAD_REQUEST.equals(failure.code()) ? BAD_REQUEST : INTERNAL, failure.getMessage());
  }

  /**
   * An error answer; a 4xx carries Kubo's client-error code 1 and anything else code 0, as the
   * daemon's own answers do. If the answer has already begun, the connection is reset instead, so
   * the client sees a broken answer rather than a truncated one that looks whole.
   */
  static void error(HttpServerResponse response, int status, String message) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", CONTENT_TYPE)
        .end(new JsonObject().put("Message", message).put("Code", status < INTERNAL ? CLIENT_ERROR : NORMAL_ERROR)
            .put("Type", "error").encode());
  }

  /** A message fit for one header line (a trailer): no line breaks. */
  static String headerSafe(String message) {
    return String.valueOf(message).replaceAll("[\\r\\n]+", " ");
  }
}
