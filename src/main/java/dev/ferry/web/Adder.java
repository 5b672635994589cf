package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.IpfsConnector.AddEntry;
import dev.ferry.ipfs.IpfsConnector.Added;
import dev.ferry.ipfs.store.Car;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import dev.ferry.web.FileParts.FilePart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code POST /add} behind the HTTP handler: adds the uploaded files (their multipart file names as
 * paths, so directories come as {@code dir/a.txt}) with IPFS Cluster's add options
 * ({@link AddOptions}), or imports an uploaded CAR, then pins each root in the cluster through
 * {@code ferry.pin}: every top-level file and directory, or only the wrapping directory with
 * {@code wrap-with-directory}. Into the embedded store, files are imported while they arrive
 * ({@link Uploads#stream}: receiving and importing overlap, and no spool file is written); to a
 * Kubo daemon, and a CAR (checked whole before any of it is stored), they are spooled on disk first
 * ({@link Uploads#receive}) and added in one call.
 *
 * <p>The daemon is told not to pin: the cluster's allocated nodes pin the content, this node's
 * daemon too only if it is allocated; the blocks stay in this daemon's store, where the allocated
 * nodes fetch them. Stateless; runs on its web verticle's event loop.
 */
final class Adder {
  private final Vertx vertx;
  private final IpfsConnector ipfs;
  private final PinClient pins;
  private final PinJson json;
  private final Uploads uploads;

  /**
   * @param pins the cluster's pin service
   * @param json how nodes are named in answers (peer IDs)
   * @param uploads how request bodies are received
   */
  Adder(Vertx vertx, IpfsConnector ipfs, PinClient pins, PinJson json, Uploads uploads) {
    this.vertx = vertx;
    this.ipfs = ipfs;
    this.pins = pins;
    this.json = json;
    this.uploads = uploads;
  }

  /**
   * Adds the files and pins their roots; IPFS Cluster's {@code AddedOutput} lines in order:
   * {@code {"name", "bytes"}} per file first with {@code progress}, then {@code {"name", "cid",
   * "size"}} per added entry (its DAG size), a pinned root named as its pin and with its
   * {@code "allocations"} (peer IDs).
   *
   * @param ctx the request, whose body is not read yet
   * @param pin how to pin each root; without a name, each root's own name
   */
  Future<List<JsonObject>> add(RoutingContext ctx, AddOptions add, PinOptions pin) {
    if (add.noCopy()) {
      return Future.failedFuture(new FerryException(FerryException.NOT_IMPLEMENTED, "nocopy: ferry adds content to "
          + "its daemon's block store; it does not reference files in place (the filestore); leave nocopy out"));
    }
    if (add.format().equals("car")) {
      return uploads.receive(ctx, files -> addCar(files, add, pin, progress(files, add)));
    }
    Map<String, String> options = add.kuboOptions();
    if (ipfs instanceof ContentStore store) {
      return uploads.stream(ctx, (parts, workers) -> named(parts::paths, store.add(parts, options, workers)))
          .compose(streamed -> pinRoots(streamed.imported(), add, pin, progress(streamed.parts(), add), Adder::line));
    }
    return uploads.receive(ctx, files -> {
      // a directory part (as ipfs-cluster-ctl add -r sends one) is a directory, not an empty file
      Future<List<Added>> added = ipfs.add(files.stream()
          .map(file -> new AddEntry(file.path(), file.directory() ? null : file.file())).toList(), options);
      return named(() -> paths(files), added).compose(entries -> pinRoots(entries, add, pin, progress(files, add),
          Adder::line));
    });
  }

  /** With {@code progress}, the first lines: {@code {"name", "bytes"}} per file; else none yet. */
  private static List<JsonObject> progress(List<FilePart> files, AddOptions add) {
    List<JsonObject> lines = new ArrayList<>();
    if (add.progress()) {
      files.forEach(file -> lines.add(new JsonObject().put("name", file.path()).put("bytes", file.size())));
    }
    return lines;
  }

  private static List<String> paths(List<FilePart> files) {
    return files.stream().map(FilePart::path).toList();
  }

  /**
   * {@code format=car}: the one part is a CARv1 with one root. It is read whole on a worker first
   * ({@link Car#check}: every block against its CID, its roots), so a bad CAR reaches neither the
   * store nor a daemon and pins nothing; then its blocks are imported ({@link IpfsConnector#importCar},
   * the store's or the daemon's {@code dag/import}) and its root pinned. The line is IPFS
   * Cluster's for a CAR: {@code bytes} the blocks' bytes, {@code size} the root's file size (0 for
   * no file); the pin's expected size is the blocks' bytes.
   */
  private Future<List<JsonObject>> addCar(List<FilePart> files, AddOptions add, PinOptions pin,
      List<JsonObject> lines) {
    if (add.wrap()) {
      return Future.failedFuture(FerryException.badRequest("format=car: a CAR cannot be wrapped in a directory "
          + "(its root is pinned as it is); leave wrap-with-directory out"));
    }
    if (files.size() != 1) {
      return Future.failedFuture(FerryException.badRequest("format=car: expected one CAR file part, got "
          + files.size() + "; send one CAR per request"));
    }
    FilePart car = files.get(0);
    Future<Car.Summary> checked = vertx.executeBlocking(() -> {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(car.file()))) {
        return Car.check(in);
      }
    }, false);
    Future<List<Added>> added = checked.compose(summary -> {
      List<Cid> roots = summary.roots();
      if (roots.size() != 1) {
        return Future.failedFuture(FerryException.badRequest("format=car: the CAR must have exactly one root, the "
            + "DAG to pin; it has " + (roots.isEmpty() ? "none"
            : roots.size() + " (" + String.join(", ", roots.stream().map(Cid::toString).toList()) + ")")
            + ": send one CAR per root, or import it through the IPFS proxy's dag/import"));
      }
      return ipfs.importCar(car.file()).map(imported -> List.of(new Added(car.path(), roots.get(0), summary.bytes())));
    });
    return named(() -> paths(files), added).compose(entries -> pinRoots(entries, add, pin, lines, entry -> line(entry)
        .put("bytes", checked.result().bytes()).put("size", checked.result().rootSize())));
  }

  /** {@code added}, its failure naming the files (when it failed before any file came, as it is). */
  private static Future<List<Added>> named(Supplier<List<String>> paths, Future<List<Added>> added) {
    return added.recover(e -> {
      FerryException cause = FerryException.from(e);
      List<String> named = paths.get().stream().filter(path -> !path.isEmpty()).toList();
      return Future.failedFuture(named.isEmpty() ? cause
          : new FerryException(cause.code(), String.join(", ", named) + ": " + cause.getMessage(), cause));
    });
  }

  /** An added entry's line: {@code {"name", "cid", "size"}}, its DAG size. */
  private static JsonObject line(Added entry) {
    return new JsonObject().put("name", entry.path()).put("cid", entry.cid().toString()).put("size", entry.size());
  }

  /** One line per entry, the roots pinned one after the other (each line after its pin). */
  private Future<List<JsonObject>> pinRoots(List<Added> entries, AddOptions add, PinOptions pin,
      List<JsonObject> lines, Function<Added, JsonObject> lineOf) {
    Future<List<JsonObject>> chain = Future.succeededFuture(lines);
    for (Added entry : entries) {
      boolean root = add.wrap() ? entry.path().isEmpty() : !entry.path().contains("/");
      JsonObject line = lineOf.apply(entry);
      chain = chain.compose(done -> {
        done.add(line);
        if (!root || add.noPin()) {
          return Future.succeededFuture(done);
        }
        return pins.pin(entry.cid().toString(), pin.orName(entry.path().isEmpty() ? null : entry.path()), entry.size())
            .map(changed -> changed.pin().toJson())
            .recover(e -> Future.failedFuture(failedAfter(entry, done, e)))
            .map(pinned -> {
              // a pinned root is named as its pin is (the query's name, else its own), as ferry always did
              line.put("name", pinned.getString("name", entry.path()))
                  .put("allocations", json.peerIds(pinned.getJsonArray("allocations", new JsonArray())));
              return done;
            });
      });
    }
    return chain;
  }

  /** The failure to pin one root, saying which, and what was added and pinned before it. */
  private static FerryException failedAfter(Added entry, List<JsonObject> done, Throwable e) {
    FerryException cause = FerryException.from(e);
    List<String> pinned = done.stream().filter(line -> line.containsKey("allocations"))
        .map(line -> line.getString("name") + " (" + line.getString("cid") + ")").toList();
    return new FerryException(cause.code(), "added " + entry.path() + " (" + entry.cid() + ") but did not pin it: "
        + cause.getMessage() + (pinned.isEmpty() ? "" : "; added and pinned before it: " + String.join(", ", pinned)),
        cause);
  }
}
