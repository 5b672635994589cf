package dev.ferry.ipfs.exchange;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifts the protection an add gives its root ({@link ContentStore#protectedRoots}) once the
 * content is safe elsewhere: every node the cluster's pin of that CID is allocated to reports it
 * {@code pinned}. A root that no cluster pin names is released after
 * {@code exchange.protect_unclaimed_ms} (counted from when this node first saw it protected, so a
 * restart starts the count again). Until then garbage collection keeps the added blocks even when
 * this node is not allocated the pin and has unpinned them: there is no moment at which the only
 * copy may be collected. Checks every {@code exchange.handoff_interval_ms}.
 *
 * <p>Runs on its verticle's event loop; one check at a time.
 */
final class Handoff {
  private static final Logger log = LoggerFactory.getLogger(Handoff.class);
  private static final String PINNED = "pinned";
  private static final String CLUSTER_ERROR = "cluster_error";

  private final Vertx vertx;
  private final ContentStore store;
  private final ExchangeConfig config;
  private final PinClient pins;
  /** When each protected root was first seen here. */
  private final Map<Cid, Instant> firstSeen = new HashMap<>();
  private long timer = -1;
  private boolean checking;

  /** @param pins this node's pin client ({@link PinClient#forNode}); a status not given in time is asked again next check */
  Handoff(Vertx vertx, ContentStore store, ExchangeConfig config, PinClient pins) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.pins = pins;
  }

  void start() {
    timer = vertx.setPeriodic(config.handoffInterval().toMillis(), t -> check());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    store.protectedRoots()
        .compose(roots -> {
          firstSeen.keySet().retainAll(roots);
          Future<Void> chain = Future.succeededFuture();
          for (Cid root : roots) {
            firstSeen.putIfAbsent(root, Instant.now());
            chain = chain.compose(x -> checkOne(root));
          }
          return chain;
        })
        .onComplete(done -> {
          checking = false;
          if (done.failed()) {
            log.debug("protected roots: check failed, trying again: {}", done.cause().getMessage());
          }
        });
  }

  private Future<Void> checkOne(Cid root) {
    return pins.status(root.toString(), 0).transform(status -> {
      boolean release;
      if (status.succeeded()) {
        release = heldByAllocations(status.result());
      } else if (FerryException.NOT_FOUND.equals(FerryException.from(status.cause()).code())) {
        release = firstSeen.get(root).plus(config.protectUnclaimed()).isBefore(Instant.now());
      } else {
        return Future.succeededFuture();  // the pin service does not answer now: ask again next time
      }
      if (!release) {
        return Future.succeededFuture();
      }
      log.debug("added {}: no longer protected here ({})", root, status.succeeded() ? "its allocated nodes pinned it"
          : "no cluster pin names it");
      return store.release(root).onSuccess(x -> firstSeen.remove(root));
    });
  }

  /**
   * Whether every node the pin is allocated to reports it pinned; for a pin on every node, every
   * peer that answered (a peer that is down cannot take it now, and the others hold it). Peers the
   * pin is not allocated to ({@code remote}) do not count.
   */
  private static boolean heldByAllocations(PinReply.Status pin) {
    Map<String, PinReply.NodeStatus> peerMap = pin.peerMap();
    List<String> allocations = pin.pin().allocations();
    if (!allocations.isEmpty()) {
      return allocations.stream().allMatch(node -> peerMap.containsKey(node)
          && PINNED.equals(peerMap.get(node).status()));
    }
    List<String> answered = peerMap.values().stream().map(PinReply.NodeStatus::status)
        .filter(status -> !CLUSTER_ERROR.equals(status)).toList();
    return !answered.isEmpty() && answered.stream().allMatch(PINNED::equals);
  }
}
