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
