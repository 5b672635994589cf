package dev.ferry.ctl;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * {@code ctl pin add --wait}: asks the node for a pin's status until every allocated node reports
 * {@code pinned}, failing at the first {@code pin_error} or after the timeout. Blocks the calling
 * (CLI) thread.
 */
final class PinWait {
  /** Between two status requests: a daemon that has the content pins it within a few of them. */
  static final Duration POLL_INTERVAL = Duration.ofMillis(500);
  private static final String PINNED = "pinned";
  private static final String PIN_ERROR = "pin_error";

  private PinWait() {}

  /** The status ({@code GET /pins/{cid}}'s body) once every allocated node has pinned {@code cid}. */
  static String untilPinned(Api api, String cid, Duration timeout) throws CtlException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String body = api.get("/pins/" + cid);
      JsonObject status = Output.parse(body);
      JsonObject peers = status.getJsonObject("peer_map", new JsonObject());
      for (String node : peers.fieldNames()) {
        JsonObject peer = peers.getJsonObject(node);
        if (PIN_ERROR.equals(peer.getString("status"))) {
          throw new CtlException(cid + ": pin_error on " + peer.getString("peername", node) + ": " + peer.getString("error", "")
              + "; retry with: ferry ctl recover " + cid);
        }
      }
      if (!peers.isEmpty() && peers.fieldNames().stream()
          .allMatch(node -> PINNED.equals(peers.getJsonObject(node).getString("status")))) {
        return body;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new CtlException(cid + " is not pinned on every allocated node after "
            + DurationConverter.format(timeout) + " (" + Text.peers(status) + "); wait longer with --wait-timeout, "
            + "or see ferry ctl status " + cid);
      }
      pause(Math.min(left, POLL_INTERVAL.toNanos()));
    }
  }

  private static void pause(long nanos) throws CtlException {
    try {
      Thread.sleep(Duration.ofNanos(nanos).toMillis() + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException("interrupted while waiting for the pin", e);
    }
  }
}
