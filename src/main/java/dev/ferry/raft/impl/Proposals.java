package dev.ferry.raft.impl;

import io.microraft.Ordered;
import io.microraft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's proposals, batched: the ops proposed while the group's context works through the
 * requests already queued on it go into one log entry ({@link BatchOp}), at most
 * {@code raft.batch_max_ops} of them, replicated when that turn is over. A lone op is a batch of
 * one too, so every client op in the log is kept as its text once applied ({@link BatchOp#applied}).
 * Each proposer gets its own op's result, at the entry's index; a failure to replicate
 * the entry fails every op in it, each with the same error (none of them was applied).
 *
 * <p>Confined to the group's Raft executor context.
 */
final class Proposals {
  private record Pending(JsonObject op, String encoded, Promise<Ordered<Object>> promise) {}

  private final RaftNode raft;
  private final ContextExecutor executor;
  private final int maxOps;
  private List<Pending> batch;

  Proposals(RaftNode raft, ContextExecutor executor, int maxOps) {
    this.raft = raft;
    this.executor = executor;
    this.maxOps = maxOps;
  }

  /**
   * Proposes {@code op} ({@code encoded} is its JSON); completes with its own result once the
   * entry it is in commits.
   */
  Future<Ordered<Object>> propose(JsonObject op, String encoded) {
    if (batch == null) {
      batch = new ArrayList<>();
      List<Pending> mine = batch;
      executor.submit(() -> replicate(mine)); // queued behind the requests already waiting on this context
    }
    Pending pending = new Pending(op, encoded, Promise.promise());
    batch.add(pending);
    if (batch.size() == maxOps) {
      batch = null; // full: the task queued above replicates it; the next op starts another
    }
    return pending.promise().future();
  }

  private void replicate(List<Pending> entry) {
    if (batch == entry) {
      batch = null;
    }
    BatchOp ops = new BatchOp(entry.stream().map(Pending::op).toList(), entry.stream().map(Pending::encoded).toList());
    Future.fromCompletionStage(raft.<List<Object>>replicate(ops)).onComplete(ar -> {
      for (int i = 0; i < entry.size(); i++) {
        Promise<Ordered<Object>> promise = entry.get(i).promise();
        if (ar.failed()) {
          promise.fail(ar.cause());
        } else {
          promise.complete(new Result(ar.result().getCommitIndex(), ar.result().getResult().get(i)));
        }
      }
    });
  }

  /** One op's share of a committed batch. */
  private record Result(long getCommitIndex, Object getResult) implements Ordered<Object> {}
}
