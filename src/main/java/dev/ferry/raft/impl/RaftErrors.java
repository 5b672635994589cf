package dev.ferry.raft.impl;

import dev.ferry.core.FerryException;
import dev.ferry.raft.RaftCodes;
import io.microraft.exception.CannotReplicateException;
import io.microraft.exception.IndeterminateStateException;
import io.microraft.exception.LaggingCommitIndexException;
import io.microraft.exception.MismatchingRaftGroupMembersCommitIndexException;
import io.microraft.exception.NotLeaderException;
import io.microraft.exception.RaftException;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * MicroRaft's failures as ferry's {@link FerryException} codes, keeping the promise of
 * {@link RaftCodes}: a code that says "not applied" is only used when the op cannot be applied.
 * Stateless.
 */
final class RaftErrors {
  private RaftErrors() {}

  static FerryException noLeader(String group, String leader, String why) {
    return new FerryException(RaftCodes.NO_LEADER, "group " + group + " has no reachable leader"
        + (leader == null ? "" : " (last known leader: " + leader + ")") + ": " + why);
  }

  /**
   * A read that waited for index {@code minIndex} on {@code node}'s replica, which did not get there
   * in {@code waited}: the node has not caught up (it is cut off, or the index was never written).
   * Nothing was changed, so the caller may simply ask again.
   *
   * @param commitIndex how far the replica got, or -1 if unknown
   */
  static FerryException notCaughtUp(String group, String node, long minIndex, long commitIndex, Duration waited) {
    return new FerryException(FerryException.TIMEOUT, "node " + node + " has not caught up to index " + minIndex
        + " of group " + group + " in " + waited.toMillis() + " ms (raft.request_timeout_ms)"
        + (commitIndex < 0 ? "" : "; its replica has committed up to index " + commitIndex)
        + ". A read changes nothing: ask again later, ask another node, or read from the leader (consistency "
        + "linearizable); an index above the group's last one is never reached");
  }

  /** The failure behind a MicroRaft or Vert.x failure, for group {@code group}. */
  static FerryException of(String group, Throwable failure) {
    Throwable e = unwrap(failure);
    if (e instanceof FerryException f) {
      return f;
    }
    if (e instanceof NotLeaderException n) {
      return noLeader(group, NodeEndpoint.nameOf(n.getLeader()), "this node is not the leader");
    }
    if (e instanceof CannotReplicateException c) {
      return new FerryException(RaftCodes.REJECTED, "the leader of group " + group + " ("
          + NodeEndpoint.nameOf(c.getLeader()) + ") is busy (too many uncommitted entries, or a membership "
          + "change under way): retry later");
    }
    if (e instanceof IndeterminateStateException) {
      return new FerryException(FerryException.TIMEOUT, "leadership of group " + group + " changed before the op "
          + "committed: it may or may not be applied");
    }
    if (e instanceof LaggingCommitIndexException) {
      return new FerryException(FerryException.TIMEOUT, "this replica of group " + group
          + " did not reach the requested index in time: " + e.getMessage());
    }
    if (e instanceof MismatchingRaftGroupMembersCommitIndexException) {
      return new FerryException(RaftCodes.REJECTED, "another membership change of group " + group
          + " happened meanwhile: retry");
    }
    if (e instanceof TimeoutException) {
      return new FerryException(FerryException.TIMEOUT, "group " + group + " did not answer in time: "
          + "the op may or may not be applied");
    }
    if (e instanceof ReplyException) {
      return FerryException.from(e);
    }
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      return FerryException.badRequest(e.getMessage());
    }
    if (e instanceof RaftException) {
      return new FerryException(FerryException.INTERNAL, "group " + group + ": " + e);
    }
    return new FerryException(FerryException.INTERNAL, "group " + group + ": " + e);
  }

  /**
   * The failure of a linearizable or lease read: as {@link #of}, except that a timeout says what it
   * means for a read (nothing was changed; ask again) instead of "the op may or may not be applied".
   */
  static FerryException forRead(String group, Throwable failure) {
    FerryException e = of(group, failure);
    if (!FerryException.TIMEOUT.equals(e.code())) {
      return e;
    }
    return new FerryException(FerryException.TIMEOUT, "the leader of group " + group + " did not answer the read "
        + "in time (it could not confirm its leadership with a quorum, or it is overloaded). A read changes "
        + "nothing: ask again, or read with consistency eventual");
  }

  /** Whether a failure is a wait that ran out: Vert.x's timeout, or MicroRaft's for a query's minimum index. */
  static boolean isTimeout(Throwable failure) {
    Throwable e = unwrap(failure);
    return e instanceof TimeoutException || e instanceof LaggingCommitIndexException;
  }

  /** Whether a failure is MicroRaft's "not the leader", with or without a hint. */
  static boolean isNotLeader(Throwable failure) {
    return unwrap(failure) instanceof NotLeaderException;
  }

  static Throwable unwrap(Throwable failure) {
    Throwable e = failure;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
