package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.store.ContentStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A multipart upload to the embedded store, each file part streamed to its own file in the store's
 * spool directory as it arrives (with the request's backpressure), so an upload is never held in
 * memory. A body that is not multipart, or one cut short, is a {@code bad-request}, and the files
 * of its parts are deleted.
 *
 * <p>Stateless; runs on the request's context.
 */
final class Spool {
  private static final String MULTIPART = "multipart/form-data";
  private static final String DIRECTORY_PART = "application/x-directory";

  private Spool() {}

  /** The parts of {@code request}'s body, in order, once every one is written; the caller deletes them. */
  static Future<List<StoreCommands.Part>> of(Vertx vertx, ContentStore store, HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(MULTIPART)) {
      return Future.failedFuture(FerryException.badRequest("expected a multipart/form-data body, got "
          + (type == null ? "no Content-Type" : type)));
    }
    request.pause();  // no part may arrive before its file can be named
    Promise<List<StoreCommands.Part>> done = Promise.promise();
    store.spoolFile().onComplete(named -> {
      if (named.failed()) {
        request.resume();
        done.fail(named.cause());
        return;
      }
      List<StoreCommands.Part> parts = new ArrayList<>();
      List<Future<Void>> writes = new ArrayList<>();
      request.setExpectMultipart(true);
      request.uploadHandler(upload -> {
        Path file = Path.of(named.result() + "-" + parts.size());
        parts.add(new StoreCommands.Part(StoreCommands.Part.decode(upload.filename()), file,
            DIRECTORY_PART.equalsIgnoreCase(upload.contentType())));
        writes.add(upload.streamToFileSystem(file.toString()));
      });
      request.end()
          .compose(ended -> Future.all(writes))
          .onSuccess(written -> done.complete(parts))
          .onFailure(e -> delete(vertx, parts).onComplete(x -> done.fail(FerryException.badRequest(
              "the upload was cut short or is not well-formed multipart (" + e.getMessage() + "); nothing of it "
                  + "was stored"))));
      request.resume();
    });
    return done.future();
  }

  /** Deletes the parts' files; never fails. */
  static Future<Void> delete(Vertx vertx, List<StoreCommands.Part> parts) {
    List<Future<Void>> deleted = parts.stream()
        .map(part -> vertx.fileSystem().delete(part.file().toString()).recover(e -> Future.succeededFuture()))
        .toList();
    return Future.join(deleted).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }
}
