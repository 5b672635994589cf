package dev.ferry.raft.impl;

/**
 * The entry that records which store a member runs on: {@code endpoint} (an endpoint id, {@code
 * node2} or {@code node2#1}) had the store {@code storeId} ({@link DurableStore#id()}). The leader
 * proposes one for every member it has no record of ({@link StoreRecorder}); the group thus keeps
 * the stores that have existed ({@link StoreRecords}), which tells a node that lost its whole data
 * dir that it had a store before. No state machine sees it.
 */
record StoreRecordOp(String endpoint, String storeId) {}
