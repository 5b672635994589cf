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
 * exactly once, in log order, from the replica on its own node. The history keeps each log entry
 * as JSON text, not as the trees its ops were applied from: a tree is dozens of small objects, and
 * kept for {@code raft.feed_history} ops it outlived several young collections, each of which
 * copied it (a pin's op tree was most of what a pin left on a node's heap while it was written).
 * An entry of several ops ({@link BatchOp}) is kept as the text the log holds for it, shared rather
 * than encoded again op by op: a pin's op encoded for the feed alone was about a quarter of what a
 * pin left for young collections to copy. The rare read of the history decodes the text again.
 * Not thread-safe: used on the group's Raft executor context only.
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

  /** Publishes and keeps {@code op}, applied as the one op of the entry at {@code index}. */
  void committed(long index, int term, JsonObject op) {
    published(FeedEntry.op(index, 0, term, op));
    keep(new Kept(index, term, op.encode(), false, 1, weight(op)));
  }

  /** Publishes one applied op of a batch entry; {@link #committedBatch} keeps the entry once all its ops are applied. */
  void published(FeedEntry entry) {
    vertx.eventBus().publish(address, entry.toJson(), LOCAL);
  }

  /**
   * Keeps the batch entry at {@code index}, each of whose {@code ops} was {@link #published}, as
   * {@code json}: the ops as one JSON array, the text the log keeps for the entry (not copied).
   */
  void committedBatch(long index, int term, List<JsonObject> ops, String json) {
    if (ops.isEmpty()) {
      return;
    }
    int weight = 0;
    for (JsonObject op : ops) {
      weight += weight(op);
    }
    keep(new Kept(index, term, json, true, ops.size(), weight));
  }

  private void keep(Kept entry) {
    while (!history.isEmpty() && held + entry.weight() > capacity) {
      Kept oldest = history.removeFirst();
      held -= oldest.weight();
      compactedThrough = oldest.last();
    }
    history.addLast(entry);
    held += entry.weight();
  }

  /** The replica's state was replaced by a snapshot at {@code index}: older ops are gone; subscribers are told. */
  void snapshotInstalled(long index, int term) {
    history.clear();
    held = 0;
    compactedThrough = FeedPosition.afterEntry(index);
    published(FeedEntry.snapshot(index, term));
  }

  /**
   * How many ops {@code op} counts as against {@code raft.feed_history}: the length of its
   * {@code "ops"} array when it has one (an op carrying many, as the pinset's {@code pins} op, so
   * a history of such ops holds no more than one of single ops would), else 1.
   */
  private static int weight(JsonObject op) {
    return op.getValue("ops") instanceof JsonArray ops ? Math.max(1, ops.size()) : 1;
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
      if (entries.size() >= limit) {
        break;
      }
      if (e.last().isAfter(after)) {
        e.addAfter(after, limit, entries);
      }
    }
    return new FeedPage(entries);
  }

  /**
   * A log entry of the history: its index and term, its ops' JSON as text ({@code array}: a JSON
   * array of {@code ops} ops, else one op), and their weight ({@link #weight}).
   */
  private record Kept(long index, int term, String json, boolean array, int ops, int weight) {
    /** The position of its last op. */
    FeedPosition last() {
      return new FeedPosition(index, ops - 1);
    }

    /** Adds its ops after {@code after} to {@code entries}, up to {@code limit} in all. */
    void addAfter(FeedPosition after, int limit, List<FeedEntry> entries) {
      JsonArray decoded = array ? new JsonArray(json) : null;
      for (int offset = 0; offset < ops && entries.size() < limit; offset++) {
        if (new FeedPosition(index, offset).isAfter(after)) {
          entries.add(FeedEntry.op(index, offset, term, array ? decoded.getJsonObject(offset) : new JsonObject(json)));
        }
      }
    }
  }
}
