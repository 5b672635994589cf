package dev.ferry.raft;

import dev.ferry.node.Addresses;
import dev.ferry.node.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@link RaftClient} over the event bus. With a node name it talks to that node's internal Raft
 * address and knows its groups; without, to {@code ferry.raft.<group>}. Thread-safe: immutable.
 */
final class BusRaftClient implements RaftClient {
  private final Vertx vertx;
  private final String nodeName;
  private final Set<String> groups;
  private final DeliveryOptions requestOptions;
  private final DeliveryOptions membershipOptions;

  BusRaftClient(Vertx vertx, String nodeName, Set<String> groups, Duration requestTimeout,
      Duration membershipTimeout) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.groups = groups == null ? null : Set.copyOf(groups);
    this.requestOptions = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis());
    this.membershipOptions = new DeliveryOptions().setSendTimeout(membershipTimeout.toMillis());
  }

  @Override
  public Future<Committed> propose(String group, JsonObject op) {
    return request(group, new JsonObject().put("action", "propose").put("op", op)).map(Committed::fromJson);
  }

  @Override
  public Future<Committed> query(String group, JsonObject op, Consistency consistency, long minIndex) {
    return request(group, new JsonObject().put("action", "query").put("op", op)
        .put("consistency", consistency.wireName()).put("minIndex", minIndex)).map(Committed::fromJson);
  }

  @Override
  public Future<GroupStatus> status(String group) {
    return request(group, new JsonObject().put("action", "status")).map(GroupStatus::fromJson);
  }

  @Override
  public Future<GroupStatus> join(String group, String node, boolean learnerOnly) {
    return request(group, new JsonObject().put("action", "join").put("node", node).put("learner", learnerOnly))
        .map(GroupStatus::fromJson);
  }

  @Override
  public Future<GroupStatus> leave(String group, String node) {
    return request(group, new JsonObject().put("action", "leave").put("node", node)).map(GroupStatus::fromJson);
  }

  @Override
  public Future<String> transferLeadership(String group, String node) {
    return request(group, new JsonObject().put("action", "transfer").put("node", node))
        .map(reply -> reply.getString("leader"));
  }

  @Override
  public Future<JsonObject> discover(String address) {
    return vertx.eventBus().<JsonObject>request(address, new JsonObject().put("action", "discover"), requestOptions)
        .map(reply -> reply.body())
        .recover(e -> Future.failedFuture(failure(e, "nothing answers at " + address)));
  }

  @Override
  public Future<List<FeedEntry>> feed(String group, FeedPosition after) {
    JsonObject request = new JsonObject().put("action", "feed").put("after", after.index());
    if (after.offset() != FeedPosition.WHOLE_ENTRY) {
      request.put("offset", after.offset());
    }
    return request(group, request).map(reply -> {
      List<FeedEntry> entries = new ArrayList<>();
      for (Object e : reply.getJsonArray("entries", new JsonArray())) {
        entries.add(FeedEntry.fromJson((JsonObject) e));
      }
      return entries;
    });
  }

  @Override
  public Future<MessageConsumer<JsonObject>> follow(String group, FeedPosition after, Handler<FeedEntry> handler) {
    Context context = vertx.getOrCreateContext();
    Promise<MessageConsumer<JsonObject>> promise = Promise.promise();
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

    Future<MessageConsumer<JsonObject>> start(String group) {
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
            return consumer;
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

  private Future<JsonObject> request(String group, JsonObject body) {
    if (groups != null && !groups.contains(group)) {
      return Future.failedFuture(FerryException.notFound("no Raft group '" + group + "' on node " + nodeName
          + " (groups: " + String.join(", ", groups) + ")"));
    }
    String address = nodeName == null ? Addresses.raft(group) : Addresses.raftNode(group, nodeName);
    String action = body.getString("action");
    DeliveryOptions options = action.equals("join") || action.equals("leave") ? membershipOptions : requestOptions;
    return vertx.eventBus().<JsonObject>request(address, body, options)
        .map(reply -> reply.body())
        .recover(e -> Future.failedFuture(failure(e, "no node serves Raft group '" + group + "'")));
  }

  private static FerryException failure(Throwable e, String noHandlers) {
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
      return FerryException.notFound(noHandlers);
    }
    return FerryException.from(e);
  }
}
