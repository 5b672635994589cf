package dev.ferry.raft.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Client ops the leader proposed together in one log entry ({@link Proposals}): applied in order,
 * each with its own result, all at the entry's index. One entry instead of many saves MicroRaft,
 * the store and the transport their per-entry work.
 *
 * <p>The ops are encoded as a JSON array once ({@link #json()}): the leader's store and its
 * message to each follower reuse it, the leader starts from the encodings it already made to
 * check each op's size, and a follower keeps the text it received. Once the ops are applied
 * ({@link #applied()}) only that text is kept: the entry stays in the replica's log until the next
 * snapshot (up to {@code raft.snapshot_every_ops} ops), and the ops as JSON object trees took
 * about four times the heap of their text. Used on the group's Raft executor context only (the
 * encoding is made once, lazily).
 */
final class BatchOp {
  /** Null once applied: read again from {@link #json} if asked for. */
  private List<JsonObject> ops;
  private String json;

  /** Ops to encode when first needed. */
  BatchOp(List<JsonObject> ops) {
    this.ops = List.copyOf(ops);
  }

  /** @param json the ops as a JSON array, as read (a follower stores the batch as it came) */
  BatchOp(List<JsonObject> ops, String json) {
    this(ops);
    this.json = json;
  }

  /** @param encoded each op's JSON, in the same order */
  BatchOp(List<JsonObject> ops, List<String> encoded) {
    this(ops, "[" + String.join(",", encoded) + "]");
  }

  /** The ops: as given or read until applied, decoded again from the text after that. */
  List<JsonObject> ops() {
    if (ops != null) {
      return ops;
    }
    JsonArray decoded = new JsonArray(json);
    List<JsonObject> again = new ArrayList<>(decoded.size());
    for (int i = 0; i < decoded.size(); i++) {
      again.add(decoded.getJsonObject(i));
    }
    return again;
  }

  /** The ops were applied: from now on only their text is kept (see the class comment). */
  void applied() {
    json();
    ops = null;
  }

  /** The ops as one JSON array. */
  String json() {
    if (json == null) {
      json = new JsonArray(new ArrayList<Object>(ops)).encode();
    }
    return json;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchOp other && ops().equals(other.ops());
  }

  @Override
  public int hashCode() {
    return ops().hashCode();
  }

  @Override
  public String toString() {
    return "BatchOp" + ops();
  }
}
