package dev.ferry.raft.impl;

/**
 * The entry a new leader appends at the start of its term, so that it can commit the entries of
 * earlier terms (Raft §5.4.2). It carries the term: every later entry up to the next marker has
 * this term, which is how the change feed knows each entry's term. No state machine sees it.
 */
public record NewTermOp(int term) {}
