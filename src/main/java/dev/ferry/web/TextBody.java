package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request's whole body as UTF-8 text, whatever its {@code Content-Type} says: curl's
 * {@code --data} sends {@code application/x-www-form-urlencoded}, and a form decoder would refuse
 * (or rewrite) a value that is no form. The body is refused with {@code too-large} past a limit,
 * at once when its {@code Content-Length} says so, else as soon as more arrives (what a refused
 * request still sends is read and dropped by Vert.x, never buffered), and with
 * {@code bad-request} when its bytes are not UTF-8, rather than replacing them.
 *
 * <p>One instance per request, on that request's event loop; it must be started by the first
 * handler that waits for anything, before any of the body has been read.
 */
final class TextBody {
  private final HttpServerRequest request;
  private final long limit;
  private final String setting;
  private final Promise<String> result = Promise.promise();
  private Buffer body = Buffer.buffer();

  private TextBody(HttpServerRequest request, long limit, String setting) {
    this.request = request;
    this.limit = limit;
    this.setting = setting;
  }

  /**
   * The body as text; fails with {@code too-large} past {@code limit} bytes ({@code setting} names
   * the limit in the message) and with {@code bad-request} if it is not UTF-8.
   */
  static Future<String> read(HttpServerRequest request, long limit, String setting) {
    return new TextBody(request, limit, setting).start();
  }

  private Future<String> start() {
    long declared = ContentLength.of(request);
    if (declared > limit) {
      return Future.failedFuture(tooLarge("its Content-Length is " + declared));
    }
    if (request.isEnded()) {   // no body, or one read before this started
      decode();
      return result.future();
    }
    request.handler(chunk -> {
      if (result.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        body = null;   // the rest is dropped as it comes
        result.tryFail(tooLarge("more than that arrived"));
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(e -> result.tryFail(FerryException.from(e)));
    request.endHandler(x -> {
      if (!result.future().isComplete()) {
        decode();
      }
    });
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();   // curl asks before sending a larger body
    }
    request.resume();
    return result.future();
  }

  private void decode() {
    ByteBuffer in = ByteBuffer.wrap(body.getBytes());
    CharBuffer out = CharBuffer.allocate(body.length());   // UTF-8 never has fewer bytes than chars
    if (StandardCharsets.UTF_8.newDecoder().decode(in, out, true).isError()) {
      result.tryFail(FerryException.badRequest("the body is not UTF-8 text: the bytes from offset " + in.position()
          + " on are no UTF-8 sequence; send the value as UTF-8"));
    } else {
      result.tryComplete(out.flip().toString());
    }
  }

  private FerryException tooLarge(String why) {
    return new FerryException(FerryException.TOO_LARGE, "the body may hold at most " + limit + " bytes (" + setting
        + ") but " + why);
  }
}
