package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinReply;
import dev.ferry.pin.PinReply.Change;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code pin/add?progress=true}, as Kubo streams it while it pins: once the pins are
 * in the pinset, every {@code proxy.pin_progress_interval_ms} the allocated nodes' statuses are
 * read and, while some node has not pinned yet, a {@code {"Progress": n}} line is written, n being
 * how many of the allocations (summed over the CIDs) report {@code pinned}; once every one does, the
 * last line {@code {"Pins": [cid, ...]}} ends the answer (chunked NDJSON, {@code X-Chunked-Output}).
 * A pin that is done before the first reading gets that last line alone, as from Kubo.
 *
 * <p>A node reporting {@code pin_error}, or a status that cannot be read, ends the answer with that
 * failure: Kubo's error answer if nothing was written yet, else the {@value KuboAnswers#STREAM_ERROR}
 * trailer. Nothing is read any more once the client has gone away.
 *
 * <p>One instance per request, on the proxy instance's context (its timer and the status reads
 * complete there), so its state needs no locks.
 */
final class PinProgress {
  private static final String PINNED = "pinned";
  private static final String PIN_ERROR = "pin_error";
  /** A node that is not allocated the pin (it has nothing to fetch). */
  private static final String REMOTE = "remote";
  /** A node that did not answer. */
  private static final String CLUSTER_ERROR = "cluster_error";

  private final Vertx vertx;
  private final PinClient pins;
  private final Duration interval;
  private final List<Change> changes;
  private final HttpServerResponse response;
  private long timer = -1;

  /**
   * @param changes the pins just made, each with the log index at which the status is read
   * @param interval how long between two readings of the statuses
   */
  PinProgress(Vertx vertx, PinClient pins, Duration interval, List<Change> changes, HttpServerResponse response) {
    this.vertx = vertx;
    this.pins = pins;
    this.interval = interval;
    this.changes = List.copyOf(changes);
    this.response = response;
  }

  /** Starts following the pins; the answer ends by itself (or with the client). */
  void start() {
    response.setChunked(true)
        .putHeader("Content-Type", KuboAnswers.CONTENT_TYPE)
        .putHeader("X-Chunked-Output", "1")
        .putHeader("Trailer", KuboAnswers.STREAM_ERROR);
    response.closeHandler(x -> vertx.cancelTimer(timer));
    next();
  }

  private void next() {
    timer = vertx.setTimer(interval.toMillis(), id -> read());
  }

  private void read() {
    if (response.closed()) {
      return;
    }
    List<Future<PinReply.Status>> each = changes.stream()
        .map(change -> pins.status(change.pin().cid(), change.committed())).toList();
    Future.all(each).onComplete(read -> {
      if (response.closed()) {
        return;
      }
      if (read.failed()) {
        fail("reading the pin's status: " + FerryException.from(read.cause()).getMessage());
        return;
      }
      int pinned = 0;
      int expected = 0;
      for (Future<PinReply.Status> status : each) {
        // a pin on every node waits for the peers that answer: one that is down takes it when back
        boolean everywhere = status.result().pin().allocations().isEmpty();
        for (Map.Entry<String, PinReply.NodeStatus> node : status.result().peerMap().entrySet()) {
          String name = node.getValue().status();
          if (PIN_ERROR.equals(name)) {
            fail("pinning " + status.result().pin().cid() + " failed on " + node.getKey() + ": "
                + node.getValue().error());
            return;
          }
          if (REMOTE.equals(name) || everywhere && CLUSTER_ERROR.equals(name)) {
            continue;
          }
          expected++;
          pinned += PINNED.equals(name) ? 1 : 0;
        }
      }
      if (pinned == expected) {
        response.end(new JsonObject().put("Pins", new JsonArray(changes.stream()
            .map(change -> change.pin().cid()).toList())).encode() + "\n");
        return;
      }
      response.write(new JsonObject().put("Progress", pinned).encode() + "\n");
      next();
    });
  }

  private void fail(String message) {
    if (!response.headWritten()) {
      KuboAnswers.error(response, new FerryException(FerryException.INTERNAL, message));
      return;
    }
    response.putTrailer(KuboAnswers.STREAM_ERROR, KuboAnswers.headerSafe(message)).end();
  }
}
