package dev.ferry.raft;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;

/**
 * A replicated state machine of one Raft group: every replica applies the same committed JSON ops
 * in the same order and must reach the same state. ferry's built-in one is {@link KvStateMachine};
 * groups pick theirs by name ({@link StateMachines}, {@code raft.groups.<group>.state_machine}).
 *
 * <p>Threading: {@link #checkProposal} and {@link #checkQuery} may run on any thread and must not
 * touch the state. Every other method runs on the group's Raft executor (one ordered worker
 * context), one call at a time, so implementations need no locks and may take their time.
 */
public interface StateMachine {
  /**
   * Rejects an op that must not be proposed, before it reaches the log.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} saying what is wrong
   */
  void checkProposal(JsonObject op);

  /**
   * Rejects an op that cannot be answered by {@link #query}.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} saying what is wrong
   */
  void checkQuery(JsonObject op);

  /**
   * Applies a committed op; deterministic. A {@link dev.ferry.core.FerryException} thrown here is
   * the proposer's answer (the same on every replica); the op still occupies its log index.
   *
   * @param index the op's log index
   * @return the result for the proposer, or null
   */
  JsonObject apply(long index, JsonObject op);

  /** Answers a read-only op from the current state. */
  JsonObject query(JsonObject op);

  /** Writes the whole state as one or more chunks, in order. */
  void snapshot(Consumer<JsonObject> chunks);

  /** Replaces the whole state with the one these chunks (from {@link #snapshot}) describe. */
  void restore(List<JsonObject> chunks);
}
