package dev.ferry.raft.impl;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Client ops the leader proposed together in one log entry ({@link Proposals}): applied in order,
 * each with its own result, all at the entry's index. One entry instead of many saves MicroRaft,
 * the store and the transport their per-entry work.
 */
record BatchOp(List<JsonObject> ops) {
  BatchOp {
    ops = List.copyOf(ops);
  }
}
