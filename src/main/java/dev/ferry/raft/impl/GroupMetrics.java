package dev.ferry.raft.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.microraft.report.RaftNodeReport;
import java.util.ArrayList;
import java.util.List;

/**
 * One group's meters on this node, tagged with the group: {@code ferry_raft_term},
 * {@code ferry_raft_commit_index}, {@code ferry_raft_leader_changes_total},
 * {@code ferry_raft_applied_ops_total}, and for snapshots {@code ferry_raft_snapshot_capture_seconds}
 * (the part on the Raft executor), {@code ferry_raft_snapshot_make_seconds} (making its chunks, on
 * a worker) and {@code ferry_raft_snapshot_stored_index} (the latest snapshot complete in the
 * store) (docs/API.md). Registered when made, removed by {@link #remove}.
 *
 * <p>Written on the group's Raft executor context (MicroRaft's reports, the ops applied) and, for
 * the time to make a snapshot, on a worker; the gauges are read by the metrics scrape on another
 * thread, so the values they read are volatile.
 */
final class GroupMetrics {
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter leaderChanges;
  private final Counter appliedOps;
  private final Timer snapshotCapture;
  private final Timer snapshotMake;
  private volatile long term;
  private volatile long commitIndex;
  private volatile long storedSnapshot;

  GroupMetrics(MeterRegistry registry, String group) {
    this.registry = registry;
    meters.add(Gauge.builder("ferry.raft.term", this, g -> g.term).tag("group", group)
        .description("Raft term this node last saw").register(registry));
    meters.add(Gauge.builder("ferry.raft.commit.index", this, g -> g.commitIndex).tag("group", group)
        .description("Raft commit index this node last saw").register(registry));
    leaderChanges = Counter.builder("ferry.raft.leader.changes").tag("group", group)
        .description("Leaders this node has seen take over").register(registry);
    meters.add(leaderChanges);
    appliedOps = Counter.builder("ferry.raft.applied.ops").tag("group", group)
        .description("Client ops this node's replica applied since it started (a restart replays the log first)")
        .register(registry);
    meters.add(appliedOps);
    snapshotCapture = Timer.builder("ferry.raft.snapshot.capture").tag("group", group)
        .description("Time a snapshot held up the Raft executor: its state machine's capture").register(registry);
    meters.add(snapshotCapture);
    snapshotMake = Timer.builder("ferry.raft.snapshot.make").tag("group", group)
        .description("Time to make a snapshot's chunks from its capture, on a worker while the group goes on")
        .register(registry);
    meters.add(snapshotMake);
    meters.add(Gauge.builder("ferry.raft.snapshot.stored.index", this, g -> g.storedSnapshot).tag("group", group)
        .description("Log index of the latest snapshot whose every chunk is in this node's store").register(registry));
  }

  Timer snapshotCapture() {
    return snapshotCapture;
  }

  Timer snapshotMake() {
    return snapshotMake;
  }

  /** A snapshot at {@code index} is complete in the store. */
  void snapshotStored(long index) {
    storedSnapshot = index;
  }

  /** A report of MicroRaft's: its term and commit index. */
  void reported(RaftNodeReport report) {
    term = report.getTerm().getTerm();
    commitIndex = report.getLog().getCommitIndex();
  }

  /** This node saw another leader take over. */
  void leaderChanged() {
    leaderChanges.increment();
  }

  /** Counts the client ops the replica applies. */
  Counter appliedOps() {
    return appliedOps;
  }

  /** Removes the meters from the registry (the group stops). */
  void remove() {
    meters.forEach(registry::remove);
  }
}
