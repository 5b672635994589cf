package dev.ferry.raft.impl;

import dev.ferry.node.Addresses;
import dev.ferry.node.FerryException;
import dev.ferry.raft.FeedEntry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A group's change feed on one node: every committed op this replica applies is published
 * node-locally on {@code ferry.raft.<group>.log} as {@code {index, term, op}}, and the latest
 * {@code raft.feed_history} of them are kept to answer "entries after index N".
 *
 * <p>Published node-locally (like {@code ferry.events.members}) so a subscriber sees each entry
 * exactly once, in log order, from the replica on its own node. Not thread-safe: used on the
 * group's Raft executor context only.
 */
final class Feed {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final String address;
  private final int capacity;
  private final Deque<FeedEntry> history = new ArrayDeque<>();
  /** Entries at or below this index are no longer kept (a snapshot replaced them, or they aged out). */
  private long compactedThrough;

  Feed(Vertx vertx, String group, int capacity) {
    this.vertx = vertx;
    this.address = Addresses.raftLog(group);
    this.capacity = capacity;
  }

  /** Records and publishes one applied op. */
  void committed(FeedEntry entry) {
    if (history.size() == capacity) {
      compactedThrough = history.removeFirst().index();
    }
    history.addLast(entry);
    vertx.eventBus().publish(address, entry.toJson(), LOCAL);
  }

  /** The replica's state was replaced by a snapshot at {@code index}: older entries are gone. */
  void snapshotInstalled(long index) {
    history.clear();
    compactedThrough = index;
  }

  /**
   * Entries with an index greater than {@code after}, at most {@code limit} of them.
   *
   * @throws FerryException {@code not-found} when some of them are no longer kept
   */
  JsonObject after(long after, int limit) {
    if (after < compactedThrough) {
      throw FerryException.notFound("entries up to index " + compactedThrough + " are compacted on this node "
          + "(asked for those after " + after + "): read the state, then follow from its index");
    }
    JsonArray entries = new JsonArray();
    for (FeedEntry e : history) {
      if (e.index() > after) {
        if (entries.size() >= limit) {
          break;
        }
        entries.add(e.toJson());
      }
    }
    return new JsonObject().put("entries", entries);
  }
}
