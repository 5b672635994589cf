package dev.ferry.raft;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.impl.CommittedReply;
import dev.ferry.raft.impl.LeaderRoute;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link RaftClient} over the event bus: {@link RaftRequest}s sent and answers read through
 * {@link BusClient} (an address nobody serves is {@code not-found}: no such group); a propose's or
 * query's answer is read by its op ({@link CommittedReply#readBy}). With a node
 * name it talks to that node's internal Raft address and knows its groups; without, to
 * {@code ferry.raft.<group>}. The client of a node ({@link #forNode}) sends a propose or a leader
 * read straight to the leader's node when its node knows the leader ({@link LeaderRoute}), and
 * through its node otherwise. Thread-safe: immutable.
 */
final class BusRaftClient implements RaftClient {
  private final Vertx vertx;
  private final BusClient bus;
  private final String nodeName;
  private final Set<String> groups;
  private final DeliveryOptions requestOptions;
  private final DeliveryOptions membershipOptions;
  /** The short way to the leader; null: every request goes to {@code nodeName}'s (or the group's) address. */
  private final LeaderRoute route;

  BusRaftClient(Vertx vertx, String nodeName, Set<String> groups, Duration requestTimeout,
      Duration membershipTimeout) {
    this(vertx, nodeName, groups, requestTimeout, membershipTimeout, null);
  }

  private BusRaftClient(Vertx vertx, String nodeName, Set<String> groups, Duration requestTimeout,
      Duration membershipTimeout, LeaderRoute route) {
    this.vertx = vertx;
    this.route = route;
    this.bus = BusClient.of(vertx);
    this.nodeName = nodeName;
    this.groups = groups == null ? null : Set.copyOf(groups);
    this.requestOptions = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis());
    this.membershipOptions = new DeliveryOptions().setSendTimeout(membershipTimeout.toMillis());
  }

  @Override
  public <A> Future<Committed<A>> propose(String group, RaftOp<A> op) {
    return request(group, new RaftRequest.Propose(op.toJson()), json -> CommittedReply.fromJson(json).readBy(op));
  }

  @Override
  public <A> Future<Committed<A>> query(String group, RaftQuery<A> op, Consistency consistency, long minIndex) {
    return request(group, new RaftRequest.Query(op.toJson(), consistency, minIndex),
        json -> CommittedReply.fromJson(json).readBy(op));
  }

  @Override
  public Future<Long> readIndex(String group) {
    return request(group, new RaftRequest.ReadIndex(), json -> CommittedReply.fromJson(json).index());
  }

  @Override
  public Future<GroupStatus> status(String group) {
    return request(group, new RaftRequest.Status(), GroupStatus::fromJson);
  }

  @Override
  public Future<GroupStatus> join(String group, String node, boolean learnerOnly) {
    return request(group, new RaftRequest.Join(node, learnerOnly), GroupStatus::fromJson);
  }

  @Override
  public Future<GroupStatus> leave(String group, String node) {
    return request(group, new RaftRequest.Leave(node), GroupStatus::fromJson);
  }

  @Override
  public Future<String> transferLeadership(String group, String node) {
    return request(group, new RaftRequest.Transfer(node), Transferred::fromJson).map(Transferred::leader);
  }

  @Override
  public Future<Discovered> discover(String address) {
    return bus.whenNobodyServes(a -> FerryException.notFound("nothing answers at " + a))
        .ask(address, new RaftRequest.Discover(), requestOptions, Discovered::fromJson);
  }

  @Override
  public Future<List<FeedEntry>> feed(String group, FeedPosition after) {
    return request(group, new RaftRequest.Feed(after, null), FeedPage::fromJson).map(FeedPage::entries);
  }

  /** The node's client, built from its {@link RaftSettings} at the first call and kept for the node ({@link LocalServices#once}). */
  static RaftClient forNode(NodeContext node) {
    return LocalServices.once(node.vertx(), RaftClient.class, () -> {
      RaftSettings settings = RaftSettings.of(node);
      return new BusRaftClient(node.vertx(), node.name(), settings.groups().keySet(),
          settings.clientTimeout(settings.requestTimeout()), settings.clientTimeout(settings.membershipTimeout()),
          new LeaderRoute(node.vertx(), node.name(), settings.forwardTimeout(settings.requestTimeout())));
    });
  }

  @Override
  public Future<FeedSubscription> follow(String group, FeedPosition after, Handler<FeedEntry> handler) {
    Context context = vertx.getOrCreateContext();
    Promise<FeedSubscription> promise = Promise.promise();
    context.runOnContext(v -> new Follower(after, handler).start(group).onComplete(promise));
    return promise.future();
  }

  /**
   * Subscribes first, then fetches the history, then replays what arrived meanwhile, delivering
   * only what lies after the last position delivered: no gap, no repeat, also inside a batch.
   */
  private final class Follower {
    private final Handler<FeedEntry> handler;
    private final List<FeedEntry> early = new ArrayList<>();
    private FeedPosition last;
    private boolean live;

    Follower(FeedPosition after, Handler<FeedEntry> handler) {
      this.last = after;
      this.handler = handler;
    }

    Future<FeedSubscription> start(String group) {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.raftLog(group), m -> {
        FeedEntry entry = FeedEntry.fromJson(m.body());
        if (live) {
          deliver(entry);
        } else {
          early.add(entry);
        }
      });
      return consumer.completion()
          .compose(v -> feed(group, last))
          .map(history -> {
            history.forEach(this::deliver);
            early.forEach(this::deliver);
            early.clear();
            live = true;
            return (FeedSubscription) consumer::unregister;
          })
          .onFailure(e -> consumer.unregister());
    }

    private void deliver(FeedEntry entry) {
      if (entry.position().isAfter(last)) {
        last = entry.position();
        handler.handle(entry);
      }
    }
  }

  private <A> Future<A> request(String group, RaftRequest request, Function<JsonObject, A> answer) {
    if (groups != null && !groups.contains(group)) {
      return Future.failedFuture(FerryException.notFound("no Raft group '" + group + "' on node " + nodeName
          + " (groups: " + String.join(", ", groups) + ")"));
    }
    if (route != null && LeaderRoute.leaderWork(request)) {
      return route.ask(group, request, answer).compose(leaders -> leaders.isPresent()
          ? Future.succeededFuture(leaders.get()) : viaNode(group, request, answer));
    }
    return viaNode(group, request, answer);
  }

  /** {@code request} sent to this client's node (or to the group's address), which forwards it where it must go. */
  private <A> Future<A> viaNode(String group, RaftRequest request, Function<JsonObject, A> answer) {
    String address = nodeName == null ? Addresses.raft(group) : Addresses.raftNode(group, nodeName);
    DeliveryOptions options = request instanceof RaftRequest.Join || request instanceof RaftRequest.Leave
        ? membershipOptions : requestOptions;
    return bus.whenNobodyServes(a -> FerryException.notFound("no node serves Raft group '" + group + "'"))
        .ask(address, request, options, answer);
  }
}
