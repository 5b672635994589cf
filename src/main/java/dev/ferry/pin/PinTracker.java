package dev.ferry.pin;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.raft.RaftClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's IPFS daemon in line with the pinset: it mirrors the pinset
 * ({@link PinsetFollower}: read a page at a time, then the Raft change feed) and pins what is allocated here (as
 * its options say: recursively or directly, updating from its {@code pin_update}, after connecting to its
 * {@code origins}), unpins what no longer is, and remembers each CID's
 * local status ({@code pin_queued}, {@code pinning}, {@code pinned}, {@code pin_error},
 * {@code unpin_queued}, {@code unpinning}, {@code unpinned}, {@code unpin_error},
 * {@code unexpectedly_unpinned}), as IPFS Cluster's trackers do. Work waits in a queue with two
 * lanes, changes of the pinset before retries of failures, and at most {@code pin.concurrent_pins}
 * pins and unpins run on the daemon at once. Every {@code pin.state_sync_interval_ms} a
 * {@link StateSync} compares the daemon's pins with the pinset: a pin allocated here that the
 * daemon lost is {@code unexpectedly_unpinned} and queued again.
 *
 * <p>Runs on its verticle's context.
 */
final class PinTracker {
  private static final Logger log = LoggerFactory.getLogger(PinTracker.class);
  static final String PIN_ERROR = "pin_error";
  static final String UNPIN_ERROR = "unpin_error";
  private static final String PIN_QUEUED = "pin_queued";
  private static final String UNPIN_QUEUED = "unpin_queued";
  private static final String PINNING = "pinning";
  private static final String UNPINNING = "unpinning";
  static final String PINNED = "pinned";
  private static final String UNEXPECTEDLY_UNPINNED = "unexpectedly_unpinned";

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

    /** As the tracker answers it on {@code ferry.node.<node>.pin}. */
    PinReply.NodeStatus reply() {
      return new PinReply.NodeStatus(status, error, time, attempts);
    }
  }

  private final Vertx vertx;
  private final String node;
  private final PinConfig config;
  private final IpfsConnector ipfs;
  private final LocalStatuses local;
  /** CIDs whose status is pin_queued or unpin_queued, by lane: changes of the pinset first, then retries. */
  private final ArrayDeque<String> fresh = new ArrayDeque<>();
  private final ArrayDeque<String> retries = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  /** CIDs with a pin or unpin running on the daemon, at most {@code pin.concurrent_pins}. */
  private final Set<String> busy = new HashSet<>();
  /** Queued CIDs whose turn came while a call for them still ran: queued again when it ends. */
  private final Set<String> waiting = new HashSet<>();
  private final TrackerMetrics metrics;
  private final StateSync sync;
  private final PinsetFollower pinsetFeed;
  private long recovery = -1;
  /** How many pins of the mirror are allocated elsewhere only. */
  private long remote;
  private long syncing = -1;
  private boolean stopped;

  PinTracker(Vertx vertx, String node, PinConfig config, IpfsConnector ipfs, RaftClient raft, MeterRegistry meters) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.ipfs = ipfs;
    this.metrics = new TrackerMetrics(meters);
    this.local = new LocalStatuses(metrics, bytes -> pinset().sameKey(bytes));   // the mirror's CID arrays
    this.sync = new StateSync(vertx, node, this, ipfs, config.listPage(), metrics);
    this.pinsetFeed = new PinsetFollower(vertx, node, config, raft, new PinsetFollower.Listener() {
      @Override
      public void loaded() {
        reconcile();
      }

      @Override
      public void changed(Pin before, Pin after) {
        PinTracker.this.changed(before, after);
      }
    });
  }

  /**
   * Reads the pinset ({@link PinsetFollower}: a page at a time), compares the daemon with it,
   * then follows every later change. Until the Raft group can answer (no quorum while the cluster
   * forms) it tries again every {@code pin.retry_interval_ms}; the returned future completes at
   * the first read that works.
   */
  Future<Void> start() {
    recovery = vertx.setPeriodic(config.recoverInterval().toMillis(), t -> recoverFailed());
    syncing = vertx.setPeriodic(config.stateSyncInterval().toMillis(), t -> {
      if (pinsetFeed.following()) {
        sync.run(false);
      }
    });
    return pinsetFeed.start();
  }

  /** How many CIDs this node's daemon holds pinned for the pinset now (the {@code numpin} metric). */
  long pinnedHere() {
    return metrics.count("pinned");
  }

  /** How many pins and unpins wait in this tracker's queue (the {@code pinqueue} metric). */
  long queueLength() {
    return queued.size();
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(recovery);
    vertx.cancelTimer(syncing);
    metrics.close();
    return pinsetFeed.stop();
  }

  /**
   * This node's status of {@code cid}: {@code remote} when it is not allocated here,
   * {@code pin_queued} when it is but the state sync has not yet compared it with the daemon.
   */
  PinReply.NodeStatus status(String cid) {
    Local here = local.get(cid);
    if (here != null) {
      return here.reply();
    }
    Pin pin = pinset().get(cid);
    return new Local(pin == null ? "unpinned" : pin.isAllocatedTo(node) ? PIN_QUEUED : "remote", "", now()).reply();
  }

  /**
   * A part of this node's stream of statuses for a listing: its statuses of the pins its mirror
   * allocates here after CID {@code after} (null: from the first), in CID order, at most
   * {@code limit} ({@code pin_queued} for one the state sync has not compared with the daemon yet).
   * Walks the mirror from {@code after} and stops at {@code limit}, so a listing costs the node one
   * walk of its mirror in all, however many parts it is asked for.
   */
  StatusChunk statusesAfter(String after, int limit) {
    StatusChunk.Builder chunk = new StatusChunk.Builder();
    String now = now();
    for (Pin pin : after == null ? pinset().pins() : pinset().pinsAfter(after)) {
      if (!pin.isAllocatedTo(node)) {
        continue;
      }
      if (chunk.size() == limit) {
        return chunk.build(true);
      }
      Local here = local.get(pin.cid());
      chunk.add(pin.cid(), here != null ? here : new Local(PIN_QUEUED, "", now));
    }
    return chunk.build(false);
  }

  /**
   * A part of this node's stream of recovered pins for {@code POST /pins/recover}: its failed pins
   * ({@code pin_error}, {@code unpin_error}) after CID {@code after} (null: from the first), in CID
   * order, at most {@code limit} looked at, each pinned or unpinned again as {@link #recover} does,
   * with its status after that; those not retried (a {@code pin_error} of a pin moved away
   * meanwhile) are left out. Reads the statuses in error alone, never every pin.
   */
  StatusChunk recoverAfter(String after, int limit) {
    StatusChunk.Builder chunk = new StatusChunk.Builder();
    int looked = 0;
    for (String cid : local.errorsAfter(after, limit < Integer.MAX_VALUE ? limit + 1 : limit).keySet()) {
      if (looked++ == limit) {
        return chunk.build(true);
      }
      if (recover(cid)) {
        Local retried = local.get(cid);
        chunk.add(cid, retried != null ? retried : new Local("unpinned", "", now()));
      }
    }
    return chunk.build(false);
  }

  /**
   * This node's pins in error: how many are pin_error or unpin_error, and at most {@code limit} of
   * them by CID; read from the counts and the few statuses kept whole, never from every pin.
   */
  PinReply.NodeErrors errors(int limit) {
    Map<String, PinReply.NodeStatus> pins = new LinkedHashMap<>();
    local.errors(limit).forEach((cid, status) -> pins.put(cid, status.reply()));
    long count = LocalStatuses.ERRORS.stream().mapToLong(metrics::count).sum();
    return new PinReply.NodeErrors(count, pins, null);
  }

  /** The pinset as this tracker mirrors it (for {@link StateSync}, on this context). */
  PinState pinset() {
    return pinsetFeed.pinset();
  }

  /** Whether this node has a status for {@code cid} (it is allocated here, or being unpinned). */
  boolean tracks(String cid) {
    return local.containsKey(cid);
  }

  /**
   * The daemon pins {@code cid}, which is allocated here: it is {@code pinned}, unless a call for
   * it runs or waits to run (without a status yet, after a start, it is pinned without a call).
   */
  void onDaemon(String cid) {
    Local here = local.get(cid);
    if (here == null) {
      local.put(cid, new Local(PINNED, "", now()));
    } else if (List.of(PIN_ERROR, UNEXPECTEDLY_UNPINNED).contains(here.status())
        || here.status().equals(PIN_QUEUED) && !busy.contains(cid)) {
      local.put(cid, here.as(PINNED));
    }
  }

  /**
   * The daemon did not list {@code cid}, which is allocated here, in a listing that began at
   * {@code listed}: without a status yet it is queued (a start); {@code pinned} since before the
   * listing, it was unpinned behind the cluster's back: {@code unexpectedly_unpinned} and queued
   * again, in the retry lane. Whether it was such a repair (the state sync logs the repairs of a
   * pass in one line: a daemon that lost its repository would otherwise log a line per pin).
   */
  boolean missing(String cid, Instant listed) {
    Local here = local.get(cid);
    if (here == null) {
      pinHere(pinset().get(cid));
      return false;
    }
    if (!here.status().equals(PINNED) || !Instant.parse(here.time()).isBefore(listed)) {
      return false;
    }
    local.put(cid, new Local(UNEXPECTEDLY_UNPINNED, "", now(), 0));
    metrics.repaired();
    enqueue(cid, retries);
    return true;
  }

  /**
   * A state sync's walk over the pinset counted {@code count} pins allocated elsewhere only: the
   * {@code remote} count from now on (changes during the walk may leave it off by a few until the
   * next sync counts again).
   */
  void remoteCounted(long count) {
    remote = count;
    metrics.remote(remote);
  }

  /** The daemon pins {@code cid}, which the pinset allocates to other nodes only: unpinned here. */
  void notHere(String cid) {
    unpinHere(cid);
  }

  /**
   * Pins (or unpins) again what failed here (asked by an operator: the attempts start over), and a
   * pin allocated here without a status yet; whether it did.
   */
  boolean recover(String cid) {
    Local here = local.get(cid);
    Pin pin = pinset().get(cid);
    boolean wanted = pin != null && pin.isAllocatedTo(node);
    if (wanted && (here == null || here.status().equals(PIN_ERROR))) {
      local.remove(cid);
      pinHere(pin);
      return true;
    }
    if (!wanted && here != null && here.status().equals(UNPIN_ERROR)) {
      local.remove(cid);
      unpinHere(cid);
      return true;
    }
    return false;
  }

  /**
   * Every {@code pin.recover_interval_ms}: pins again what failed here, up to
   * {@code pin.max_attempts} tries in all (content may appear later, or a daemon may have failed
   * once); beyond that a pin waits for {@code recover}.
   */
  private void recoverFailed() {
    // a copy first: a daemon call may end at once and change the statuses
    local.errors(Integer.MAX_VALUE).forEach((cid, here) -> {
      Pin pin = pinset().get(cid);
      boolean wanted = pin != null && pin.isAllocatedTo(node);
      if (here.attempts() < config.maxAttempts() && (wanted && here.status().equals(PIN_ERROR)
          || !wanted && here.status().equals(UNPIN_ERROR))) {
        local.put(cid, here.as(wanted ? PIN_QUEUED : UNPIN_QUEUED));
        enqueue(cid, retries);
      }
    });
  }

  /**
   * Takes the pinset just read as the truth: unpins what this node holds but is no longer
   * allocated here (moved or unpinned while the feed was not followed), then has the state sync
   * compare the daemon with it ({@link StateSync}): what is allocated here and pinned there is
   * {@code pinned} without a call (so a restart keeps the statuses and re-pins nothing), what is
   * missing is queued, what the daemon pins of the pinset's CIDs allocated elsewhere (moved away
   * while this node was down) is unpinned. CIDs the pinset does not know are left alone on the
   * daemon: they may be pinned there by someone else.
   */
  private void reconcile() {
    for (String cid : local.cids()) {
      Pin pin = pinset().get(cid);
      String status = local.status(cid);
      if ((pin == null || !pin.isAllocatedTo(node)) && !status.equals(UNPINNING) && !status.equals(UNPIN_QUEUED)) {
        unpinHere(cid);
      }
    }
    sync.run(true);
  }

  /** One CID's pin changed in the pinset: pinned here when it is newly allocated here, unpinned when no longer. */
  private void changed(Pin before, Pin after) {
    boolean wanted = after != null && after.isAllocatedTo(node);
    boolean had = before != null && before.isAllocatedTo(node);
    remote += (after != null && !wanted ? 1 : 0) - (before != null && !had ? 1 : 0);
    metrics.remote(remote);
    if (wanted && !had || wanted && upgraded(before, after)) {
      pinHere(after);
    } else if (!wanted && had) {
      unpinHere(before.cid());
    }
  }

  /**
   * Whether a pin that was direct is now recursive: its DAG is pinned then. The other way round
   * nothing is done, as in IPFS Cluster: the recursive pin keeps the block too.
   */
  private static boolean upgraded(Pin before, Pin after) {
    return before.extras().mode().equals(Pin.Extras.DIRECT) && after.extras().mode().equals(Pin.Extras.RECURSIVE);
  }

  /** Queues a pin of {@code pin} here, unless one is queued or running. */
  private void pinHere(Pin pin) {
    String cid = pin.cid();
    String before = local.status(cid);
    if (before != null && (before.equals(PIN_QUEUED) || before.equals(UNEXPECTEDLY_UNPINNED)
        || before.equals(PINNING) && !waiting.contains(cid))) {
      return;
    }
    local.putNow(cid, PIN_QUEUED, before == null || before.startsWith("un") ? 0 : local.attempts(cid));
    enqueue(cid, fresh);
  }

  /** Queues an unpin of {@code cid} here (one queued for a pin becomes one for an unpin). */
  private void unpinHere(String cid) {
    String before = local.status(cid);
    if (before != null && (before.equals(UNPIN_QUEUED) || before.equals(UNPINNING))) {
      return;
    }
    local.putNow(cid, UNPIN_QUEUED, 0);
    enqueue(cid, fresh);
  }

  private void enqueue(String cid, ArrayDeque<String> lane) {
    if (queued.add(cid)) {
      lane.add(cid);
    }
    drain();
  }

  private void measureQueue() {
    metrics.queue(fresh.size(), retries.size(), busy.size());
  }

  /** Starts queued work, changes of the pinset first, while fewer than {@code pin.concurrent_pins} calls run. */
  private void drain() {
    while (busy.size() < config.concurrentPins() && !stopped) {
      String cid = fresh.isEmpty() ? retries.poll() : fresh.poll();
      if (cid == null) {
        break;
      }
      queued.remove(cid);
      String here = local.status(cid);
      if (here == null) {
        continue;
      }
      if (busy.contains(cid)) {
        waiting.add(cid);   // one call per CID at a time: its turn comes again when the running one ends
      } else if (here.equals(PIN_QUEUED) || here.equals(UNEXPECTEDLY_UNPINNED)) {
        startPin(cid, local.attempts(cid) + 1);
      } else if (here.equals(UNPIN_QUEUED)) {
        startUnpin(cid, local.attempts(cid) + 1);
      }
    }
    measureQueue();
  }

  /** A call for {@code cid} ended: its slot goes to the next queued work. */
  private void done(String cid) {
    busy.remove(cid);
    if (waiting.remove(cid) && local.containsKey(cid)) {
      String status = local.status(cid);
      if (status.equals(PIN_QUEUED) || status.equals(UNPIN_QUEUED) || status.equals(UNEXPECTEDLY_UNPINNED)) {
        queued.add(cid);
        fresh.addFirst(cid);
      }
    }
    drain();
  }

  private void startPin(String cid, int attempt) {
    Pin pin = pinset().get(cid);
    if (pin == null || !pin.isAllocatedTo(node)) {
      unpinHere(cid);   // moved away while it waited
      return;
    }
    busy.add(cid);
    local.putNow(cid, PINNING, attempt);
    long started = System.nanoTime();
    onDaemon(pin).onComplete(pinned -> {
      metrics.pinned(Duration.ofNanos(System.nanoTime() - started));
      if (PINNING.equals(local.status(cid))) {
        Pin current = pinset().get(cid);
        if (current == null || !current.isAllocatedTo(node)) {
          local.putNow(cid, UNPIN_QUEUED, 0);   // unpinned or moved while the daemon was fetching
          waiting.add(cid);
        } else if (pinned.succeeded()) {
          local.putNow(cid, PINNED, attempt);
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

  /**
   * The daemon call that pins {@code pin} as its options say, as IPFS Cluster's connector makes it:
   * after asking the daemon to connect to the pin's {@code origins} (an origin it cannot reach is
   * only logged), the block alone for {@code mode=direct}, an update from the pin it replaces
   * ({@code pin_update}: only what differs is fetched), else a recursive pin.
   */
  private Future<Void> onDaemon(Pin pin) {
    Cid cid = Cid.parse(pin.cid());
    Pin.Extras extras = pin.extras();
    Future<Void> connected = extras.origins().isEmpty() ? Future.succeededFuture()
        : ipfs.connect(extras.origins()).recover(e -> {
          log.info("pin {} on {}: not every origin was reached ({}); pinning without them", cid, node, e.getMessage());
          return Future.succeededFuture();
        });
    return connected.compose(x -> extras.mode().equals(Pin.Extras.DIRECT) ? ipfs.pinDirect(cid, config.pinTimeout())
        : !extras.pinUpdate().isEmpty() ? ipfs.pinUpdate(Cid.parse(extras.pinUpdate()), cid, config.pinTimeout())
        : ipfs.pin(cid, config.pinTimeout()));
  }

  private void startUnpin(String cid, int attempt) {
    busy.add(cid);
    local.putNow(cid, UNPINNING, attempt);
    long started = System.nanoTime();
    ipfs.unpin(Cid.parse(cid)).onComplete(unpinned -> {
      metrics.unpinned(Duration.ofNanos(System.nanoTime() - started));
      if (UNPINNING.equals(local.status(cid))) {
        if (pinset().get(cid) != null && pinset().get(cid).isAllocatedTo(node)) {
          local.putNow(cid, PIN_QUEUED, 0);   // allocated here again meanwhile
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
