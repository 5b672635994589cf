package dev.ferry.raft.impl;

import dev.ferry.raft.RaftSettings;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.report.RaftLogStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ferry's workaround for a MicroRaft 0.7 defect (fixed in 0.8, which is not published): a former
 * leader whose log holds a snapshot followed only by entries nobody else has cannot match the new
 * leader's AppendEntries, because it looks for the entry at the snapshot index in its log, where
 * it no longer is; it stays stuck until the leader sends it a snapshot instead, and the leader
 * only does that for indices its own snapshot covers.
 *
 * <p>So, on the leader, once per heartbeat period: a follower whose match index has not moved for
 * {@code raft.stuck_follower_checks} periods while the commit index is ahead of it gets the leader
 * to take a snapshot at its commit index; MicroRaft then sends that follower the snapshot, which
 * replaces its log. A follower that is down (not in the cluster) is not counted; one that is merely
 * slow keeps moving its match index; either way the cost of a mistake is one early snapshot.
 *
 * <p>Confined to the group's Raft executor context (its timer is set there).
 */
final class StuckFollowerWatch {
  private static final Logger log = LoggerFactory.getLogger(StuckFollowerWatch.class);

  private record Progress(long matchIndex, int periods) {}

  private final Vertx vertx;
  private final String group;
  private final Supplier<RaftNode> raft;
  private final RaftSettings settings;
  private final Predicate<String> nodeUp;
  private final Map<RaftEndpoint, Progress> progress = new HashMap<>();
  private final long timer;
  private boolean snapshotting;

  /** @param nodeUp whether a node is in the cluster now: a follower that is down is not stuck, just gone */
  StuckFollowerWatch(Vertx vertx, String group, Supplier<RaftNode> raft, RaftSettings settings,
      Predicate<String> nodeUp) {
    this.vertx = vertx;
    this.group = group;
    this.raft = raft;
    this.settings = settings;
    this.nodeUp = nodeUp;
    this.timer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(settings.heartbeatPeriodSecs()), id -> check());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    Future.fromCompletionStage(raft.get().getReport()).onSuccess(ordered -> {
      var report = ordered.getResult();
      if (report.getRole() != RaftRole.LEADER) {
        progress.clear();
        return;
      }
      inspect(report.getLog());
    });
  }

  private void inspect(RaftLogStats stats) {
    long commit = stats.getCommitIndex();
    RaftEndpoint stuck = null;
    for (Map.Entry<RaftEndpoint, Long> e : stats.getFollowerMatchIndices().entrySet()) {
      long match = e.getValue();
      Progress before = progress.get(e.getKey());
      boolean still = before != null && before.matchIndex() == match && match < commit
          && nodeUp.test(NodeEndpoint.nameOf(e.getKey()));
      int periods = still ? before.periods() + 1 : 0;
      progress.put(e.getKey(), new Progress(match, periods));
      if (periods >= settings.stuckFollowerChecks()) {
        stuck = e.getKey();
      }
    }
    progress.keySet().retainAll(stats.getFollowerMatchIndices().keySet());
    if (stuck != null && !snapshotting && stats.getLastSnapshotIndex() < commit) {
      snapshot(stuck, progress.get(stuck).matchIndex(), commit);
    }
  }

  private void snapshot(RaftEndpoint follower, long match, long commit) {
    snapshotting = true;
    log.warn("raft group {}: follower {} is stuck at index {} while the commit index is {} (MicroRaft 0.7 "
        + "defect); taking a snapshot so that it is sent one", group, follower, match, commit);
    Future.fromCompletionStage(raft.get().takeSnapshot())
        .onComplete(ar -> {
          snapshotting = false;
          progress.remove(follower);
          if (ar.failed()) {
            log.warn("raft group {}: the snapshot for {} failed: {}", group, follower, ar.cause().toString());
          }
        });
  }
}
