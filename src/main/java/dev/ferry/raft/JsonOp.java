package dev.ferry.raft;

import io.vertx.core.json.JsonObject;

/**
 * Any op of any state machine, as JSON, answered with the state machine's JSON (null when it
 * answers nothing): the explicit way to drive a state machine plugged in by name
 * ({@link StateMachines}) that brings no typed ops, or to send an op exactly as a bus client
 * would. ferry's own state machines have typed ops ({@link KvOp}, pinning's pinset ops); this is
 * not their path. The state machine checks it as it checks every op ({@link
 * StateMachine#checkProposal}, {@link StateMachine#checkQuery}): a write sent as a query is a
 * {@code bad-request} from the group, not a compile error.
 *
 * <p>Immutable as long as nobody changes {@code op} after giving it: {@link #toJson} copies it.
 *
 * @param op the op as the state machine reads it
 */
public record JsonOp(JsonObject op) implements RaftQuery<JsonObject> {
  public JsonOp {
    if (op == null) {
      throw new IllegalArgumentException("a JSON op is needed");
    }
  }

  @Override
  public JsonObject toJson() {
    return op.copy();
  }

  @Override
  public JsonObject answer(JsonObject result) {
    return result;
  }
}
