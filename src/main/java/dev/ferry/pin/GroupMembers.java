package dev.ferry.pin;

import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Set;

/**
 * The members (voters and learners) of the pinset's Raft group as this node's replica last said:
 * the nodes pins may be allocated to (with the live ones among them). A node removed from the
 * cluster ({@code DELETE /peers/{peer}}) leaves the group, so it drops out of here and is no
 * longer allocated to even while it runs; a node that never joined (peers.json {@code "voter":
 * false}) has no replica in the group, could never follow the pinset, and is not allocated to
 * either. Read at most every {@code pin.members_refresh_ms}, and at once after a membership change
 * made through this node ({@link #refresh}).
 *
 * <p>Confined to the pin service's context.
 */
final class GroupMembers {
  private final RaftClient raft;
  private final String group;
  private final Duration maxAge;
  private Set<String> members;
  private long readAt;
  private Future<Set<String>> reading;

  GroupMembers(RaftClient raft, String group, Duration maxAge) {
    this.raft = raft;
    this.group = group;
    this.maxAge = maxAge;
  }

  /** The members as last read, read again first if that is older than {@code pin.members_refresh_ms}. */
  Future<Set<String>> get() {
    if (members != null && System.nanoTime() - readAt < maxAge.toNanos()) {
      return Future.succeededFuture(members);
    }
    return reading != null ? reading : refresh();
  }

  /** Reads the members from this node's replica now (not sharing a read that started before a change). */
  Future<Set<String>> refresh() {
    long started = System.nanoTime();
    Future<Set<String>> read = raft.status(group).map(status -> Set.copyOf(status.members()));
    reading = read;
    return read.onComplete(ar -> {
      if (reading == read) {
        reading = null;
      }
      if (ar.succeeded() && (members == null || started - readAt >= 0)) {   // an older read never overwrites a newer one
        members = ar.result();
        readAt = started;
      }
    });
  }
}
