package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.raft.FeedEntry;
import dev.ferry.raft.FeedPosition;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import dev.ferry.raft.FeedPage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A group's change feed on one node: every committed op this replica applies is published
 * node-locally on {@code ferry.raft.<group>.log} as {@code {index, offset, term, op}}, and the
 * latest {@code raft.feed_history} ops are kept to answer "ops after position P" (an op that
 * carries ops, {@code "ops": [...]}, counts as that many). A snapshot the
 * replica installs is published as a marker ({@link FeedEntry#snapshot}), since the ops it
 * replaced are never applied here one by one.
 *
 * <p>Published node-locally (like {@code ferry.events.members}) so a subscriber sees each op
 * exactly once, in log order, from the replica on its own node. The history keeps each op as its
 * JSON text, not as the tree it was applied from: a tree is dozens of small objects, and kept for
 * {@code raft.feed_history} ops it outlived several young collections, each of which copied it
 * (a pin's op tree was most of what a pin left on a node's heap while it was written); the rare
 * read of the history decodes the text again. Not thread-safe: used on the group's Raft executor
 * context only.
 */
final class Feed {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final String address;
  private final int capacity;
  private final Deque<Kept> history = new ArrayDeque<>();
  /** The ops {@link #history} holds, an op that carries ops counted as those ({@link #weight}). */
  private long held;
  /** Ops at or before this position are no longer kept (a snapshot replaced them, or they aged out). */
  private FeedPosition compactedThrough = FeedPosition.START;

  Feed(Vertx vertx, String group, int capacity) {
    this.vertx = vertx;
    this.address = Addresses.raftLog(group);
    this.capacity = capacity;
  }

  /** Records and publishes one applied op. */
  void committed(FeedEntry entry) {
    int weight = weight(entry);
    while (!history.isEmpty() && held + weight > capacity) {
      Kept oldest = history.removeFirst();
      held -= oldest.weight();
      compactedThrough = oldest.position();
    }
    history.addLast(new Kept(entry.index(), entry.offset(), entry.term(), entry.op() == null ? null : entry.op().encode(),
        weight));
    held += weight;
    vertx.eventBus().publish(address, entry.toJson(), LOCAL);
  }

  /** The replica's state was replaced by a snapshot at {@code index}: older ops are gone; subscribers are told. */
  void snapshotInstalled(long index, int term) {
    history.clear();
    held = 0;
    compactedThrough = FeedPosition.afterEntry(index);
    vertx.eventBus().publish(address, FeedEntry.snapshot(index, term).toJson(), LOCAL);
  }

  /**
   * How many ops {@code entry} counts as against {@code raft.feed_history}: the length of its
   * {@code "ops"} array when it has one (an op carrying many, as the pinset's {@code pins} op, so
   * a history of such ops holds no more than one of single ops would), else 1.
   */
  private static int weight(FeedEntry entry) {
    return entry.op() != null && entry.op().getValue("ops") instanceof JsonArray ops
        ? Math.max(1, ops.size()) : 1;
  }

  /**
   * Ops after position {@code after}, at most {@code limit} of them, oldest first.
   *
   * @throws FerryException {@code not-found} when some of them are no longer kept
   */
  FeedPage after(FeedPosition after, int limit) {
    if (compactedThrough.isAfter(after)) {
      throw FerryException.notFound("ops up to " + compactedThrough + " are compacted on this node "
          + "(asked for those after " + after + "): read the state, then follow from its index");
    }
    List<FeedEntry> entries = new ArrayList<>();
    for (Kept e : history) {
      if (e.position().isAfter(after)) {
        if (entries.size() >= limit) {
          break;
        }
        entries.add(e.entry());
      }
    }
    return new FeedPage(entries);
  }

  /** An op of the history: its position, its term, its JSON as text, and its weight ({@link #weight}). */
  private record Kept(long index, int offset, int term, String op, int weight) {
    FeedPosition position() {
      return new FeedPosition(index, offset);
    }

    FeedEntry entry() {
      return FeedEntry.op(index, offset, term, op == null ? null : new JsonObject(op));
    }
  }
}
