package dev.ferry.raft.impl;

import dev.ferry.raft.RaftSettings;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.report.RaftNodeReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ferry's workaround for a third MicroRaft 0.7 flaw: a follower that has a pre-vote pending when
 * it learns of a leader in the same term keeps that pre-vote state for good (only a term change
 * clears it), and MicroRaft's heartbeat task starts a pre-vote only when none is pending. Every
 * follower restarted under a leader is in that state: it pre-votes at start-up, is refused ("the
 * leader is still alive"), then hears from the leader. When that leader goes silent, such a
 * follower keeps naming it and never asks for votes; two of them, in a group of three, never elect
 * anyone.
 *
 * <p>So, once per heartbeat period, a follower whose leader has been silent for longer than
 * MicroRaft itself waits before it gives up on a leader (the heartbeat timeout, plus two periods
 * for its own check to run) restarts its replica from its store ({@code restart}); the new replica
 * knows no leader and pre-votes until one is elected. A follower that is merely cut off restarts
 * for nothing, which costs a restore from the store.
 *
 * <p>Confined to the group's Raft executor context (its timer is set there).
 */
final class SilentLeaderWatch {
  private static final Logger log = LoggerFactory.getLogger(SilentLeaderWatch.class);

  private final String group;
  private final Supplier<RaftNode> raft;
  private final Runnable restart;
  private final long patienceMillis;
  private final Vertx vertx;
  private final long timer;

  SilentLeaderWatch(Vertx vertx, String group, Supplier<RaftNode> raft, RaftSettings settings, Runnable restart) {
    this.vertx = vertx;
    this.group = group;
    this.raft = raft;
    this.restart = restart;
    long period = TimeUnit.SECONDS.toMillis(settings.heartbeatPeriodSecs());
    this.patienceMillis = TimeUnit.SECONDS.toMillis(settings.heartbeatTimeoutSecs()) + 2 * period;
    this.timer = vertx.setPeriodic(period, id -> check());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    Future.fromCompletionStage(raft.get().getReport()).onSuccess(ordered -> {
      RaftNodeReport report = ordered.getResult();
      if (report.getStatus() != RaftNodeStatus.ACTIVE || report.getRole() != RaftRole.FOLLOWER
          || report.getTerm().getLeaderEndpoint() == null || report.getLeaderHeartbeatTimestamp().isEmpty()) {
        return;
      }
      long silent = System.currentTimeMillis() - report.getLeaderHeartbeatTimestamp().get();
      if (silent > patienceMillis) {
        log.warn("raft group {}: leader {} has been silent for {} ms and this follower has not asked for votes "
            + "(MicroRaft 0.7 keeps a stale pre-vote); restarting the replica from its store", group,
            NodeEndpoint.nameOf(report.getTerm().getLeaderEndpoint()), silent);
        restart.run();
      }
    });
  }
}
