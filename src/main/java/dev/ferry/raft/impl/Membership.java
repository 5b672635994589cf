package dev.ferry.raft.impl;

import dev.ferry.core.FerryException;
import dev.ferry.raft.RaftSettings;
import dev.ferry.raft.Transferred;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.exception.CannotReplicateException;
import io.microraft.exception.MismatchingRaftGroupMembersCommitIndexException;
import io.microraft.report.RaftGroupMembers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Membership changes, run on the leader: {@code join} adds a node as a learner and promotes it to
 * voter once its log is within {@code raft.catch_up_lag} entries of the commit index; {@code
 * leave} removes a member; {@code transfer} hands leadership to a voter. Each is idempotent, so a
 * caller whose request failed half way (a leader change) may simply repeat it.
 *
 * <p>Confined to the group's Raft executor context.
 */
final class Membership {
  /** Attempts when another membership change commits between reading the members and changing them. */
  private static final int CONFLICT_RETRIES = 3;

  private final Vertx vertx;
  private final String group;
  private final RaftSettings settings;
  private final RaftNode raft;

  Membership(Vertx vertx, String group, RaftSettings settings, RaftNode raft) {
    this.vertx = vertx;
    this.group = group;
    this.settings = settings;
    this.raft = raft;
  }

  /**
   * Adds {@code endpoint}, the replica a node runs now (its name and store generation, from its
   * {@code discover} answer), first as a learner, then as a voter once it caught up.
   */
  Future<Void> join(NodeEndpoint endpoint, boolean learnerOnly) {
    RaftGroupMembers committed = raft.getCommittedMembers();
    if (committed.getVotingMembers().contains(endpoint)) {
      return Future.succeededFuture();
    }
    Optional<NodeEndpoint> previous = named(committed.getMembers(), endpoint.name());
    if (previous.isPresent() && !previous.get().equals(endpoint)) {
      return Future.failedFuture(FerryException.badRequest(endpoint.name() + " is a member of group " + group
          + " as " + previous.get() + ", but its replica is now " + endpoint + " (its store was replaced): "
          + "leave, then join again"));
    }
    if (raft.getInitialMembers().getMembers().contains(endpoint) && previous.isEmpty()) {
      return Future.failedFuture(FerryException.badRequest(endpoint.name() + " left group " + group + ", but its "
          + "replica still has its first identity, " + endpoint + " (was its store deleted after it left?): "
          + "MicroRaft 0.7 would replay that removal to it; give the machine a new name (see docs/RAFT.md)"));
    }
    Future<Void> learner = previous.isPresent()
        ? Future.succeededFuture()
        : change(endpoint, MembershipChangeMode.ADD_LEARNER, CONFLICT_RETRIES);
    if (learnerOnly) {
      return learner;
    }
    long deadline = System.currentTimeMillis() + settings.membershipTimeout().toMillis();
    return learner
        .compose(v -> caughtUp(endpoint, deadline))
        .compose(v -> change(endpoint, MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER, CONFLICT_RETRIES));
  }

  /** Removes the member named {@code name}, whatever its store generation. */
  Future<Void> leave(String name) {
    return named(raft.getCommittedMembers().getMembers(), name)
        .map(member -> change(member, MembershipChangeMode.REMOVE_MEMBER, CONFLICT_RETRIES))
        .orElse(Future.succeededFuture());
  }

  /** A voting member other than {@code name}, the first by name, if the group has one. */
  Optional<String> anotherVoter(String name) {
    return raft.getCommittedMembers().getVotingMembers().stream().map(NodeEndpoint.class::cast)
        .map(NodeEndpoint::name).filter(voter -> !voter.equals(name)).sorted().findFirst();
  }

  Future<Transferred> transfer(String name) {
    Optional<NodeEndpoint> voter = named(raft.getCommittedMembers().getVotingMembers(), name);
    if (voter.isEmpty()) {
      return Future.failedFuture(FerryException.badRequest(name + " is not a voting member of group " + group));
    }
    return Future.fromCompletionStage(raft.transferLeadership(voter.get()))
        .timeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .map(v -> new Transferred(name));
  }

  /** The endpoint among {@code endpoints} that belongs to the node {@code name} (one at most: join checks it). */
  private static Optional<NodeEndpoint> named(Collection<RaftEndpoint> endpoints, String name) {
    return endpoints.stream().map(NodeEndpoint.class::cast).filter(e -> e.name().equals(name)).findFirst();
  }

  private Future<Void> change(NodeEndpoint endpoint, MembershipChangeMode mode, int retries) {
    long expected = raft.getCommittedMembers().getLogIndex();
    return Future.fromCompletionStage(raft.changeMembership(endpoint, mode, expected))
        .timeout(settings.membershipTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(e -> {
          Throwable cause = RaftErrors.unwrap(e);
          if (retries == 0) {
            return Future.failedFuture(e);
          }
          if (cause instanceof MismatchingRaftGroupMembersCommitIndexException) {
            return change(endpoint, mode, retries - 1);
          }
          if (cause instanceof CannotReplicateException) {
            // a leader just elected commits an entry of its term first; a change waits for that
            return vertx.timer(settings.electionTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .compose(fired -> change(endpoint, mode, retries - 1));
          }
          return Future.failedFuture(e);
        });
  }

  /** Completes once the learner's match index is close enough to the commit index. */
  private Future<Void> caughtUp(NodeEndpoint endpoint, long deadline) {
    Promise<Void> promise = Promise.promise();
    check(endpoint, deadline, promise);
    return promise.future();
  }

  private void check(NodeEndpoint endpoint, long deadline, Promise<Void> promise) {
    Future.fromCompletionStage(raft.getReport()).onComplete(ar -> {
      if (ar.failed()) {
        promise.tryFail(ar.cause());
        return;
      }
      if (ar.result().getResult().getRole() != RaftRole.LEADER) {
        promise.tryFail(RaftErrors.noLeader(group, null, "leadership moved while " + endpoint.name()
            + " was catching up; join again"));
        return;
      }
      var log = ar.result().getResult().getLog();
      Long match = log.getFollowerMatchIndices().get(endpoint);
      if (match != null && match >= log.getCommitIndex() - settings.catchUpLag()) {
        promise.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        promise.tryFail(new FerryException(FerryException.TIMEOUT, endpoint.name() + " joined group " + group
            + " as a learner but did not catch up within " + settings.membershipTimeout().toMillis()
            + " ms (at index " + match + " of " + log.getCommitIndex() + "); join again to retry the promotion"));
      } else {
        vertx.setTimer(TimeUnit.SECONDS.toMillis(settings.heartbeatPeriodSecs()),
            id -> check(endpoint, deadline, promise));
      }
    });
  }
}
