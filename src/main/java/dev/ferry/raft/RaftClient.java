package dev.ferry.raft;

import dev.ferry.core.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * The Raft client API in Java: each call sends one {@link RaftRequest} and reads a typed answer
 * (docs/RAFT.md), the same JSON request/reply a bus or HTTP client uses, so it behaves exactly as
 * they would. The state machine's ops are typed too ({@link RaftOp}: {@link KvOp} for the built-in
 * {@code kv} group, {@link JsonOp} for a state machine without typed ops), and so is their answer
 * ({@link Committed#result()}). Failures are {@link dev.ferry.core.FerryException}s
 * ({@code FerryException.from(e).code()}): {@code no-leader}, {@code rejected}, {@code timeout},
 * {@code bad-request}, {@code not-found} (unknown group), {@code too-large}; see {@link RaftCodes}
 * for which of them leave a proposal's outcome unknown.
 *
 * <p>Thread-safe; the futures complete on a Vert.x context (the caller's, when it has one).
 */
public interface RaftClient {
  /**
   * The client of this node's Raft service (its node-internal address), timeouts from its
   * settings: built once per node from the {@code raft} section, the same object at every call.
   */
  static RaftClient forNode(NodeContext node) {
    return BusRaftClient.forNode(node);
  }

  /**
   * A client for code anywhere on the bus: requests go to {@code ferry.raft.<group>}, served by any
   * node; it waits {@code requestTimeout} for an answer ({@code membershipTimeout} for join and leave).
   */
  static RaftClient overBus(Vertx vertx, Duration requestTimeout, Duration membershipTimeout) {
    return new BusRaftClient(vertx, null, null, requestTimeout, membershipTimeout);
  }

  /** Commits an op through the leader; the result is the state machine's answer, read by the op. */
  <A> Future<Committed<A>> propose(String group, RaftOp<A> op);

  /** Answers a read-only op with the given consistency; {@code minIndex} only matters for {@code eventual}. */
  <A> Future<Committed<A>> query(String group, RaftQuery<A> op, Consistency consistency, long minIndex);

  /** A linearizable query. */
  default <A> Future<Committed<A>> query(String group, RaftQuery<A> op) {
    return query(group, op, Consistency.LINEARIZABLE, 0);
  }

  /**
   * The group's commit index as its leader confirms it with a quorum (Raft's read index, as etcd's
   * ReadIndex): a {@link Consistency#EVENTUAL} query with this {@code minIndex}, on any replica, sees
   * every change committed before this call, so a node serves a linearizable read from its own
   * replica, and a listing read page by page starts no older than the call.
   */
  Future<Long> readIndex(String group);

  /** The answering node's view of the group. */
  Future<GroupStatus> status(String group);

  /** Adds a node as a learner and, unless {@code learnerOnly}, promotes it to voter once it caught up. */
  Future<GroupStatus> join(String group, String node, boolean learnerOnly);

  /** Removes a node from the group. */
  Future<GroupStatus> leave(String group, String node);

  /** Hands the leadership to a voter; completes once it leads. */
  Future<String> transferLeadership(String group, String node);

  /** Who answers at a Raft address (changeagent's Discover). */
  Future<Discovered> discover(String address);

  /**
   * Committed ops after position {@code after} that the answering node still keeps, oldest first.
   * The feed's ops stay JSON, whatever the group ({@link FeedEntry} says why).
   */
  Future<List<FeedEntry>> feed(String group, FeedPosition after);

  /** Committed ops after every op of entry {@code after} that the answering node still keeps, oldest first. */
  default Future<List<FeedEntry>> feed(String group, long after) {
    return feed(group, FeedPosition.afterEntry(after));
  }

  /**
   * Delivers every committed op after position {@code after}, then each new one as it commits:
   * every op exactly once, in log order (ops of one entry by offset), on this node's replica. A
   * {@link FeedEntry#isSnapshot() snapshot marker} is delivered when the replica's state is
   * replaced by a snapshot past the ops delivered so far. Stop the subscription to end it. The
   * ops stay JSON, whatever the group ({@link FeedEntry} says why).
   */
  Future<FeedSubscription> follow(String group, FeedPosition after, Handler<FeedEntry> handler);

  /** {@link #follow(String, FeedPosition, Handler)} after every op of entry {@code after} (a state read at that index). */
  default Future<FeedSubscription> follow(String group, long after, Handler<FeedEntry> handler) {
    return follow(group, FeedPosition.afterEntry(after), handler);
  }
}
