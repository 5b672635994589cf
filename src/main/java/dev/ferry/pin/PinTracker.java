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
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's IPFS daemon in line with the pinset: it mirrors the pinset from the Raft
 * change feed and pins what is allocated here, unpins what no longer is, and remembers each CID's
 * local status ({@code pin_queued}, {@code pinning}, {@code pinned}, {@code pin_error},
 * {@code unpin_queued}, {@code unpinning}, {@code unpinned}, {@code unpin_error}), as IPFS
 * Cluster's trackers do. Work waits in a queue with two lanes, changes of the pinset before retries
 * of failures, and at most {@code pin.concurrent_pins} pins and unpins run on the daemon at once.
 *
 * <p>Runs on its verticle's context.
 */
final class PinTracker {
  private static final Logger log = LoggerFactory.getLogger(PinTracker.class);
  private static final String PIN_ERROR = "pin_error";
  private static final String UNPIN_ERROR = "unpin_error";
  private static final String PIN_QUEUED = "pin_queued";
  private static final String UNPIN_QUEUED = "unpin_queued";
  private static final String PINNING = "pinning";
  private static final String UNPINNING = "unpinning";

  /**
   * The status of one CID on this node; {@code error} is empty unless the status is an error;
   * {@code attempts} counts the pins tried (since the last manual recover) to reach this status.
   */
  record Local(String status, String error, String time, int attempts) {
    Local(String status, String error, String time) {
      this(status, error, time, 0);
    }

    /** The same attempts in another status, now. */
    Local as(String other) {
      return new Local(other, "", now(), attempts);
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
  /** CIDs whose status is pin_queued or unpin_queued, by lane: changes of the pinset first, then retries. */
  private final ArrayDeque<String> fresh = new ArrayDeque<>();
  private final ArrayDeque<String> retries = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  /** CIDs with a pin or unpin running on the daemon, at most {@code pin.concurrent_pins}. */
  private final Set<String> busy = new HashSet<>();
  /** Queued CIDs whose turn came while a call for them still ran: queued again when it ends. */
  private final Set<String> waiting = new HashSet<>();
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

  /** Pins (or unpins) again what failed here (asked by an operator: the attempts start over). */
  void recover(String cid) {
    Local here = local.get(cid);
    Pin pin = pinset.get(cid);
    boolean wanted = pin != null && pin.isAllocatedTo(node);
    if (wanted && (here == null || here.status().equals(PIN_ERROR))) {
      local.remove(cid);
      pinHere(pin);
    } else if (!wanted && here != null && here.status().equals(UNPIN_ERROR)) {
      local.remove(cid);
      unpinHere(cid);
    }
  }

  /**
   * Every {@code pin.recover_interval_ms}: pins again what failed here, up to
   * {@code pin.max_attempts} tries in all (content may appear later, or a daemon may have failed
   * once); beyond that a pin waits for {@code recover}.
   */
  private void recoverFailed() {
    // a snapshot first: a daemon call may end at once and change the map
    Map.copyOf(local).forEach((cid, here) -> {
      Pin pin = pinset.get(cid);
      boolean wanted = pin != null && pin.isAllocatedTo(node);
      if (here.attempts() < config.maxAttempts() && (wanted && here.status().equals(PIN_ERROR)
          || !wanted && here.status().equals(UNPIN_ERROR))) {
        local.put(cid, here.as(wanted ? PIN_QUEUED : UNPIN_QUEUED));
        enqueue(cid, retries);
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
      String status = local.get(cid).status();
      if ((pin == null || !pin.isAllocatedTo(node)) && !status.equals(UNPINNING) && !status.equals(UNPIN_QUEUED)) {
        unpinHere(cid);
      }
    }
    long allocated = 0;
    for (Pin pin : pinset.pins()) {
      if (pin.isAllocatedTo(node)) {
        allocated++;
        Local here = local.get(pin.cid());
        if (here == null || !List.of("pinned", PINNING, PIN_QUEUED).contains(here.status())) {
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

  /** Queues a pin of {@code pin} here, unless one is queued or running. */
  private void pinHere(Pin pin) {
    String cid = pin.cid();
    Local before = local.get(cid);
    if (before != null && (before.status().equals(PIN_QUEUED) || before.status().equals(PINNING) && !waiting.contains(cid))) {
      return;
    }
    local.put(cid, new Local(PIN_QUEUED, "", now(), before == null || before.status().startsWith("un") ? 0
        : before.attempts()));
    enqueue(cid, fresh);
  }

  /** Queues an unpin of {@code cid} here (one queued for a pin becomes one for an unpin). */
  private void unpinHere(String cid) {
    Local before = local.get(cid);
    if (before != null && (before.status().equals(UNPIN_QUEUED) || before.status().equals(UNPINNING))) {
      return;
    }
    local.put(cid, new Local(UNPIN_QUEUED, "", now(), 0));
    enqueue(cid, fresh);
  }

  private void enqueue(String cid, ArrayDeque<String> lane) {
    if (queued.add(cid)) {
      lane.add(cid);
    }
    drain();
  }

  /** Starts queued work, changes of the pinset first, while fewer than {@code pin.concurrent_pins} calls run. */
  private void drain() {
    while (busy.size() < config.concurrentPins() && !stopped) {
      String cid = fresh.isEmpty() ? retries.poll() : fresh.poll();
      if (cid == null) {
        return;
      }
      queued.remove(cid);
      Local here = local.get(cid);
      if (here == null) {
        continue;
      }
      if (busy.contains(cid)) {
        waiting.add(cid);   // one call per CID at a time: its turn comes again when the running one ends
      } else if (here.status().equals(PIN_QUEUED)) {
        startPin(cid, here.attempts() + 1);
      } else if (here.status().equals(UNPIN_QUEUED)) {
        startUnpin(cid, here.attempts() + 1);
      }
    }
  }

  /** A call for {@code cid} ended: its slot goes to the next queued work. */
  private void done(String cid) {
    busy.remove(cid);
    if (waiting.remove(cid) && local.containsKey(cid)) {
      String status = local.get(cid).status();
      if (status.equals(PIN_QUEUED) || status.equals(UNPIN_QUEUED)) {
        queued.add(cid);
        fresh.addFirst(cid);
      }
    }
    drain();
  }

  private void startPin(String cid, int attempt) {
    Pin pin = pinset.get(cid);
    if (pin == null || !pin.isAllocatedTo(node)) {
      unpinHere(cid);   // moved away while it waited
      return;
    }
    busy.add(cid);
    local.put(cid, new Local(PINNING, "", now(), attempt));
    ipfs.pin(Cid.parse(cid), config.pinTimeout()).onComplete(pinned -> {
      Local now = local.get(cid);
      if (now != null && now.status().equals(PINNING)) {
        Pin current = pinset.get(cid);
        if (current == null || !current.isAllocatedTo(node)) {
          local.put(cid, new Local(UNPIN_QUEUED, "", now(), 0));   // unpinned or moved while the daemon was fetching
          waiting.add(cid);
        } else if (pinned.succeeded()) {
          local.put(cid, new Local("pinned", "", now(), attempt));
          log.debug("pinned {} on {}", cid, node);
        } else {
          local.put(cid, new Local(PIN_ERROR, pinned.cause().getMessage(), now(), attempt));
          log.warn("pin {} on {} failed (attempt {} of {}): {}", cid, node, attempt, config.maxAttempts(),
              pinned.cause().getMessage());
        }
      }
      done(cid);
    });
  }

  private void startUnpin(String cid, int attempt) {
    busy.add(cid);
    local.put(cid, new Local(UNPINNING, "", now(), attempt));
    ipfs.unpin(Cid.parse(cid)).onComplete(unpinned -> {
      Local now = local.get(cid);
      if (now != null && now.status().equals(UNPINNING)) {
        if (pinset.get(cid) != null && pinset.get(cid).isAllocatedTo(node)) {
          local.put(cid, new Local(PIN_QUEUED, "", now(), 0));   // allocated here again meanwhile
          waiting.add(cid);
        } else if (unpinned.succeeded()) {
          local.remove(cid);
        } else {
          local.put(cid, new Local(UNPIN_ERROR, unpinned.cause().getMessage(), now(), attempt));
          log.warn("unpin {} on {} failed (attempt {} of {}): {}", cid, node, attempt, config.maxAttempts(),
              unpinned.cause().getMessage());
        }
      }
      done(cid);
    });
  }

  private static String now() {
    return Instant.now().toString();
  }
}
