package dev.ferry.raft;

import io.vertx.core.json.JsonObject;

/**
 * An op of a Raft group's state machine, typed, as {@link RaftClient#propose} commits it: it writes
 * the JSON the state machine reads (the log's contract; the {@link StateMachine} SPI stays JSON,
 * plain values, as MicroRaft's is) and reads the state machine's answer into its own type {@code A}.
 * A state machine's ops are a sealed interface of records: the built-in {@link KvOp}, pinning's
 * pinset ops. A state machine plugged in by name that has no typed ops is driven with
 * {@link JsonOp}, which says so where it is used.
 *
 * <p>Implementations are immutable records, so thread-safe.
 *
 * @param <A> the type of the state machine's answer
 */
public interface RaftOp<A> {
  /** The op as the state machine reads it: a new JSON object the caller may change. */
  JsonObject toJson();

  /**
   * The state machine's answer to this op, read from its JSON. Called only for an answer: a state
   * machine that answered nothing (null) gives the proposer a null result.
   *
   * @throws IllegalArgumentException or {@link ClassCastException} for an answer it cannot read
   *     (the client reports it as {@code internal}, naming the answer)
   */
  A answer(JsonObject result);
}
