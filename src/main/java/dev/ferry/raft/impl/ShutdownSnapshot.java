package dev.ferry.raft.impl;

import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.report.RaftNodeReport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot a group's replica takes when the node stops cleanly: of the ops it applied since its
 * last snapshot, so that its next start restores it instead of replaying up to
 * {@code raft.snapshot_every_ops} ops of its log. {@link #take} asks MicroRaft for it (the capture
 * runs on the Raft executor as any snapshot's; a worker makes the chunks and the store writes them,
 * {@link GroupVerticle}) and completes once the store reports it complete, or after
 * {@code raft.shutdown_snapshot_ms} whatever happened; it never fails and nothing waits on a thread.
 * Only an optimisation: the store keeps the log until a snapshot covering it is complete, so a stop
 * cut short (kill -9, the time limit) restarts from the previous snapshot and the log.
 *
 * <p>Not taken by a leader with entries it has not committed: a snapshot followed only by entries
 * no other node has is what MicroRaft 0.7 cannot resync (docs/RAFT.md, <i>A former leader cannot
 * resync after its snapshot</i>). Confined to the group's context (its Raft executor).
 */
final class ShutdownSnapshot {
  private static final Logger log = LoggerFactory.getLogger(ShutdownSnapshot.class);

  private final Vertx vertx;
  private final Context context;
  private final String group;
  private final String node;
  private final Duration limit;
  private RaftNode raft;
  private SnapshotPolicy policy;
  /** The index of the latest snapshot complete in the current replica's store. */
  private long stored;
  /** Completed once a snapshot at or after {@link #awaited} is complete in the store. */
  private Promise<Void> complete;
  private long awaited;
  private Future<Void> taken;

  ShutdownSnapshot(Vertx vertx, Context context, String group, String node, Duration limit) {
    this.vertx = vertx;
    this.context = context;
    this.group = group;
    this.node = node;
    this.limit = limit;
  }

  /** The group runs a new replica, with this policy counting its ops, on a store with no snapshot known yet. */
  void replica(RaftNode raft, SnapshotPolicy policy) {
    this.raft = raft;
    this.policy = policy;
    this.stored = 0;
  }

  /** A snapshot at {@code index} is complete in the current replica's store. */
  void stored(long index) {
    stored = Math.max(stored, index);
    if (complete != null && stored >= awaited) {
      complete.tryComplete();
    }
  }

  /**
   * Takes the snapshot, once per run of the group (the node says it is stopping, or else the group
   * stops); the same future after.
   *
   * @param usable whether the replica may be asked at all (it started and its store takes writes)
   */
  Future<Void> take(boolean usable) {
    if (taken == null) {
      taken = usable ? takeNow() : Future.succeededFuture();
    }
    return taken;
  }

  private Future<Void> takeNow() {
    long ops = policy == null ? 0 : policy.opsSinceSnapshot();
    if (limit.isZero() || ops == 0 || raft == null || RaftNodeStatus.isTerminal(raft.getStatus())) {
      return Future.succeededFuture();
    }
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(limit.toMillis(), t -> {
      if (done.tryComplete()) {
        log.warn("raft group {}: the snapshot at shutdown was not complete in the store within {} ms "
            + "(raft.shutdown_snapshot_ms); the next start replays the log after the previous snapshot", group,
            limit.toMillis());
      }
    });
    RaftNode replica = raft;
    Future.fromCompletionStage(replica.getReport(), context).compose(report -> {
      RaftNodeReport r = report.getResult();
      if (r.getRole() == RaftRole.LEADER && r.getLog().getLastLogOrSnapshotIndex() > r.getLog().getCommitIndex()) {
        return Future.failedFuture("it leads with entries not committed yet (last "
            + r.getLog().getLastLogOrSnapshotIndex() + ", committed " + r.getLog().getCommitIndex() + ")");
      }
      return Future.fromCompletionStage(replica.takeSnapshot(), context);
    }).onComplete(snapshot -> {
      if (snapshot.failed()) {
        log.info("raft group {}: no snapshot at shutdown: {}", group, snapshot.cause().getMessage());
        done.tryComplete();
        return;
      }
      awaited = snapshot.result().getCommitIndex();   // the index it was taken at (or the latest one, already there)
      complete = done;
      stored(stored);
    });
    return done.future().onComplete(x -> {
      vertx.cancelTimer(timer);
      if (awaited > 0 && stored >= awaited) {
        log.info("raft group {} on {}: snapshot at index {} ({} ops since the previous one) complete in the store "
            + "in {} ms before stopping", group, node, awaited, ops, (System.nanoTime() - started) / 1_000_000);
      }
    });
  }
}
