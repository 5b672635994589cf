package dev.ferry.raft.impl;

import io.vertx.core.json.JsonObject;

/** A read-only op on its way to {@link StateMachineAdapter} through MicroRaft's query path; never logged. */
record QueryOp(JsonObject op) {}
