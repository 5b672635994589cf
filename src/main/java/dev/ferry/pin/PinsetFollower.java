package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.FeedEntry;
import dev.ferry.raft.FeedSubscription;
import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's mirror of the pinset for its tracker: read from the Raft group a page
 * ({@code pin.list_page_size} pins) at a time, never as one JSON value, then kept up to date from
 * the group's change feed, each op applied with {@link PinOp#applyTo} as the state machine applies
 * it. The first page is a linearizable read (so the tracker waits for a quorum, as the pinset's
 * writers do); the rest come from this node's replica, each at least as new as the one before.
 *
 * <p>Pages read one after the other are not one state: a pin may change between two pages. So
 * the feed is followed from the first page's index and each op is compared with the index of the
 * page its CID was read in: an op the page already shows is skipped, a later one is applied. Until
 * every CID is known as of one position of the feed, the mirror's per-node counts are not the
 * pinset's, and an op whose allocation depends on them ({@link PinOp.Place},
 * {@link PinOp.Reallocate}) is not applied but its outcome read from this node's replica (a
 * {@code get} at the op's index); the mirror is exact again, and applies every op itself, once
 * the feed has passed every index it was read at. A snapshot installed by the replica starts a
 * new read. The ops of a {@code pins} op ({@link PinOp#parseEach}) are handled one by one, each as
 * an op of its own at the entry's index.
 *
 * <p>Runs on its tracker's context.
 */
final class PinsetFollower {
  private static final Logger log = LoggerFactory.getLogger(PinsetFollower.class);

  /** What the tracker hears. */
  interface Listener {
    /** A read of the pinset has ended: {@link #pinset()} holds every pin (changes may still be caught up). */
    void loaded();

    /** One CID's pin changed from {@code before} to {@code after} (null: none). */
    void changed(Pin before, Pin after);
  }

  private final Vertx vertx;
  private final String node;
  private final PinConfig config;
  private final RaftClient raft;
  private final Listener listener;
  private PinState pinset = new PinState();
  private FeedSubscription feed;
  /** Ops that arrived while a read or a lookup ran: applied in order after it. */
  private final ArrayDeque<Heard> backlog = new ArrayDeque<>();
  /** Bumped by every new read: answers of an older one are dropped. */
  private int generation;
  private boolean loading;
  private boolean lookingUp;
  /** Whether every CID of the mirror is known as of {@link #position}, so its counts are the pinset's. */
  private boolean exact = true;
  /** The log index of the last op handled. */
  private long position;
  /** While not exact: the last CID of each page read and the index it was read at; the last page has none. */
  private NavigableMap<String, Long> pages = new TreeMap<>();
  private long lastPage;
  /** While not exact: CIDs looked up since, and the index they were read at. */
  private final Map<String, Long> lookedUp = new HashMap<>();
  /** While not exact: the highest index any part of the mirror was read at. */
  private long newestRead;
  private long retry = -1;
  private boolean stopped;

  PinsetFollower(Vertx vertx, String node, PinConfig config, RaftClient raft, Listener listener) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.raft = raft;
    this.listener = listener;
  }

  /** The mirror (a new object after each read: ask again rather than keep it). */
  PinState pinset() {
    return pinset;
  }

  /** Whether the mirror has been read and the feed is followed. */
  boolean following() {
    return feed != null && !loading;
  }

  /**
   * Reads the pinset and follows the feed; until the group can answer (no quorum while the cluster
   * forms) it tries again every {@code pin.retry_interval_ms}. Completes at the first read that worked.
   */
  Future<Void> start() {
    Promise<Void> loaded = Promise.promise();
    read(loaded);
    return loaded.future();
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(retry);
    return feed == null ? Future.succeededFuture() : feed.stop();
  }

  private void read(Promise<Void> loaded) {
    if (stopped) {
      return;
    }
    int reading = ++generation;
    loading = true;
    lookingUp = false;
    exact = false;
    backlog.clear();
    lookedUp.clear();
    pages = new TreeMap<>();
    FeedSubscription old = feed;
    feed = null;
    PinState next = new PinState();
    (old == null ? Future.<Void>succeededFuture() : old.stop())
        .compose(x -> raft.query(config.group(), page(null), Consistency.LINEARIZABLE, 0))
        .compose(first -> raft.follow(config.group(), first.index(), entry -> heard(reading, entry))
            .compose(consumer -> {
              if (reading != generation) {
                return consumer.stop().compose(x -> Future.failedFuture("superseded"));
              }
              feed = consumer;
              position = first.index();
              return pagesFrom(reading, next, first);
            }))
        .onSuccess(x -> {
          if (reading != generation) {
            return;
          }
          pinset = next;
          loading = false;
          log.info("pin tracker on {}: read {} pins of the pinset, {} allocated here by name", node, next.size(),
              next.load(node));
          listener.loaded();
          loaded.tryComplete();
          drain();
        })
        .onFailure(e -> {
          if (reading != generation || stopped) {
            return;
          }
          log.debug("pin tracker on {}: the pinset is not readable yet ({}); trying again", node, e.getMessage());
          retry = vertx.setTimer(config.retryInterval().toMillis(), t -> read(loaded));
        });
  }

  private PinQuery.Listing page(String after) {
    return new PinQuery.Listing(null, after, config.listPage());
  }

  /** Adds {@code page} to {@code next}, then reads the pages after it from this node's replica. */
  private Future<Void> pagesFrom(int reading, PinState next, Committed<PinReply.Page> page) {
    String last = null;
    for (Pin pin : page.result().pins()) {
      next.put(pin.cid(), pin);
      last = pin.cid();
    }
    newestRead = Math.max(newestRead, page.index());
    if (reading != generation) {
      return Future.failedFuture("superseded");
    }
    if (!page.result().more() || last == null) {
      lastPage = page.index();
      return Future.succeededFuture();
    }
    pages.put(last, page.index());
    return raft.query(config.group(), page(last), Consistency.EVENTUAL, page.index())
        .compose(following -> pagesFrom(reading, next, following));
  }

  private void heard(int reading, FeedEntry entry) {
    if (reading != generation) {
      return;
    }
    if (entry.isSnapshot()) {
      log.info("pin tracker on {}: the pinset's replica installed a snapshot at index {}; reading the pinset again",
          node, entry.index());
      read(Promise.promise());
      return;
    }
    List<PinOp> ops;
    try {
      ops = PinOp.parseEach(entry.op());
    } catch (FerryException e) {
      backlog.add(new Heard(entry.index(), null));   // a proposed query: the pinset is unchanged
      drain();
      return;
    }
    ops.forEach(op -> backlog.add(new Heard(entry.index(), op)));
    drain();
  }

  /** One op of the feed and the index of its entry (a {@code pins} op's ops share it); op null: none to apply. */
  private record Heard(long index, PinOp op) {}

  private void drain() {
    while (!loading && !lookingUp && !backlog.isEmpty()) {
      handle(backlog.poll());
    }
    if (!exact && !loading && !lookingUp && backlog.isEmpty() && position >= newestRead) {
      exact = true;
      pages = new TreeMap<>();
      lookedUp.clear();
    }
  }

  private void handle(Heard entry) {
    PinOp op = entry.op();
    if (op == null) {
      position = Math.max(position, entry.index());
      return;
    }
    if (!exact) {
      if (entry.index() <= readAt(op.cid())) {
        position = Math.max(position, entry.index());
        return;   // the mirror read this CID after the op
      }
      if (op instanceof PinOp.Place || op instanceof PinOp.Reallocate) {
        lookUp(op.cid(), entry.index());
        return;
      }
    }
    position = Math.max(position, entry.index());
    PinState.Change change;
    try {
      change = pinset.apply(entry.index(), op);
    } catch (FerryException e) {
      return;   // an op that failed on every replica alike: the pinset is unchanged
    }
    listener.changed(change.before(), change.after());
  }

  /** The log index the mirror's pin of {@code cid} was read at (while not exact). */
  private long readAt(String cid) {
    Long looked = lookedUp.get(cid);
    if (looked != null) {
      return looked;
    }
    Map.Entry<String, Long> page = pages.ceilingEntry(cid);
    return page == null ? lastPage : page.getValue();
  }

  /** Reads {@code cid}'s pin from this node's replica as of {@code index} or later; the feed waits meanwhile. */
  private void lookUp(String cid, long index) {
    int reading = generation;
    lookingUp = true;
    raft.query(config.group(), new PinQuery.Get(cid), Consistency.EVENTUAL, index)
        .map(found -> new Lookup(found.index(), found.index(), found.result()))
        // absent: read at some index from the op's on, before the replica's commit index now
        .recover(e -> FerryException.NOT_FOUND.equals(FerryException.from(e).code())
            ? raft.status(config.group()).map(status -> new Lookup(index, Math.max(index, status.commitIndex()), null))
            : Future.failedFuture(e))
        .onComplete(found -> {
          if (reading != generation) {
            return;
          }
          lookingUp = false;
          if (found.failed()) {
            log.warn("pin tracker on {}: cannot read {} from the pinset's replica ({}); reading the pinset again",
                node, cid, found.cause().getMessage());
            read(Promise.promise());
            return;
          }
          Lookup lookup = found.result();
          lookedUp.put(cid, lookup.shows());
          newestRead = Math.max(newestRead, lookup.readBy());
          position = Math.max(position, index);
          PinState.Change change = pinset.put(cid, lookup.pin());
          if (change.before() != null || lookup.pin() != null) {
            listener.changed(change.before(), lookup.pin());
          }
          drain();
        });
  }

  /**
   * A pin read from the replica (null: none): it shows every op up to {@code shows}, and was read
   * at or before {@code readBy}. Ops after {@code shows} are applied again: from an absent pin
   * that is harmless, as the last of them left it absent.
   */
  private record Lookup(long shows, long readBy, Pin pin) {}
}
