package dev.ferry.raft.impl;

import io.micrometer.core.instrument.Counter;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a replica snapshots, by the work it did rather than by log entries: once the client ops it
 * applied since its last snapshot reach {@code raft.snapshot_every_ops}, or the log it wrote since
 * then reaches {@code raft.snapshot_every_bytes}, it asks for a snapshot at its last applied index.
 * MicroRaft's own count ({@code raft.snapshot_every}) counts entries, and the leader batches up to
 * {@code raft.batch_max_ops} ops into one entry, so by that count alone a busy group snapshots
 * rarely, keeps a long log in memory and replays it at every restart. Whichever count comes first
 * wins.
 *
 * <p>The snapshot is asked for with {@link #request} (MicroRaft's {@code takeSnapshot}, which runs as
 * the next task on the Raft executor), so ops that were already queued may be applied before it and
 * are inside the snapshot: a restart replays fewer than {@code snapshot_every_ops} ops plus those of
 * the entries committed while the request waited. Only one request is outstanding at a time.
 *
 * <p>Also counts the ops applied ({@code ferry_raft_applied_ops_total}; after a restart, the ops
 * replayed from the log first). Confined to the group's Raft executor context, like the state
 * machine adapter that calls it.
 */
final class SnapshotPolicy {
  private static final Logger log = LoggerFactory.getLogger(SnapshotPolicy.class);

  /** Asks the replica for a snapshot and runs {@code done} once it was taken, skipped or failed. */
  interface Request {
    void snapshot(Runnable done);
  }

  private final String group;
  private final int everyOps;
  private final long everyBytes;
  private final LongSupplier logBytes;
  private final Counter appliedOps;
  private Request request = Runnable::run;
  private long ops;
  private long bytesAtSnapshot;
  private boolean requested;

  /**
   * @param logBytes bytes of log entries the store wrote so far (it only grows)
   * @param appliedOps counts every op applied
   */
  SnapshotPolicy(String group, int everyOps, long everyBytes, LongSupplier logBytes, Counter appliedOps) {
    this.group = group;
    this.everyOps = everyOps;
    this.everyBytes = everyBytes;
    this.logBytes = logBytes;
    this.appliedOps = appliedOps;
    this.bytesAtSnapshot = logBytes.getAsLong();
  }

  /** How a snapshot is asked for (set once the replica exists). */
  void requestWith(Request request) {
    this.request = request;
  }

  /** The replica applied {@code count} client ops (one entry's); asks for a snapshot when they add up. */
  void applied(int count) {
    appliedOps.increment(count);
    ops += count;
    if (requested || (ops < everyOps && logBytes.getAsLong() - bytesAtSnapshot < everyBytes)) {
      return;
    }
    requested = true;
    log.debug("raft group {}: {} ops and {} bytes of log since the last snapshot: taking one", group, ops,
        logBytes.getAsLong() - bytesAtSnapshot);
    request.snapshot(() -> requested = false); // if none was taken after all, asked again at the next op
  }

  /** The replica's state was snapshotted, or replaced by a snapshot: counting starts over. */
  void snapshotted() {
    ops = 0;
    bytesAtSnapshot = logBytes.getAsLong();
    requested = false;
  }

  /** Client ops applied since the last snapshot. */
  long opsSinceSnapshot() {
    return ops;
  }
}
