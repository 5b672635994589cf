package dev.ferry.raft.impl;

/**
 * The query of a {@code read-index} request: MicroRaft runs it on the leader as a linearizable
 * query (after a quorum confirmed the leadership) to learn the commit index; the state machine
 * never sees it ({@link StateMachineAdapter} answers nothing).
 */
enum ReadIndexOp {
  INSTANCE
}
