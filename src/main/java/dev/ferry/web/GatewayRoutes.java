package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.Car;
import dev.ferry.ipfs.store.ContentReader;
import dev.ferry.ipfs.store.ContentReader.Kind;
import dev.ferry.ipfs.store.ContentReader.Resolved;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.DagPb;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.MimeMapping;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The read-only IPFS gateway on the API port, per the IPFS path and trustless gateway
 * specifications: {@code GET|HEAD /ipfs/{cid}[/{path}]} answers the file itself (with
 * {@code Range}), a directory's {@code index.html} or a generated listing, one raw block
 * ({@code format=raw} or {@code Accept: application/vnd.ipld.raw}) or a CARv1 of the DAG
 * ({@code format=car}, {@code dag-scope}), with an {@code ETag} ({@code If-None-Match} → 304) and
 * the immutable {@code Cache-Control} of {@code /ipfs/}. It serves what this node's embedded store
 * holds and fetches nothing from other nodes (a non-recursive gateway: content not here is a 404).
 * With a Kubo daemon ({@code ipfs.api}) it answers 501 naming the setting: the daemon has a gateway
 * of its own. The API's users apply: role {@code read} may use it ({@link ApiAuth}).
 *
 * <p>Runs on its web verticle's event loop; every read runs on a worker ({@link ContentReader}),
 * and files and CARs are written a piece at a time as the client takes them, never held whole.
 */
final class GatewayRoutes implements Routes {
  /** The path gateway specification's {@code Cache-Control} for every immutable {@code /ipfs/} answer. */
  static final String IMMUTABLE = "public, max-age=29030400, immutable";
  /** How many first bytes of a file without a known extension are looked at for its type (as browsers sniff). */
  private static final int SNIFF_BYTES = 512;
  private static final String INDEX = "index.html";
  private static final String HTML = "text/html; charset=utf-8";
  /** The headers of an answer, dropped when it fails before its first byte. */
  private static final List<String> FILE_HEADERS = List.of("Content-Length", "Content-Range", "Content-Type",
      "Content-Disposition", "Cache-Control", "ETag", "Accept-Ranges", "X-Ipfs-Path", "X-Ipfs-Roots",
      "Content-Location");

  private final Optional<ContentReader> reader;
  private final Optional<URI> daemon;

  /**
   * @param ipfs this node's connector: the embedded store is served; with a Kubo daemon
   *     ({@code daemon}, {@code ipfs.api}) every request is a 501 naming it
   */
  GatewayRoutes(IpfsConnector ipfs, Optional<URI> daemon) {
    this.reader = ipfs instanceof ContentStore store ? Optional.of(store.reader()) : Optional.empty();
    this.daemon = daemon;
  }

  @Override
  public void mount(Router router) {
    router.route("/ipfs/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serve);
    router.route("/ipns/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ctx.fail(
        new FerryException(FerryException.NOT_IMPLEMENTED, ctx.request().path() + ": this gateway serves immutable "
            + "/ipfs/{cid} paths only; it resolves no IPNS names or DNSLink")));
  }

  private void serve(RoutingContext ctx) {
    if (reader.isEmpty()) {
      ctx.fail(new FerryException(FerryException.NOT_IMPLEMENTED, ctx.request().path() + ": this node keeps its "
          + "content in the Kubo daemon at " + daemon.map(URI::toString).orElse("ipfs.api") + " (ipfs.api), and "
          + "ferry's gateway serves only the embedded store: use the daemon's own gateway, or unset ipfs.api"));
      return;
    }
    GatewayRequest request;
    try {
      request = GatewayRequest.of(ctx);
    } catch (GatewayRequest.NotAcceptable e) {
      HttpErrors.send(ctx.response(), 406, "not-acceptable", e.getMessage());
      return;
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    if (request.path().isEmpty() && !request.trailingSlash() && ctx.request().getHeader("Service-Worker") != null) {
      ctx.fail(FerryException.badRequest("a service worker may register only below a content root: "
          + request.contentPath() + "/ (with the trailing slash)"));
      return;
    }
    reader.get().resolve(request.root(), request.path())
        .onSuccess(resolved -> answer(ctx, request, resolved))
        .onFailure(e -> {
          if (request.onlyIfCached() && FerryException.NOT_FOUND.equals(FerryException.from(e).code())) {
            ctx.response().setStatusCode(412).end();  // only-if-cached: not here, and nothing fetched
          } else {
            ctx.fail(e);
          }
        });
  }

  private void answer(RoutingContext ctx, GatewayRequest request, Resolved resolved) {
    switch (request.format()) {
      case RAW -> raw(ctx, request, resolved);
      case CAR -> car(ctx, request, resolved);
      case DESERIALIZED -> {
        switch (resolved.kind()) {
          case FILE -> file(ctx, request, resolved, request.filename()
              .orElse(request.path().isEmpty() ? "" : request.path().get(request.path().size() - 1)));
          case DIRECTORY -> directory(ctx, request, resolved);
          case OTHER -> HttpErrors.send(ctx.response(), 406, "not-acceptable", resolved.cid() + " is a block of "
              + "codec 0x" + Integer.toHexString(resolved.cid().codec()) + ", not a UnixFS file or directory: ask "
              + "for it with format=raw or format=car");
        }
      }
    }
  }

  /** One block, as the trustless gateway gives it. */
  private void raw(RoutingContext ctx, GatewayRequest request, Resolved resolved) {
    HttpServerResponse response = ctx.response();
    if (notModified(ctx, request, resolved, "\"" + resolved.cid() + ".raw\"")) {
      return;
    }
    reader.get().block(resolved.cid()).onSuccess(block -> {
      response.putHeader(HttpHeaders.CONTENT_TYPE, GatewayRequest.RAW_TYPE)
          .putHeader("Content-Disposition", "attachment; filename=\"" + resolved.cid() + ".bin\"")
          .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(block.length()));
      end(ctx, block);
    }).onFailure(e -> fail(ctx, e));
  }

  /** A CARv1 of the path's blocks and what it names, per {@code dag-scope}; streamed. */
  private void car(RoutingContext ctx, GatewayRequest request, Resolved resolved) {
    String scope = request.scope().name().toLowerCase(Locale.ROOT);
    String dups = request.dups() ? "y" : "n";
    // entity-bytes ranges a file only; of anything else it is ignored, as the specification says
    Optional<EntityBytes> bytes = request.entityBytes().filter(b -> resolved.kind() == Kind.FILE);
    String etag = "\"" + resolved.root() + (request.path().isEmpty() ? "" : "/" + String.join("/", request.path())
        .hashCode()) + ".car." + scope + bytes.map(b -> ".bytes-" + b).orElse("") + ".dups-" + dups + "\"";
    if (notModified(ctx, request, resolved, etag)) {
      return;
    }
    Car.Range range = bytes.flatMap(b -> b.of(resolved.size())).orElse(null);
    boolean whole = switch (request.scope()) {
      case ALL -> true;
      // a file's every block (or those of its range: none past the root when the range holds no byte of it);
      // a directory's or other block alone
      case ENTITY -> resolved.kind() == Kind.FILE && (bytes.isEmpty() || range != null);
      case BLOCK -> false;
    };
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, GatewayRequest.CAR_TYPE + "; version=1; order=dfs; dups=" + dups)
        .putHeader("Content-Disposition", "attachment; filename=\"" + resolved.root() + ".car\"")
        .putHeader("Accept-Ranges", "none");
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().end();
      return;
    }
    ctx.response().setChunked(true);
    send(ctx, reader.get().car(resolved, whole, request.dups(), range));
  }

  /** A file's bytes, or one range of them (206, or 416 when the range starts past its end). */
  private void file(RoutingContext ctx, GatewayRequest request, Resolved resolved, String name) {
    if (notModified(ctx, request, resolved, "\"" + resolved.cid() + "\"")) {
      return;
    }
    long size = resolved.size();
    HttpServerResponse response = ctx.response().putHeader("Accept-Ranges", "bytes");
    request.filename().ifPresent(filename -> response.putHeader("Content-Disposition",
        (request.download() ? "attachment" : "inline") + "; " + FileHeaders.filename(filename)));
    long[] range = request.range().map(header -> ByteRanges.single(header, size)).orElse(null);
    if (range == ByteRanges.UNSATISFIABLE) {
      response.putHeader("Content-Range", "bytes */" + size);
      HttpErrors.send(response, 416, "range-not-satisfiable", "Range " + request.range().get() + ": the file "
          + resolved.cid() + " has " + size + " bytes");
      return;
    }
    long from = range == null ? 0 : range[0];
    long length = range == null ? size : range[1] - range[0] + 1;
    contentType(resolved, name, size).onSuccess(type -> {
      response.putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
      if (range != null) {
        response.setStatusCode(206).putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
      }
      if (ctx.request().method() == HttpMethod.HEAD) {
        response.end();
      } else {
        send(ctx, reader.get().file(resolved.cid(), from, length));
      }
    }).onFailure(e -> fail(ctx, e));
  }

  /**
   * A directory: redirected to its URL with a trailing slash (so relative links work), then its
   * {@code index.html} if it has one, else a generated listing.
   */
  private void directory(RoutingContext ctx, GatewayRequest request, Resolved resolved) {
    if (!request.trailingSlash()) {
      String query = ctx.request().query();
      ctx.response().setStatusCode(301)
          .putHeader(HttpHeaders.LOCATION, request.contentPath() + "/" + (query == null ? "" : "?" + query)).end();
      return;
    }
    ContentReader read = reader.get();
    read.entries(resolved.cid()).onSuccess(entries -> {
      Optional<DagPb.Link> index = entries.stream().filter(link -> INDEX.equals(link.name())).findFirst();
      if (index.isPresent()) {
        read.resolve(resolved.cid(), List.of(INDEX)).onSuccess(page -> {
          List<Cid> roots = new ArrayList<>(resolved.roots());
          roots.add(page.cid());
          file(ctx, request, new Resolved(resolved.root(), roots, page.cid(), page.kind(), page.size()), INDEX);
        }).onFailure(ctx::fail);
        return;
      }
      String etag = "\"DirIndex-" + Version.current() + "_CID-" + resolved.cid() + "\"";
      if (notModified(ctx, request, resolved, etag)) {
        return;
      }
      Buffer page = Buffer.buffer(DirectoryIndex.html(request.contentPath(), resolved.cid(), entries));
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, HTML)
          .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(page.length()));
      end(ctx, page);
    }).onFailure(e -> fail(ctx, e));
  }

  /**
   * Sets the headers every answer of {@code /ipfs/} carries; answers 304 and says so when
   * {@code If-None-Match} names {@code etag}.
   */
  private static boolean notModified(RoutingContext ctx, GatewayRequest request, Resolved resolved, String etag) {
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.CACHE_CONTROL, IMMUTABLE)
        .putHeader("X-Ipfs-Path", request.contentPath())
        .putHeader("X-Ipfs-Roots", resolved.roots().stream().map(Cid::toString).collect(Collectors.joining(",")))
        .putHeader("X-Content-Type-Options", "nosniff");
    request.contentLocation().ifPresent(location -> response.putHeader(HttpHeaders.CONTENT_LOCATION, location));
    if (request.notModified(etag)) {
      response.setStatusCode(304).end();
      return true;
    }
    return false;
  }

  /** A file's type: from its name's extension, else from its first bytes. */
  private Future<String> contentType(Resolved resolved, String name, long size) {
    String byName = name.isEmpty() ? null : MimeMapping.mimeTypeForFilename(name);
    if (byName != null) {
      return Future.succeededFuture(byName.startsWith("text/") ? byName + "; charset=utf-8" : byName);
    }
    return reader.get().file(resolved.cid(), 0, Math.min(SNIFF_BYTES, size)).next()
        .map(head -> FileHeaders.sniff(head == null ? new byte[0] : head.getBytes()));
  }

  /** Fails the request, without the headers set for the answer it was to be (an error is no file, and not cacheable). */
  private static void fail(RoutingContext ctx, Throwable cause) {
    FILE_HEADERS.forEach(ctx.response().headers()::remove);
    ctx.fail(cause);
  }

  /** Ends with {@code body}, or without one for a HEAD request (its headers say its length). */
  private static void end(RoutingContext ctx, Buffer body) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().end();
    } else {
      ctx.response().end(body);
    }
  }

  /**
   * Writes {@code pieces} to the response one after the other, reading the next only when the
   * response can take it (so a slow client holds back only its own read); stops when the client
   * goes. A failure before anything was written is the answer's; after, the connection is reset,
   * so the client sees a broken answer, never a short one that looks whole.
   */
  private static void send(RoutingContext ctx, ContentReader.Pieces pieces) {
    HttpServerResponse response = ctx.response();
    if (response.closed()) {
      return;
    }
    pieces.next().onComplete(read -> {
      if (read.failed()) {
        if (response.headWritten()) {
          response.reset();
        } else {
          fail(ctx, read.cause());
        }
      } else if (read.result() == null) {
        response.end();
      } else {
        response.write(read.result());
        if (response.writeQueueFull()) {
          response.drainHandler(x -> send(ctx, pieces));
        } else {
          send(ctx, pieces);
        }
      }
    });
  }
}
