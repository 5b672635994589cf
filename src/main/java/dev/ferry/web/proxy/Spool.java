package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.web.FileParts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * A multipart upload to the embedded store, each file part streamed to its own file in the store's
 * spool directory as it arrives ({@link FileParts#read}: the one multipart decoder of the API's
 * {@code POST /add}, with the request's backpressure), so an upload is never held in memory. A body
 * that is not multipart, is malformed or is cut short is a {@code bad-request} naming what was
 * wrong, and the files of its parts are deleted.
 *
 * <p>Stateless; runs on the request's context.
 */
final class Spool {
  /** The proxy bounds an upload by the store ({@code ipfs.storage_max}), not by a body size. */
  private static final long NO_LIMIT = Long.MAX_VALUE;

  private Spool() {}

  /** The parts of {@code request}'s body, in order, once every one is written; the caller deletes them. */
  static Future<List<StoreCommands.Part>> of(Vertx vertx, ContentStore store, HttpServerRequest request) {
    request.pause();  // nothing may arrive before the spool directory is known
    return store.spoolFile()
        .onFailure(e -> request.resume())
        .compose(named -> FileParts.read(vertx, request, NO_LIMIT, "ipfs.storage_max", named.getParent()))
        .compose(files -> {
          try {
            return Future.succeededFuture(files.stream().map(file -> new StoreCommands.Part(
                StoreCommands.Part.decode(file.fileName()), file.file(), file.directory())).toList());
          } catch (FerryException e) {   // a file name that is no valid escape: nothing of it is kept
            return FileParts.delete(vertx, files.stream().map(FileParts.FilePart::file).toList())
                .transform(x -> Future.failedFuture(e));
          }
        });
  }

  /** Deletes the parts' files; never fails. */
  static Future<Void> delete(Vertx vertx, List<StoreCommands.Part> parts) {
    return FileParts.delete(vertx, parts.stream().map(StoreCommands.Part::file).toList())
        .recover(e -> Future.succeededFuture());
  }
}
