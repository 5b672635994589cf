package dev.ferry.ipfs.exchange;

import dev.ferry.core.LocalServices;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashMap;
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
 * copy may be collected. Checks every {@code exchange.handoff_interval_ms}, asking the pin service
 * of this node ({@link ClusterPins}, which it publishes while it runs).
 *
 * <p>Runs on its verticle's event loop; one check at a time.
 */
final class Handoff {
  private static final Logger log = LoggerFactory.getLogger(Handoff.class);

  private final Vertx vertx;
  private final ContentStore store;
  private final ExchangeConfig config;
  /** When each protected root was first seen here. */
  private final Map<Cid, Instant> firstSeen = new HashMap<>();
  private long timer = -1;
  private boolean checking;

  Handoff(Vertx vertx, ContentStore store, ExchangeConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
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
          Instant now = Instant.now();
          roots.forEach(root -> firstSeen.putIfAbsent(root, now));
          ClusterPins pins = pinService();
          Future<Void> chain = Future.succeededFuture();
          if (pins == null) {
            return chain;  // no pin service on this node (yet): the next check asks again
          }
          for (Cid root : roots) {
            chain = chain.compose(x -> checkOne(pins, root));
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

  /** This node's pin service, or null when it has none (yet). */
  private ClusterPins pinService() {
    return LocalServices.find(vertx, ClusterPins.class).orElse(null);
  }

  private Future<Void> checkOne(ClusterPins pins, Cid root) {
    return pins.held(root).compose(held -> {
      boolean release = switch (held) {
        case BY_ALLOCATIONS -> true;
        case NOT_YET -> false;
        case NO_PIN -> firstSeen.get(root).plus(config.protectUnclaimed()).isBefore(Instant.now());
      };
      if (!release) {
        return Future.succeededFuture();
      }
      log.debug("added {}: no longer protected here ({})", root, held == ClusterPins.Held.BY_ALLOCATIONS
          ? "its allocated nodes pinned it" : "no cluster pin names it");
      return store.release(root).onSuccess(x -> firstSeen.remove(root));
    }, e -> Future.succeededFuture());  // the pin service does not answer now: ask again next time
  }
}
