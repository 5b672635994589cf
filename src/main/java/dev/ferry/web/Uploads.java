package dev.ferry.web;

import dev.ferry.core.ConfigException;
import dev.ferry.web.FileParts.FilePart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives {@code POST /add} bodies without holding them in memory: admits the upload at the
 * node's {@link UploadGate} (503 with {@code Retry-After} beyond it), spools its files to
 * {@code <data_dir>/uploads} ({@link FileParts}), hands them on, and deletes them when that is done,
 * however it ends. What a crashed node left in the spool directory is deleted at start.
 *
 * <p>One instance per web verticle instance, used on its event loop; file work is asynchronous.
 */
final class Uploads {
  private static final Logger log = LoggerFactory.getLogger(Uploads.class);
  /** Node-local flag: the spool directory was emptied at this start (by the first instance). */
  private static final String CLEANED = "ferry.uploads.cleaned";

  private final Vertx vertx;
  private final UploadGate gate;
  private final long limit;
  private final String setting;
  private final Path spool;

  /**
   * @param limit the largest body ({@code setting} names it in the 413 answer)
   * @param spool where uploads are written while they are added
   */
  Uploads(Vertx vertx, UploadGate gate, long limit, String setting, Path spool) {
    this.vertx = vertx;
    this.gate = gate;
    this.limit = limit;
    this.setting = setting;
    this.spool = spool;
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
    var permit = gate.tryEnter(reservation(ctx));
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

  /** What the upload may take: its declared length, or the most a body may hold. */
  private long reservation(RoutingContext ctx) {
    long declared = ContentLength.of(ctx.request());
    return declared < 0 ? limit : Math.min(limit, declared);
  }
}
