package dev.ferry.ctl;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;

/**
 * {@code --wait}: asks for a pin's status ({@code GET /pins/{cid}}) once every
 * {@value #CHECK_SECONDS} s, as ipfs-cluster-ctl does, until enough peers report the target status,
 * failing at the first error status. With a limit, until that many peers report it; without, until
 * every peer does ({@code remote} counting as done when waiting for {@code pinned}). Blocks the
 * calling (CLI) thread.
 */
final class StatusWait {
  /** ipfs-cluster-ctl's check frequency; a timeout of at most this long means no timeout, as there. */
  static final int CHECK_SECONDS = 1;
  private static final Duration CHECK = Duration.ofSeconds(CHECK_SECONDS);
  private static final Set<String> ERRORS = Set.of("undefined", "cluster_error", "pin_error", "unpin_error");

  private StatusWait() {}

  /**
   * The status once reached. A CID the pinset does not hold is {@code unpinned} on every peer, as
   * IPFS Cluster answers it, so waiting for {@code unpinned} ends there too.
   */
  static JsonObject until(Api api, String cid, String target, Duration timeout, int limit) throws CtlException {
    long deadline = timeout.compareTo(CHECK) > 0 ? System.nanoTime() + timeout.toNanos() : Long.MAX_VALUE;
    while (true) {
      pause(deadline);
      JsonObject status = Output.object(api.call("GET", "/pins/" + cid + "?local=false"));
      if (reached(status, target, limit)) {
        return status;
      }
    }
  }

  private static boolean reached(JsonObject status, String target, int limit) throws CtlException {
    JsonObject peers = status.getValue("peer_map") instanceof JsonObject o ? o : new JsonObject();
    for (String peer : peers.fieldNames()) {
      if (ERRORS.contains(peers.getJsonObject(peer).getString("status"))) {
        throw new CtlException("waiting for pin status", "error has occurred while attempting to reach status: "
            + target);
      }
    }
    int needed = Math.min(limit, peers.size());
    if (needed > 0) {
      return peers.fieldNames().stream().filter(p -> target.equals(peers.getJsonObject(p).getString("status")))
          .count() >= needed;
    }
    return peers.fieldNames().stream().map(p -> peers.getJsonObject(p).getString("status"))
        .allMatch(s -> target.equals(s) || (target.equals("pinned") && "remote".equals(s)));
  }

  private static void pause(long deadline) throws CtlException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new CtlException("waiting for pin status", "context deadline exceeded", CtlException.DEADLINE_EXIT);
    }
    try {
      Thread.sleep(Math.min(CHECK.toMillis(), Duration.ofNanos(left).toMillis() + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException("waiting for pin status", "interrupted");
    }
    if (deadline - System.nanoTime() <= 0) {
      throw new CtlException("waiting for pin status", "context deadline exceeded", CtlException.DEADLINE_EXIT);
    }
  }
}
