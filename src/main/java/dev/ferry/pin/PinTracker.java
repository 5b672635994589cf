package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.raft.Committed;
import dev.ferry.raft.FeedEntry;
import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's IPFS daemon in line with the pinset: it mirrors the pinset from the Raft
 * change feed and pins what is allocated here, unpins what no longer is, and remembers each CID's
 * local status ({@code pinning}, {@code pinned}, {@code pin_error}, {@code unpinning},
 * {@code unpinned}), as IPFS Cluster's trackers do.
 *
 * <p>Runs on its verticle's context.
 */
final class PinTracker {
  private static final Logger log = LoggerFactory.getLogger(PinTracker.class);
  private static final String PIN_ERROR = "pin_error";

  /**
   * The status of one CID on this node; {@code error} is empty unless the status is an error;
   * {@code attempts} counts the pins tried (since the last manual recover) to reach this status.
   */
  record Local(String status, String error, String time, int attempts) {
    Local(String status, String error, String time) {
      this(status, error, time, 0);
    }

    JsonObject toJson() {
      return new JsonObject().put("status", status).put("error", error).put("time", time).put("attempts", attempts);
    }
  }

  private final Vertx vertx;
  private final String node;
  private final PinConfig config;
  private final IpfsConnector ipfs;
  private final RaftClient raft;
  /** The pinset as the feed has built it: this node's mirror, changed by the same {@link PinOp}s. */
  private final PinState pinset = new PinState();
  private final Map<String, Local> local = new HashMap<>();
  private MessageConsumer<JsonObject> feed;
  private long retry = -1;
  private long recovery = -1;
  private boolean stopped;

  PinTracker(Vertx vertx, String node, PinConfig config, IpfsConnector ipfs, RaftClient raft) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.ipfs = ipfs;
    this.raft = raft;
  }

  /**
   * Reads the pinset, pins what is allocated here, then follows every later change. Until the
   * Raft group can answer (no quorum while the cluster forms) it tries again every
   * {@code pin.retry_interval_ms}; the returned future completes at the first attempt that works.
   */
  Future<Void> start() {
    Promise<Void> synced = Promise.promise();
    attempt(synced);
    recovery = vertx.setPeriodic(config.recoverInterval().toMillis(), t -> recoverFailed());
    return synced.future();
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(retry);
    vertx.cancelTimer(recovery);
    return feed == null ? Future.succeededFuture() : feed.unregister();
  }

  private void attempt(Promise<Void> synced) {
    if (stopped) {
      return;
    }
    raft.query(config.group(), new JsonObject().put("op", "list"))
        .compose(this::reconcile)
        .compose(index -> raft.follow(config.group(), index, this::changed))
        .onSuccess(consumer -> {
          feed = consumer;
          synced.tryComplete();
        })
        .onFailure(e -> {
          log.debug("pin tracker on {}: the pinset is not readable yet ({}); trying again", node, e.getMessage());
          retry = vertx.setTimer(config.retryInterval().toMillis(), t -> attempt(synced));
        });
  }

  /**
   * This node's replica installed a snapshot: the changes it replaced never reach the feed, so the
   * tracker reads the pinset again and follows on from there.
   */
  private void resync(long snapshotIndex) {
    log.info("pin tracker on {}: the pinset's replica installed a snapshot at index {}; reading the pinset again",
        node, snapshotIndex);
    MessageConsumer<JsonObject> old = feed;
    feed = null;
    (old == null ? Future.<Void>succeededFuture() : old.unregister())
        .onComplete(x -> attempt(Promise.promise()));
  }

  /** This node's status of {@code cid}: {@code remote} when it is not allocated here. */
  JsonObject status(String cid) {
    Local here = local.get(cid);
    if (here != null) {
      return here.toJson();
    }
    Pin pin = pinset.get(cid);
    return new Local(pin == null ? "unpinned" : "remote", "", now()).toJson();
  }

  /** Pins again what failed here (asked by an operator: the attempts start over). */
  void recover(String cid) {
    Local here = local.get(cid);
    Pin pin = pinset.get(cid);
    if (pin != null && pin.isAllocatedTo(node) && (here == null || here.status().equals(PIN_ERROR))) {
      local.remove(cid);
      pinHere(pin);
    }
  }

  /**
   * Every {@code pin.recover_interval_ms}: pins again what failed here, up to
   * {@code pin.max_attempts} tries in all (content may appear later, or a daemon may have failed
   * once); beyond that a pin waits for {@code recover}.
   */
  private void recoverFailed() {
    local.forEach((cid, here) -> {
      Pin pin = pinset.get(cid);
      if (here.status().equals(PIN_ERROR) && here.attempts() < config.maxAttempts() && pin != null
          && pin.isAllocatedTo(node)) {
        pinHere(pin);
      }
    });
  }

  /**
   * Takes the pinset read at {@code list.index()} as the truth: pins what is allocated here and not
   * pinned or pinning yet, unpins what this node holds but is no longer allocated here (moved or
   * unpinned while the feed was not followed), and unpins what the daemon pins of the pinset's CIDs
   * allocated elsewhere (moved away while this node was down). CIDs the pinset does not know are
   * left alone on the daemon: they may be pinned there by someone else.
   */
  private Future<Long> reconcile(Committed list) {
    pinset.reset(list.result().getJsonArray("pins").stream().map(item -> Pin.fromJson((JsonObject) item)).toList());
    for (String cid : List.copyOf(local.keySet())) {
      Pin pin = pinset.get(cid);
      if ((pin == null || !pin.isAllocatedTo(node)) && !local.get(cid).status().equals("unpinning")) {
        unpinHere(cid);
      }
    }
    long allocated = 0;
    for (Pin pin : pinset.pins()) {
      if (pin.isAllocatedTo(node)) {
        allocated++;
        Local here = local.get(pin.cid());
        if (here == null || !(here.status().equals("pinned") || here.status().equals("pinning"))) {
          pinHere(pin);
        }
      }
    }
    log.info("pin tracker on {}: {} pins in the pinset, {} allocated here", node, pinset.size(), allocated);
    unpinAllocatedElsewhere();
    return Future.succeededFuture(list.index());
  }

  /** Asks the daemon what it pins and unpins the pinset's CIDs that are allocated to other nodes only. */
  private void unpinAllocatedElsewhere() {
    ipfs.pins().onComplete(pins -> {
      List<String> elsewhere = pins.stream().map(Cid::toString).map(pinset::get)
          .filter(pin -> pin != null && !pin.isAllocatedTo(node) && !local.containsKey(pin.cid()))
          .map(Pin::cid).toList();
      if (!elsewhere.isEmpty()) {
        log.info("pin tracker on {}: unpinning {} pin(s) on the daemon that are allocated to other nodes only "
            + "(first: {})", node, elsewhere.size(), elsewhere.get(0));
      }
      elsewhere.forEach(this::unpinHere);
    }, e -> log.warn("pin tracker on {}: cannot list the daemon's pins ({}); pins moved away from this node "
        + "while it was down stay on its daemon until the next start", node, e.getMessage()));
  }

  private void changed(FeedEntry entry) {
    if (entry.isSnapshot()) {
      resync(entry.index());
      return;
    }
    PinState.Change change;
    try {
      change = pinset.apply(entry.index(), PinOp.parse(entry.op()));
    } catch (FerryException e) {
      return;   // a proposed query, or an op that failed on every replica alike: the pinset is unchanged
    }
    Pin before = change.before();
    Pin after = change.after();
    boolean wanted = after != null && after.isAllocatedTo(node);
    boolean had = before != null && before.isAllocatedTo(node);
    if (wanted && !had) {
      pinHere(after);
    } else if (!wanted && had) {
      unpinHere(before.cid());
    }
  }

  private void pinHere(Pin pin) {
    String cid = pin.cid();
    Local before = local.get(cid);
    int attempt = (before == null ? 0 : before.attempts()) + 1;
    local.put(cid, new Local("pinning", "", now(), attempt));
    ipfs.pin(Cid.parse(cid), config.pinTimeout()).onComplete(done -> {
      Pin current = pinset.get(cid);
      if (current == null || !current.isAllocatedTo(node)) {
        unpinHere(cid);   // unpinned or moved while the daemon was fetching
      } else if (done.succeeded()) {
        local.put(cid, new Local("pinned", "", now(), attempt));
        log.debug("pinned {} on {}", cid, node);
      } else {
        local.put(cid, new Local(PIN_ERROR, done.cause().getMessage(), now(), attempt));
        log.warn("pin {} on {} failed (attempt {} of {}): {}", cid, node, attempt, config.maxAttempts(),
            done.cause().getMessage());
      }
    });
  }

  private void unpinHere(String cid) {
    local.put(cid, new Local("unpinning", "", now()));
    ipfs.unpin(Cid.parse(cid)).onComplete(done -> {
      if (pinset.get(cid) != null && pinset.get(cid).isAllocatedTo(node)) {
        return;   // allocated here again meanwhile: that pin owns the status now
      }
      if (done.succeeded()) {
        local.remove(cid);
      } else {
        local.put(cid, new Local("unpin_error", done.cause().getMessage(), now()));
        log.warn("unpin {} on {} failed: {}", cid, node, done.cause().getMessage());
      }
    });
  }

  private static String now() {
    return Instant.now().toString();
  }
}
