package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/**
 * One item of a group's change feed ({@code ferry.raft.<group>.log}): a committed op as
 * {@code {index, offset, term, op}}, or a snapshot marker {@code {index, term, snapshot: true}}.
 *
 * <p>Every committed op has its own {@link #position() position}: the entry's log index and the
 * op's offset in it (ops the leader batched share the index). Indices grow but have gaps where Raft
 * logged its own entries (a new leader's first entry, membership changes).
 *
 * <p>A snapshot marker says that the replica's state was replaced by a snapshot at {@code index}:
 * the ops up to it were not, and will not be, delivered one by one, so a consumer that mirrors the
 * state must read it again (at an index of at least {@code index}) and follow from there. Its
 * position is {@link FeedPosition#afterEntry(long) after the whole entry}, and {@link #op()} is
 * null. Immutable.
 *
 * <p>The op is the JSON the group logged, untyped: the change feed is the one part of the Raft
 * client API without typed ops, because its readers are generic. A feed serves every group
 * whatever its state machine, and bridge and HTTP clients read it as that JSON (docs/RAFT.md);
 * a reader that knows the group decodes the ops itself, once, with the state machine's own
 * reader (the pin tracker with {@code PinOp.parseEach}, as the pinset does), rather than the feed
 * taking a decoder per group.
 */
public record FeedEntry(long index, int offset, int term, JsonObject op) implements BusJson {
  /** A committed op. */
  public static FeedEntry op(long index, int offset, int term, JsonObject op) {
    return new FeedEntry(index, offset, term, op);
  }

  /** The state was replaced by a snapshot at {@code index}. */
  public static FeedEntry snapshot(long index, int term) {
    return new FeedEntry(index, FeedPosition.WHOLE_ENTRY, term, null);
  }

  public FeedPosition position() {
    return new FeedPosition(index, offset);
  }

  /** Whether this is a snapshot marker rather than an op. */
  public boolean isSnapshot() {
    return op == null;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("index", index);
    return isSnapshot()
        ? json.put("term", term).put("snapshot", true)
        : json.put("offset", offset).put("term", term).put("op", op);
  }

  public static FeedEntry fromJson(JsonObject json) {
    long index = json.getLong("index");
    int term = json.getInteger("term", 0);
    return json.getBoolean("snapshot", false)
        ? snapshot(index, term)
        : op(index, json.getInteger("offset", 0), term, json.getJsonObject("op"));
  }
}
