package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.Discovered;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.RaftRequest;
import dev.ferry.raft.RaftRequest.Discover;
import dev.ferry.raft.RaftRequest.Join;
import dev.ferry.raft.RaftRequest.Leave;
import dev.ferry.raft.RaftRequest.Propose;
import dev.ferry.raft.RaftRequest.Query;
import dev.ferry.raft.RaftRequest.Removed;
import dev.ferry.raft.RaftRequest.Transfer;
import dev.ferry.raft.RaftSettings;
import dev.ferry.raft.StateMachine;
import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client API of one group on one node: {@code propose}, {@code query}, {@code read-index}, {@code status},
 * {@code join}, {@code leave}, {@code transfer}, {@code feed}, {@code discover} (docs/RAFT.md).
 * Leader-only work runs here when this node leads; otherwise it is forwarded to the leader's
 * node-internal address, and retried once on the leader a changed leadership points to.
 *
 * <p>Confined to the group's Raft executor context (see {@link GroupVerticle}).
 */
final class GroupRequests {
  private final Vertx vertx;
  private final NodeContext node;
  private final String group;
  private final RaftSettings settings;
  private final RaftNode raft;
  private final StateMachine machine;
  private final Feed feed;
  private final ContextExecutor executor;
  private final Membership membership;
  private final Proposals proposals;
  private final Runnable onRemoved;
  private final StoreRecords stores;
  private final List<Promise<Void>> waitingForLeader = new ArrayList<>();
  private final BusClient bus;
  private final Dispatch<RaftRequest, Function<Hop, Future<BusJson>>> dispatch;

  /**
   * @param onRemoved called (on the Raft executor) when this node learns that it was removed
   * @param stores this replica's store id and the group's records of stores, for {@code discover}
   */
  GroupRequests(Vertx vertx, NodeContext node, String group, RaftSettings settings, RaftNode raft,
      StateMachine machine, Feed feed, ContextExecutor executor, Runnable onRemoved, StoreRecords stores) {
    this.vertx = vertx;
    this.node = node;
    this.group = group;
    this.settings = settings;
    this.raft = raft;
    this.machine = machine;
    this.feed = feed;
    this.executor = executor;
    this.onRemoved = onRemoved;
    this.stores = stores;
    this.membership = new Membership(vertx, group, settings, raft);
    this.proposals = new Proposals(raft, executor, settings.batchMaxOps());
    this.bus = BusClient.of(vertx);
    this.dispatch = dispatch();
  }

  /** Answers one request that reached this node by {@code hop}. */
  Future<BusJson> handle(RaftRequest request, Hop hop) {
    try {
      return dispatch.apply(request).apply(hop);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** The client API: what each request does, given how it reached this node. */
  private Dispatch<RaftRequest, Function<Hop, Future<BusJson>>> dispatch() {
    return Dispatch.<RaftRequest, Function<Hop, Future<BusJson>>>over(RaftRequest.class)
        .on(Propose.class, propose -> hop -> propose(propose, hop))
        .on(Query.class, query -> hop -> query(query, hop))
        .on(RaftRequest.ReadIndex.class, request -> hop -> onLeader(request, hop, () -> read(Future.fromCompletionStage(
            raft.query(ReadIndexOp.INSTANCE, QueryPolicy.LINEARIZABLE, Optional.empty(), Optional.empty())))))
        .on(RaftRequest.Status.class, status -> hop -> status())
        .on(Join.class, join -> hop -> onLeader(join, hop, () -> endpointOf(join.node())
            .compose(endpoint -> membership.join(endpoint, join.learner()))
            .compose(v -> status())))
        .on(Leave.class, leave -> hop -> onLeader(leave, hop, () -> leave(leave, hop)))
        .on(Transfer.class, transfer -> hop -> onLeader(transfer, hop,
            () -> membership.transfer(transfer.node()).map(BusJson.class::cast)))
        .on(RaftRequest.Feed.class, request -> hop -> Future.succeededFuture(feed.after(request.after(),
            request.limit() == null ? settings.feedHistory() : request.limit())))
        .on(Discover.class, discover -> hop -> Future.succeededFuture(new Discovered(node.name(),
            node.incarnation().id(), group, NodeEndpoint.idOf(raft.getLocalEndpoint()), stores.ownId(),
            stores.asMap())))
        .on(Removed.class, removed -> hop -> removed(removed.by()))
        .build();
  }

  /**
   * Removes a member, on the leader. A leader asked to remove itself first hands the leadership to
   * another voter and passes the request on to it: a replica that removed itself stops at once and
   * could not answer, and the group would wait an election timeout for a new leader.
   */
  private Future<BusJson> leave(Leave leave, Hop hop) {
    if (!leave.node().equals(node.name())) {
      return membership.leave(leave.node())
          .onSuccess(v -> tellRemoved(leave.node()))
          .compose(v -> status());
    }
    Optional<String> successor = membership.anotherVoter(node.name());
    if (successor.isEmpty()) {
      return Future.failedFuture(FerryException.badRequest(node.name() + " is the only voter of group " + group
          + ": add another node before removing it"));
    }
    return membership.transfer(successor.get()).compose(moved -> hop.forwarded()
        ? Future.succeededFuture(new Redirect(moved.leader()))
        : forward(moved.leader(), leave, hop, 1, () -> leave(leave, hop)));
  }

  private Future<BusJson> status() {
    return Status.of(group, node.name(), raft).map(BusJson.class::cast);
  }

  /**
   * Tells a node it was removed: the leader stops replicating to it at once, so it would never
   * learn it on its own (and would keep asking for votes nobody grants).
   */
  private void tellRemoved(String removed) {
    if (!removed.equals(node.name())) {
      vertx.eventBus().request(Addresses.raftNode(group, removed), new Removed(node.name()).toJson());
    }
  }

  /** The Raft endpoint a node's replica has now (a node that left and came back has a new store generation). */
  private Future<NodeEndpoint> endpointOf(String name) {
    return send(Addresses.raftNode(group, name), new Discover(), Hop.DIRECT, name, Discovered::fromJson)
        .recover(e -> Future.failedFuture(FerryException.badRequest(name + " cannot join group " + group
            + ": its replica does not answer (" + e.getMessage() + "); start the node first")))
        .map(discovered -> NodeEndpoint.parse(discovered.endpoint()));
  }

  /** "You were removed", from a leader: checked with that leader's committed members, then acted on. */
  private Future<BusJson> removed(String by) {
    return send(Addresses.raftNode(group, by), new RaftRequest.Status(), Hop.DIRECT, by, GroupStatus::fromJson)
        .map(status -> {
          boolean out = status.role().equals("leader") && !status.members().contains(node.name());
          if (out) {
            onRemoved.run();
          }
          return new Removal(out);
        });
  }

  /** A leader appeared: requests waiting for one may go on. */
  void leaderKnown() {
    List<Promise<Void>> waiting = List.copyOf(waitingForLeader);
    waitingForLeader.clear();
    waiting.forEach(Promise::tryComplete);
  }

  void stop() {
    List<Promise<Void>> waiting = List.copyOf(waitingForLeader);
    waitingForLeader.clear();
    waiting.forEach(p -> p.tryFail(RaftErrors.noLeader(group, null, "the node is stopping")));
  }

  private Future<BusJson> propose(Propose request, Hop hop) {
    JsonObject op = request.op();
    String encoded = checkSize(op); // a forwarded op was checked where it entered; the leader needs its JSON anyway
    if (!hop.checked()) {
      machine.checkProposal(op);
    }
    return onLeader(request, hop, () -> completed(proposals.propose(op, encoded)));
  }

  private Future<BusJson> query(Query request, Hop hop) {
    JsonObject op = request.op();
    if (!hop.checked()) {
      checkSize(op);
      machine.checkQuery(op);
    }
    QueryOp query = new QueryOp(op);
    return switch (request.consistency()) {
      case LINEARIZABLE -> onLeader(request, hop, () -> read(Future.fromCompletionStage(
          raft.query(query, QueryPolicy.LINEARIZABLE, Optional.empty(), Optional.empty()))));
      case LEASE -> onLeader(request, hop, () -> read(Future.fromCompletionStage(
          raft.query(query, QueryPolicy.LEADER_LEASE, Optional.empty(), Optional.empty()))));
      case EVENTUAL -> eventual(query, request.minIndex());
    };
  }

  /**
   * A read of the local replica once it has applied {@code minIndex}. Waiting for that index is the
   * only thing that can time out here, and a read changes nothing, so a timeout says that this
   * replica has not caught up, never that an op may have been applied.
   */
  private Future<BusJson> eventual(QueryOp query, long minIndex) {
    return completed(Future.fromCompletionStage(raft.query(query, QueryPolicy.EVENTUAL_CONSISTENCY,
        Optional.of(minIndex), Optional.of(settings.requestTimeout()))))
        .recover(e -> RaftErrors.isTimeout(e)
            ? Status.of(group, node.name(), raft).transform(status -> Future.failedFuture(RaftErrors.notCaughtUp(group,
                node.name(), minIndex, status.succeeded() ? status.result().commitIndex() : -1,
                settings.requestTimeout())))
            : Future.failedFuture(e));
  }

  /** The op's JSON, if it is within {@code raft.max_op_bytes}. */
  private String checkSize(JsonObject op) {
    String json = op.encode();
    int size = json.getBytes(StandardCharsets.UTF_8).length;
    if (size > settings.maxOpBytes()) {
      throw new FerryException(FerryException.TOO_LARGE, "the op is " + size + " bytes; group " + group
          + " accepts at most " + settings.maxOpBytes() + " (raft.max_op_bytes)");
    }
    return json;
  }

  /** A read on the leader: its failures say that nothing was changed. */
  private <T> Future<BusJson> read(Future<Ordered<T>> answer) {
    return completed(answer).recover(e -> RaftErrors.isNotLeader(e) ? Future.failedFuture(e)
        : Future.failedFuture(RaftErrors.forRead(group, e)));
  }

  private <T> Future<BusJson> completed(Future<Ordered<T>> answer) {
    return answer
        .timeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .compose(ordered -> {
          Object result = ordered.getResult();
          if (result instanceof FerryException e) {
            return Future.failedFuture(e);
          }
          return Future.succeededFuture(new CommittedReply(ordered.getCommitIndex(),
              result instanceof JsonObject json ? json : null));
        });
  }

  /**
   * Runs {@code local} if this node leads; else forwards the request to the leader. A node that is
   * not a voter and knows no leader relays the request once to a voter, which knows better.
   */
  private Future<BusJson> onLeader(RaftRequest request, Hop hop, Supplier<Future<BusJson>> local) {
    String leader = leader();
    if (node.name().equals(leader)) {
      return local.get().recover(e -> {
        if (!RaftErrors.isNotLeader(e)) {
          return Future.failedFuture(e);
        }
        String hint = leader();
        if (hop.forwarded()) {
          return Future.succeededFuture(new Redirect(hint));
        }
        return hint == null || hint.equals(node.name())
            ? Future.failedFuture(RaftErrors.noLeader(group, null, "leadership was lost"))
            : forward(hint, request, hop, 0, local);
      });
    }
    if (hop.forwarded() && leader == null) {
      // sent here as the leader mid-election (a hand-over, say): answer once this node knows who leads
      return onceElected(local, elected -> Future.succeededFuture(new Redirect(elected)));
    }
    if (hop.forwarded()) {
      return Future.succeededFuture(new Redirect(leader));
    }
    if (leader != null) {
      return forward(leader, request, hop, 1, local);
    }
    if (!isVoter() && !hop.relayed()) {
      return relay(request, hop);
    }
    return onceElected(local, elected -> elected == null
        ? Future.failedFuture(RaftErrors.noLeader(group, null, "no leader was elected in "
            + settings.leaderWait().toMillis() + " ms (no quorum?)"))
        : forward(elected, request, hop, 1, local));
  }

  /**
   * Waits for a leader (at most {@code raft.leader_wait_ms}), then runs {@code local} if this node
   * leads, or {@code otherwise} with the leader this node knows (null: none yet).
   */
  private Future<BusJson> onceElected(Supplier<Future<BusJson>> local, Function<String, Future<BusJson>> otherwise) {
    return awaitLeader().compose(v -> node.name().equals(leader()) ? local.get() : otherwise.apply(leader()));
  }

  /**
   * Runs {@code local} here once this node sees itself lead: a leader pointed here (it handed the
   * leadership over) and this node's own election may not have finished yet.
   */
  private Future<BusJson> asLeader(Supplier<Future<BusJson>> local) {
    if (node.name().equals(leader())) {
      return local.get();
    }
    return onceElected(local, elected -> Future.failedFuture(RaftErrors.noLeader(group, elected,
        "the leadership was handed to this node, which does not lead (yet)")));
  }

  /** Sends the request to the leader's node; its answer is passed on as it came, unless it redirects. */
  private Future<BusJson> forward(String target, RaftRequest request, Hop hop, int retries,
      Supplier<Future<BusJson>> local) {
    return send(Addresses.raftNode(group, target), request, hop.forward(), target, reply -> reply)
        .compose(reply -> {
          if (!Redirect.isOne(reply)) {
            return Future.succeededFuture(BusJson.of(reply));
          }
          String next = Redirect.fromJson(reply).leader();
          if (retries > 0 && next != null && !next.equals(target)) {
            return next.equals(node.name()) ? asLeader(local) : forward(next, request, hop, retries - 1, local);
          }
          return Future.failedFuture(RaftErrors.noLeader(group, next, target + " is no longer the leader"));
        });
  }

  /** A non-voter without a leader in sight asks a voter that is up to serve the request. */
  private Future<BusJson> relay(RaftRequest request, Hop hop) {
    Optional<String> voter = raft.getCommittedMembers().getVotingMembers().stream()
        .map(NodeEndpoint::nameOf)
        .filter(name -> !name.equals(node.name()) && node.members().isUp(name))
        .findFirst();
    if (voter.isEmpty()) {
      return Future.failedFuture(RaftErrors.noLeader(group, null, "no voting member is up"));
    }
    return send(Addresses.raftNode(group, voter.get()), request, hop.relay(), voter.get(), BusJson::of);
  }

  /**
   * Sends {@code request} with {@code hop}'s flags to another node's Raft address; failures are
   * this group's ({@code no-leader} when nothing serves the address: {@code target} is not up).
   */
  private <A> Future<A> send(String address, RaftRequest request, Hop hop, String target,
      Function<JsonObject, A> answer) {
    Duration timeout = request instanceof Join || request instanceof Leave
        ? settings.membershipTimeout() : settings.requestTimeout();
    return bus.whenNobodyServes(a -> RaftErrors.noLeader(group, target, target + " is not reachable"))
        .ask(address, hop.on(request), new DeliveryOptions().setSendTimeout(settings.forwardTimeout(timeout).toMillis()),
            answer);
  }

  private Future<Void> awaitLeader() {
    Promise<Void> promise = Promise.promise();
    waitingForLeader.add(promise);
    long timer = vertx.setTimer(settings.leaderWait().toMillis(), id -> executor.submit(() -> {
      waitingForLeader.remove(promise);
      promise.tryComplete();
    }));
    return promise.future().onComplete(x -> vertx.cancelTimer(timer));
  }

  private String leader() {
    return NodeEndpoint.nameOf(raft.getTerm().getLeaderEndpoint());
  }

  private boolean isVoter() {
    return raft.getEffectiveMembers().getVotingMembers().contains(raft.getLocalEndpoint());
  }
}
