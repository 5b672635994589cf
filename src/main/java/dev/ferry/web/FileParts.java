package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the file parts of a {@code multipart/form-data} request into memory, refusing a body
 * larger than a limit: at once when its {@code Content-Length} says so, else as soon as more
 * arrives. Form fields that are not files are left to Vert.x (and ignored).
 *
 * <p>One instance per request, on that request's event loop; it must be started by the first
 * handler that sees the request, before any of the body has been read.
 */
final class FileParts {
  /** One uploaded file: the name the client gave it and its bytes. */
  record FilePart(String fileName, Buffer content) {}

  private final HttpServerRequest request;
  private final long limit;
  private final String setting;
  private final Promise<List<FilePart>> result = Promise.promise();
  private final List<FilePart> parts = new ArrayList<>();

  private FileParts(HttpServerRequest request, long limit, String setting) {
    this.request = request;
    this.limit = limit;
    this.setting = setting;
  }

  /**
   * The request's file parts in the order they came; fails with {@code bad-request} when the body
   * is not multipart or holds no file, {@code too-large} past {@code limit} bytes (named by
   * {@code setting} in the message).
   */
  static Future<List<FilePart>> read(HttpServerRequest request, long limit, String setting) {
    return new FileParts(request, limit, setting).start();
  }

  private Future<List<FilePart>> start() {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      return Future.failedFuture(FerryException.badRequest("expected a multipart/form-data body with one or more "
          + "file parts (curl -F file=@FILE), got Content-Type " + type));
    }
    long declared = contentLength();
    if (declared > limit) {
      return Future.failedFuture(tooLarge("its Content-Length is " + declared));
    }
    // what a failed request still sends is read and dropped by Vert.x, never buffered
    request.setExpectMultipart(true);
    request.handler(chunk -> {
      if (request.bytesRead() > limit) {
        fail(tooLarge("more than that arrived"));
      }
    });
    request.uploadHandler(upload -> {
      Buffer content = Buffer.buffer();
      upload.handler(chunk -> {
        if (!failed()) {
          content.appendBuffer(chunk);
        }
      });
      upload.endHandler(x -> {
        if (!failed()) {
          parts.add(new FilePart(upload.filename(), content));
        }
      });
      upload.exceptionHandler(this::failWith);
    });
    request.exceptionHandler(this::failWith);
    request.endHandler(x -> {
      if (parts.isEmpty()) {
        fail(FerryException.badRequest("no file part in the multipart body: send each file as a part with a file "
            + "name (curl -F file=@FILE)"));
      } else {
        result.tryComplete(List.copyOf(parts));
      }
    });
    return result.future();
  }

  private FerryException tooLarge(String why) {
    return new FerryException(FerryException.TOO_LARGE, "the body may hold at most " + limit + " bytes (" + setting
        + ") but " + why + ": send fewer or smaller files, or raise " + setting);
  }

  private void failWith(Throwable e) {
    fail(e instanceof DecoderException || e.getCause() instanceof DecoderException
        ? FerryException.badRequest("the multipart body is malformed: " + e.getMessage())
        : FerryException.from(e));
  }

  private void fail(FerryException e) {
    if (result.tryFail(e)) {
      parts.clear();   // the memory is not needed any more; the rest of the body is dropped as it comes
    }
  }

  private boolean failed() {
    return result.future().failed();
  }

  private long contentLength() {
    String text = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return text == null ? -1 : Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return -1;   // Vert.x's HTTP codec refuses such a request before any route sees it
    }
  }
}
