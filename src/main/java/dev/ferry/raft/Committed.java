package dev.ferry.raft;

/**
 * The answer to a proposal or query: the log index it was committed at (for a query, the commit
 * index the answer reflects) and the state machine's answer, read by the op
 * ({@link RaftOp#answer}); it may be null (a {@link KvOp.Get} of a key that is absent). Immutable
 * when the answer is.
 *
 * @param <A> the type of the op's answer
 */
public record Committed<A>(long index, A result) {}
