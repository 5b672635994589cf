package dev.ferry.raft.impl;

import dev.ferry.core.BusJson;
import dev.ferry.raft.Committed;
import dev.ferry.raft.RaftOp;
import io.vertx.core.json.JsonObject;

/**
 * The wire form of the answer to a propose or query (docs/RAFT.md): {@code {"index", "result"}},
 * the result being the state machine's JSON (null when it answered nothing). The group writes it;
 * the Java client reads it into a typed {@link Committed} with the op it sent. Immutable.
 */
public record CommittedReply(long index, JsonObject result) implements BusJson {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("index", index).put("result", result);
  }

  public static CommittedReply fromJson(JsonObject json) {
    return new CommittedReply(json.getLong("index", 0L), json.getJsonObject("result"));
  }

  /** This answer, its result read by {@code op}. */
  public <A> Committed<A> readBy(RaftOp<A> op) {
    return new Committed<>(index, result == null ? null : op.answer(result));
  }
}
