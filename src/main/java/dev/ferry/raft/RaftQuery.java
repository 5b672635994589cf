package dev.ferry.raft;

/**
 * A {@link RaftOp} that changes nothing, so that {@link RaftClient#query} can answer it from the
 * state without a log entry (it may still be proposed, to order it in the log). An op that changes
 * the state is not a query, and the compiler refuses to query it.
 *
 * <p>Implementations are immutable records, so thread-safe.
 *
 * @param <A> the type of the state machine's answer
 */
public interface RaftQuery<A> extends RaftOp<A> {}
