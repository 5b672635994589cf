package dev.ferry.web;

import dev.ferry.core.ConfigException;
import dev.ferry.web.FileParts.FilePart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives {@code POST /add} bodies without holding them in memory: admits the upload at the
 * node's {@link UploadGate} (503 with {@code Retry-After} beyond it), then either spools its files
 * to {@code <data_dir>/uploads} ({@link FileParts#read}), hands them on, and deletes them when that
 * is done, however it ends ({@link #receive}); or hands each part to an importer on a worker while
 * it arrives, with no spool file ({@link #stream}). What a crashed node left in the spool directory
 * is deleted at start.
 *
 * <p>One instance per web verticle instance, used on its event loop; file work is asynchronous,
 * streamed imports run on the node's upload workers (one per {@code api.max_concurrent_uploads}).
 */
final class Uploads {
  private static final Logger log = LoggerFactory.getLogger(Uploads.class);
  /** Node-local flag: the spool directory was emptied at this start (by the first instance). */
  private static final String CLEANED = "ferry.uploads.cleaned";
  /** The node's workers that import streamed uploads, shared by the web verticle's instances. */
  private static final String WORKERS = "ferry-upload-import";

  private final Vertx vertx;
  private final UploadGate gate;
  private final long limit;
  private final String setting;
  private final Path spool;
  private final WorkerExecutor workers;

  /**
   * @param uploads how many uploads the node takes at once, and how many bytes of them
   * @param limit the largest body ({@code setting} names it in the 413 answer)
   * @param spool where uploads are written while they are added
   */
  Uploads(Vertx vertx, UploadGate.Limits uploads, long limit, String setting, Path spool) {
    this.vertx = vertx;
    this.gate = UploadGate.of(vertx, uploads);
    this.limit = limit;
    this.setting = setting;
    this.spool = spool;
    // a streamed import lasts as long as its upload, which the client paces (the API's idle timeout
    // bounds a stalled one), so these workers have no execute-time bound to warn about; one per
    // upload the gate admits, so an import never waits for another's
    this.workers = vertx.createSharedWorkerExecutor(WORKERS, uploads.maxUploads(), Long.MAX_VALUE,
        TimeUnit.NANOSECONDS);
  }

  /** Creates the spool directory; the node's first instance deletes what an earlier run left in it. */
  Future<Void> prepare() {
    return vertx.fileSystem().mkdirs(spool.toString()).compose(x -> {
      if (vertx.sharedData().getLocalMap(CLEANED).putIfAbsent("done", true) != null) {
        return Future.succeededFuture();
      }
      return vertx.fileSystem().readDir(spool.toString()).compose(left -> {
        if (!left.isEmpty()) {
          log.info("deleting {} upload(s) an earlier run left in {}", left.size(), spool);
        }
        return FileParts.delete(vertx, left.stream().map(Path::of).toList());
      });
    }).recover(e -> Future.failedFuture(new ConfigException("cannot use " + spool
        + " to spool POST /add uploads (" + e.getMessage() + "): make data_dir writable")));
  }

  /**
   * Receives the request's files and runs {@code use} on them; the files are deleted and the
   * upload's admission given back once {@code use} completes. Must be called before any of the
   * body has been read.
   */
  <T> Future<T> receive(RoutingContext ctx, Function<List<FilePart>, Future<T>> use) {
    var permit = gate.tryEnter(spooled(ctx));
    if (permit.isEmpty()) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(gate.retryAfterSeconds()));
      return Future.failedFuture(gate.busy());
    }
    return FileParts.read(vertx, ctx.request(), limit, setting, spool)
        .compose(files -> use.apply(files)
            .eventually(() -> FileParts.delete(vertx, files.stream().map(FilePart::file).toList())))
        .eventually(() -> {
          permit.get().close();
          return Future.succeededFuture();
        });
  }

  /** What a streamed upload gave: its parts (names and sizes, no files) and what its importer made of them. */
  record Streamed<T>(List<FilePart> parts, T imported) {}

  /**
   * Hands the request's file parts to {@code importer} while they arrive ({@link FileParts#stream}):
   * it gets them as a {@link PartStream} and the upload's workers to read them on, and may
   * block on each part until its bytes come, while a full pipe pauses the request. Answers once
   * both the body and the import are done, and only then gives the upload's admission back; a
   * failed body (too large, cut short, malformed, the client gone) fails the import, and a failed
   * import stops the body's reading, the body's failure named first. Must be called before any
   * of the body has been read.
   */
  <T> Future<Streamed<T>> stream(RoutingContext ctx, BiFunction<PartStream, WorkerExecutor, Future<T>> importer) {
    // it holds one pipe's bytes of memory per part and no spool file: none of the bytes in flight
    // (what it stores is the store's, bounded by ipfs.storage_max)
    var permit = gate.tryEnter(0);
    if (permit.isEmpty()) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(gate.retryAfterSeconds()));
      return Future.failedFuture(gate.busy());
    }
    PartStream entries = new PartStream(vertx.getOrCreateContext());
    FileParts reading = FileParts.stream(vertx, ctx.request(), limit, setting, entries);
    Future<T> imported = importer.apply(entries, workers);
    imported.onFailure(reading::cancel);
    return Future.join(reading.parts(), imported)
        .transform(done -> reading.parts().failed() ? Future.failedFuture(reading.parts().cause())
            : imported.failed() ? Future.failedFuture(imported.cause())
            : Future.succeededFuture(new Streamed<>(reading.parts().result(), imported.result())))
        .eventually(() -> {
          permit.get().close();
          return Future.succeededFuture();
        });
  }

  /**
   * What a spooled upload may take on disk: its declared length, or the most a body may hold
   * (with no {@code api.max_add_bytes}, more than the gate's bound: no other spooled upload is
   * admitted beside one that declares no length).
   */
  private long spooled(RoutingContext ctx) {
    long declared = ContentLength.of(ctx.request());
    return declared < 0 ? limit : Math.min(limit, declared);
  }
}
