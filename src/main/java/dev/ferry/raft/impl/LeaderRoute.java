package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.RaftRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * A client's short way to the leader: a propose or a leader read sent straight to the node that
 * this node's replica reports as the group's leader ({@link Leaders}), as a {@code routed}
 * request ({@link Hop}), rather than to this node's own replica, which would pass it on. When that
 * node no longer leads it answers a redirect without having done anything, and when nothing serves
 * its address (it stopped) nothing was sent: then, and when no leader is known or this node leads,
 * the request takes the ordinary way through this node ({@link Optional#empty()}). Every other
 * failure (a timeout included, after which the op may have been applied) is the request's, as a
 * forwarded request's would be.
 *
 * <p>Immutable, so thread-safe; a future completes on the caller's context when it has one.
 */
public final class LeaderRoute {
  private final String node;
  private final Leaders leaders;
  private final BusClient bus;
  private final DeliveryOptions options;

  /** @param timeout how long the leader's node may take to answer (a forwarded request's timeout) */
  public LeaderRoute(Vertx vertx, String node, Duration timeout) {
    this.node = node;
    this.leaders = Leaders.of(vertx);
    this.bus = BusClient.of(vertx);
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** Whether {@code request} goes to the leader in any case: a propose, or a query that is not {@code eventual}. */
  public static boolean leaderWork(RaftRequest request) {
    return request instanceof RaftRequest.Propose || request instanceof RaftRequest.ReadIndex
        || request instanceof RaftRequest.Query query && query.consistency() != Consistency.EVENTUAL;
  }

  /**
   * The leader's answer to {@code request} (one of {@link #leaderWork}) of {@code group}, read by
   * {@code answer}; empty when it must go through this node instead, having done nothing.
   */
  public <A> Future<Optional<A>> ask(String group, RaftRequest request, Function<JsonObject, A> answer) {
    Optional<String> leader = leaders.leader(group).filter(name -> !name.equals(node));
    if (leader.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    String address = Addresses.raftNode(group, leader.get());
    return bus.ask(address, Hop.ROUTED.on(request), options,
            reply -> Redirect.isOne(reply) ? Optional.<A>empty() : Optional.of(answer.apply(reply)))
        .recover(e -> e.getCause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e));
  }
}
