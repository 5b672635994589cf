package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.FeedPosition;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.RaftSettings;
import dev.ferry.raft.StateMachine;
import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The client API of one group on one node: {@code propose}, {@code query}, {@code status},
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
  }

  /** Answers one request; {@code forwarded} when another node sent it here because this one leads. */
  Future<JsonObject> handle(JsonObject body, boolean forwarded) {
    try {
      String action = body.getString("action");
      if (action == null) {
        throw FerryException.badRequest("a Raft request needs an \"action\": propose, query, status, join, leave, "
            + "transfer, feed or discover");
      }
      return switch (action) {
        case "propose" -> propose(body, forwarded);
        case "query" -> query(body, forwarded);
        case "status" -> Status.of(group, node.name(), raft).map(s -> s.toJson());
        case "join" -> onLeader(body, forwarded, () -> endpointOf(name(body))
            .compose(endpoint -> membership.join(endpoint, body.getBoolean("learner", false)))
            .compose(v -> Status.of(group, node.name(), raft)).map(s -> s.toJson()));
        case "leave" -> onLeader(body, forwarded, () -> membership.leave(name(body))
            .onSuccess(v -> tellRemoved(name(body)))
            .compose(v -> Status.of(group, node.name(), raft)).map(s -> s.toJson()));
        case "removed" -> removed(body);
        case "transfer" -> onLeader(body, forwarded, () -> membership.transfer(name(body)));
        case "feed" -> Future.succeededFuture(feed.after(feedPosition(body),
            body.getInteger("limit", settings.feedHistory())));
        case "discover" -> Future.succeededFuture(new JsonObject().put("node", node.name())
            .put("incarnation", node.incarnation().id()).put("group", group)
            .put("endpoint", NodeEndpoint.idOf(raft.getLocalEndpoint()))
            .put("storeId", stores.ownId()).put("stores", stores.toJson()));
        default -> throw FerryException.badRequest("unknown action '" + action + "': expected propose, query, "
            + "status, join, leave, transfer, feed or discover");
      };
    } catch (FerryException | ClassCastException e) {
      return Future.failedFuture(e instanceof FerryException ? e : FerryException.badRequest(e.getMessage()));
    }
  }

  /** A feed request's position: {@code after} (an index) and, to resume inside an entry, {@code offset}. */
  private static FeedPosition feedPosition(JsonObject body) {
    long after = body.getLong("after", 0L);
    Integer offset = body.getInteger("offset");
    if (after < 0 || (offset != null && offset < 0)) {
      throw FerryException.badRequest("feed: \"after\" and \"offset\" are at least 0, got " + after + " and "
          + offset);
    }
    return offset == null ? FeedPosition.afterEntry(after) : new FeedPosition(after, offset);
  }

  /**
   * Tells a node it was removed: the leader stops replicating to it at once, so it would never
   * learn it on its own (and would keep asking for votes nobody grants).
   */
  private void tellRemoved(String removed) {
    if (!removed.equals(node.name())) {
      vertx.eventBus().request(Addresses.raftNode(group, removed), new JsonObject().put("action", "removed")
          .put("by", node.name()));
    }
  }

  /** The Raft endpoint a node's replica has now (a node that left and came back has a new store generation). */
  private Future<NodeEndpoint> endpointOf(String name) {
    return send(Addresses.raftNode(group, name), new JsonObject().put("action", "discover"), name)
        .recover(e -> Future.failedFuture(FerryException.badRequest(name + " cannot join group " + group
            + ": its replica does not answer (" + e.getMessage() + "); start the node first")))
        .map(reply -> NodeEndpoint.parse(reply.getString("endpoint")));
  }

  /** "You were removed", from a leader: checked with that leader's committed members, then acted on. */
  private Future<JsonObject> removed(JsonObject body) {
    String by = name(body.copy().put("node", body.getString("by")));
    return send(Addresses.raftNode(group, by), new JsonObject().put("action", "status"), by)
        .map(s -> {
          GroupStatus status = GroupStatus.fromJson(s);
          boolean out = status.role().equals("leader") && !status.members().contains(node.name());
          if (out) {
            onRemoved.run();
          }
          return new JsonObject().put("removed", out);
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

  private Future<JsonObject> propose(JsonObject body, boolean forwarded) {
    JsonObject op = shapedOp(body);
    String encoded = checkSize(op); // a forwarded op was checked where it entered; the leader needs its JSON anyway
    if (!forwarded) {
      machine.checkProposal(op);
    }
    return onLeader(body, forwarded, () -> completed(proposals.propose(op, encoded)));
  }

  private Future<JsonObject> query(JsonObject body, boolean forwarded) {
    JsonObject op = op(body, forwarded);
    Consistency consistency = Consistency.parse(body.getString("consistency"));
    if (!forwarded) {
      machine.checkQuery(op);
    }
    QueryOp query = new QueryOp(op);
    return switch (consistency) {
      case LINEARIZABLE -> onLeader(body, forwarded, () -> read(Future.fromCompletionStage(
          raft.query(query, QueryPolicy.LINEARIZABLE, Optional.empty(), Optional.empty()))));
      case LEASE -> onLeader(body, forwarded, () -> read(Future.fromCompletionStage(
          raft.query(query, QueryPolicy.LEADER_LEASE, Optional.empty(), Optional.empty()))));
      case EVENTUAL -> eventual(query, body.getLong("minIndex", 0L));
    };
  }

  /**
   * A read of the local replica once it has applied {@code minIndex}. Waiting for that index is the
   * only thing that can time out here, and a read changes nothing, so a timeout says that this
   * replica has not caught up, never that an op may have been applied.
   */
  private Future<JsonObject> eventual(QueryOp query, long minIndex) {
    return completed(Future.fromCompletionStage(raft.query(query, QueryPolicy.EVENTUAL_CONSISTENCY,
        Optional.of(minIndex), Optional.of(settings.requestTimeout()))))
        .recover(e -> RaftErrors.isTimeout(e)
            ? Status.of(group, node.name(), raft).transform(status -> Future.failedFuture(RaftErrors.notCaughtUp(group,
                node.name(), minIndex, status.succeeded() ? status.result().commitIndex() : -1,
                settings.requestTimeout())))
            : Future.failedFuture(e));
  }

  /** The op of a propose or query request, checked for shape and (where it entered) size. */
  private JsonObject op(JsonObject body, boolean forwarded) {
    JsonObject op = shapedOp(body);
    if (!forwarded) {
      checkSize(op);
    }
    return op;
  }

  private static JsonObject shapedOp(JsonObject body) {
    if (!(body.getValue("op") instanceof JsonObject op)) {
      throw FerryException.badRequest("\"op\" must be a JSON object");
    }
    return op;
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

  private static String name(JsonObject body) {
    String name = body.getString("node");
    if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
      throw FerryException.badRequest("\"node\" must name a node, got " + name);
    }
    return name;
  }

  /** A read on the leader: its failures say that nothing was changed. */
  private <T> Future<JsonObject> read(Future<Ordered<T>> answer) {
    return completed(answer).recover(e -> RaftErrors.isNotLeader(e) ? Future.failedFuture(e)
        : Future.failedFuture(RaftErrors.forRead(group, e)));
  }

  private <T> Future<JsonObject> completed(Future<Ordered<T>> answer) {
    return answer
        .timeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .compose(ordered -> {
          Object result = ordered.getResult();
          if (result instanceof FerryException e) {
            return Future.failedFuture(e);
          }
          return Future.succeededFuture(new Committed(ordered.getCommitIndex(),
              result instanceof JsonObject json ? json : null).toJson());
        });
  }

  /**
   * Runs {@code local} if this node leads; else forwards the request to the leader. A node that is
   * not a voter and knows no leader relays the request once to a voter, which knows better.
   */
  private Future<JsonObject> onLeader(JsonObject body, boolean forwarded, Supplier<Future<JsonObject>> local) {
    String leader = leader();
    if (node.name().equals(leader)) {
      return local.get().recover(e -> {
        if (!RaftErrors.isNotLeader(e)) {
          return Future.failedFuture(e);
        }
        String hint = leader();
        if (forwarded) {
          return Future.succeededFuture(redirect(hint));
        }
        return hint == null || hint.equals(node.name())
            ? Future.failedFuture(RaftErrors.noLeader(group, null, "leadership was lost"))
            : forward(hint, body, 0, local);
      });
    }
    if (forwarded) {
      return Future.succeededFuture(redirect(leader));
    }
    if (leader != null) {
      return forward(leader, body, 1, local);
    }
    if (!isVoter() && !body.getBoolean("relayed", false)) {
      return relay(body);
    }
    return awaitLeader().compose(v -> {
      String elected = leader();
      if (elected == null) {
        return Future.failedFuture(RaftErrors.noLeader(group, null, "no leader was elected in "
            + settings.leaderWait().toMillis() + " ms (no quorum?)"));
      }
      return elected.equals(node.name()) ? local.get() : forward(elected, body, 1, local);
    });
  }

  private Future<JsonObject> forward(String target, JsonObject body, int retries, Supplier<Future<JsonObject>> local) {
    return send(Addresses.raftNode(group, target), body.copy().put("forwarded", true), target)
        .compose(reply -> {
          if (!reply.containsKey("redirect")) {
            return Future.succeededFuture(reply);
          }
          String next = reply.getString("redirect");
          if (retries > 0 && next != null && !next.equals(target)) {
            return next.equals(node.name()) ? local.get() : forward(next, body, retries - 1, local);
          }
          return Future.failedFuture(RaftErrors.noLeader(group, next, target + " is no longer the leader"));
        });
  }

  /** A non-voter without a leader in sight asks a voter that is up to serve the request. */
  private Future<JsonObject> relay(JsonObject body) {
    Optional<String> voter = raft.getCommittedMembers().getVotingMembers().stream()
        .map(NodeEndpoint::nameOf)
        .filter(name -> !name.equals(node.name()) && node.members().isUp(name))
        .findFirst();
    if (voter.isEmpty()) {
      return Future.failedFuture(RaftErrors.noLeader(group, null, "no voting member is up"));
    }
    return send(Addresses.raftNode(group, voter.get()), body.copy().put("relayed", true), voter.get());
  }

  private Future<JsonObject> send(String address, JsonObject body, String target) {
    long timeout = settings.forwardTimeout(deadline(body)).toMillis();
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeout))
        .map(reply -> reply.body())
        .recover(e -> {
          if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.failedFuture(RaftErrors.noLeader(group, target, target + " is not reachable"));
          }
          return Future.failedFuture(RaftErrors.of(group, e));
        });
  }

  private Duration deadline(JsonObject body) {
    String action = body.getString("action");
    return "join".equals(action) || "leave".equals(action) ? settings.membershipTimeout() : settings.requestTimeout();
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

  private static JsonObject redirect(String leader) {
    return new JsonObject().put("redirect", leader);
  }

  private String leader() {
    return NodeEndpoint.nameOf(raft.getTerm().getLeaderEndpoint());
  }

  private boolean isVoter() {
    return raft.getEffectiveMembers().getVotingMembers().contains(raft.getLocalEndpoint());
  }
}
