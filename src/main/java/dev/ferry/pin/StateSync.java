package dev.ferry.pin;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares this node's IPFS daemon with the pinset, as IPFS Cluster's state sync does: it reads the
 * daemon's recursive pins, then its direct ones, as streams ({@link IpfsConnector#pinLs},
 * {@link IpfsConnector#pinLsDirect}), tells the tracker of each one
 * that is allocated here ({@link PinTracker#onDaemon}), then walks the pins allocated here a page at
 * a time and tells it of each that the daemon did not list ({@link PinTracker#missing}), counting
 * on the way the pins allocated elsewhere only ({@link PinTracker#remoteCounted}). Pins the
 * daemon holds that are not allocated here are counted and logged, never unpinned here (at start
 * the tracker unpins those the pinset allocates elsewhere: they moved away while it was down).
 *
 * <p>Runs on the tracker's context; one pass at a time.
 */
final class StateSync {
  private static final Logger log = LoggerFactory.getLogger(StateSync.class);

  /** What one pass found. */
  record Result(long listed, long unexpected, long missing) {}

  private final Vertx vertx;
  private final String node;
  private final PinTracker tracker;
  private final IpfsConnector ipfs;
  private final int page;
  private final TrackerMetrics metrics;
  private boolean running;
  /** A starting pass was asked while another ran: it runs when that one ends. */
  private boolean again;

  StateSync(Vertx vertx, String node, PinTracker tracker, IpfsConnector ipfs, int page, TrackerMetrics metrics) {
    this.vertx = vertx;
    this.node = node;
    this.tracker = tracker;
    this.ipfs = ipfs;
    this.page = page;
    this.metrics = metrics;
  }

  /**
   * One pass; {@code starting} for the first after a (re)read of the pinset, when pins allocated
   * elsewhere are unpinned and a daemon that cannot list its pins has every pin allocated here
   * queued (they fail naming it, and are retried). A pass asked while one runs is skipped (null
   * result); a starting one then runs when that one ends.
   */
  Future<Result> run(boolean starting) {
    if (running) {
      again = again || starting;
      return Future.succeededFuture();
    }
    running = true;
    Instant started = Instant.now();
    Set<String> seen = new HashSet<>();
    long[] unexpected = {0};
    String[] firstMissing = {null};
    return ipfs.pinLs(cid -> listed(cid, false, starting, seen, unexpected))
        .compose(recursive -> ipfs.pinLsDirect(cid -> listed(cid, true, starting, seen, unexpected))
            .map(direct -> recursive + direct))
        .recover(e -> {
      if (!starting) {
        return Future.failedFuture(e);
      }
      // the daemon cannot say what it pins: every pin allocated here is queued, and fails naming the daemon
      log.warn("state sync on {}: cannot list the IPFS daemon's pins ({}); queueing every pin allocated here", node,
          e.getMessage());
      seen.clear();
      return Future.succeededFuture(0L);
    }).compose(listed -> missing(seen, started, firstMissing).map(missing -> new Result(listed, unexpected[0], missing)))
        .onSuccess(result -> {
          metrics.synced(result.unexpected());
          if (result.missing() > 0) {
            log.warn("state sync on {}: {} pins allocated here are no longer pinned on the IPFS daemon (first: {}); "
                + "they show as unexpectedly_unpinned and are pinned again", node, result.missing(), firstMissing[0]);
          }
          if (result.unexpected() > 1) {
            log.info("state sync on {}: {} pins on the IPFS daemon are not allocated here; left pinned", node,
                result.unexpected());
          }
        })
        .onFailure(e -> log.warn("state sync on {}: cannot list the IPFS daemon's pins: {}", node, e.getMessage()))
        .onComplete(x -> {
          running = false;
          if (again) {
            again = false;
            run(true);
          }
        });
  }

  /**
   * One CID the daemon pins ({@code direct}: the block alone): a pin allocated here is pinned if
   * the daemon's pin is the kind it needs (a direct one does for {@code mode=direct} only);
   * otherwise it is counted, or unpinned at a start when the pinset allocates it elsewhere.
   */
  private void listed(Cid cid, boolean direct, boolean starting, Set<String> seen, long[] unexpected) {
    String text = cid.toString();
    Pin pin = tracker.pinset().get(text);
    if (pin != null && pin.isAllocatedTo(node)) {
      if (!direct || pin.extras().mode().equals(Pin.Extras.DIRECT)) {
        seen.add(text);
        tracker.onDaemon(text);
      }
    } else if (!tracker.tracks(text)) {
      if (starting && pin != null) {
        tracker.notHere(text);
      } else if (++unexpected[0] == 1) {
        log.info("state sync on {}: the IPFS daemon pins {}, which the pinset {} here; left pinned", node, text,
            pin == null ? "does not know" : "does not allocate");
      }
    }
  }

  /**
   * Tells the tracker of every pin allocated here that the daemon did not list, a page at a time
   * (the event loop is let go between pages; the pinset may change meanwhile, which is why pages
   * start after a CID rather than at a position).
   */
  private Future<Long> missing(Set<String> seen, Instant started, String[] first) {
    Promise<Long> done = Promise.promise();
    long[] missing = {0};
    long[] remote = {0};
    walk(null, seen, started, missing, remote, first, done);
    return done.future();
  }

  private void walk(String after, Set<String> seen, Instant started, long[] missing, long[] remote, String[] first,
      Promise<Long> done) {
    Iterator<Pin> pins = (after == null ? tracker.pinset().pins() : tracker.pinset().pinsAfter(after)).iterator();
    String last = null;
    for (int n = 0; n < page && pins.hasNext(); n++) {
      Pin pin = pins.next();
      last = pin.cid();
      if (!pin.isAllocatedTo(node)) {
        remote[0]++;
      } else if (!seen.contains(last) && tracker.missing(last, started)) {
        if (missing[0]++ == 0) {
          first[0] = last;
        }
      }
    }
    if (!pins.hasNext()) {
      tracker.remoteCounted(remote[0]);
      done.complete(missing[0]);
      return;
    }
    String from = last;
    vertx.runOnContext(x -> walk(from, seen, started, missing, remote, first, done));
  }
}
