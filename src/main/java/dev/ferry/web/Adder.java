package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import dev.ferry.web.FileParts.FilePart;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /add} behind the HTTP handler: adds each uploaded file (spooled on disk by
 * {@link FileParts}) to this node's IPFS daemon, streamed from its file, then pins it in the
 * cluster through {@code ferry.pin}, one file after the other.
 *
 * <p>The daemon pins what it adds; once the pinset says where the CID belongs, the pin here is
 * dropped unless this node is among its allocations. The blocks stay in the daemon's store, where
 * the allocated nodes fetch them. Stateless; runs on its web verticle's event loop.
 */
final class Adder {
  private static final Logger log = LoggerFactory.getLogger(Adder.class);
  /** The name a file without one goes to the daemon under (the daemon needs one). */
  private static final String UNNAMED = "file";

  private final String node;
  private final IpfsConnector ipfs;
  private final PinClient pins;
  private final PinJson json;

  /**
   * @param node this node's name, to tell whether a pin is allocated here
   * @param pins the cluster's pin service
   * @param json how nodes are named in answers (peer IDs)
   */
  Adder(String node, IpfsConnector ipfs, PinClient pins, PinJson json) {
    this.node = node;
    this.ipfs = ipfs;
    this.pins = pins;
    this.json = json;
  }

  /**
   * Adds and pins every file; one {@code {"name", "cid", "size", "allocations"}} per file, in order
   * (IPFS Cluster's {@code AddedOutput}, allocations as peer IDs).
   *
   * @param pin how to pin each file; without a name, each file's own name
   */
  Future<List<JsonObject>> addAll(List<FilePart> files, PinOptions pin) {
    Future<List<JsonObject>> chain = Future.succeededFuture(new ArrayList<>());
    for (FilePart file : files) {
      chain = chain.compose(added -> addOne(file, pin)
          .recover(e -> Future.failedFuture(failedAfter(file, added, e)))
          .map(line -> {
            added.add(line);
            return added;
          }));
    }
    return chain;
  }

  private Future<JsonObject> addOne(FilePart file, PinOptions pin) {
    String fileName = file.fileName() == null || file.fileName().isBlank() ? UNNAMED : file.fileName();
    PinOptions named = pin.orName(fileName);
    String name = named.name();
    return ipfs.add(file.file(), fileName).compose(cid ->
        pins.pin(cid.toString(), named)
            .transform(pinned -> keepHereOnlyIfAllocated(cid, pinned).transform(x -> pinned.succeeded()
                ? Future.succeededFuture(new JsonObject().put("name", name).put("cid", cid.toString())
                    .put("size", file.size())
                    .put("allocations", json.peerIds(pinned.result().getJsonArray("allocations", new JsonArray()))))
                : Future.failedFuture(pinned.cause()))));
  }

  /**
   * Drops the pin the add left on this daemon when the pinset does not allocate the CID here. When
   * the cluster pin failed, the pinset is asked; if even that fails, the pin stays (a pin too many
   * does less harm than one the tracker believes is there).
   */
  private Future<Void> keepHereOnlyIfAllocated(Cid cid, AsyncResult<JsonObject> pinned) {
    Future<JsonObject> pin = pinned.succeeded() ? Future.succeededFuture(pinned.result())
        : pins.get(cid.toString());
    return pin.transform(current -> {
      boolean absent = current.failed() && FerryException.NOT_FOUND.equals(FerryException.from(current.cause()).code());
      if (current.failed() && !absent || current.succeeded() && allocatedHere(current.result())) {
        return Future.<Void>succeededFuture();
      }
      return ipfs.unpin(cid).recover(e -> {
        log.warn("added {} stays pinned on this node's daemon although the pinset does not allocate it here: {}",
            cid, e.getMessage());
        return Future.succeededFuture();
      });
    });
  }

  private boolean allocatedHere(JsonObject pin) {
    JsonArray allocations = pin.getJsonArray("allocations", new JsonArray());
    return allocations.isEmpty() || allocations.contains(node);
  }

  /** The failure of one file, saying which, and what was added and pinned before it. */
  private static FerryException failedAfter(FilePart file, List<JsonObject> added, Throwable e) {
    FerryException cause = FerryException.from(e);
    String before = added.isEmpty() ? "" : "; added and pinned before it: " + String.join(", ",
        added.stream().map(line -> line.getString("name") + " (" + line.getString("cid") + ")").toList());
    return new FerryException(cause.code(), file.fileName() + ": " + cause.getMessage() + before, cause);
  }
}
