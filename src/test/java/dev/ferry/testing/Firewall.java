package dev.ferry.testing;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Network faults between the nodes of a {@link TestCluster.JvmCluster}, made with outbound
 * event-bus interceptors: a node drops (or holds) what it sends, while Hazelcast membership stays
 * whole, as when only the bus links fail; and rules on what a node receives
 * ({@link #interceptInbound}: changed on its way in, as a hijacked answer would be). One firewall
 * per cluster, as MicroRaft's {@code LocalRaftGroup} has; {@link #heal} removes every rule of the
 * running nodes.
 *
 * <p>Rules run on the senders' event-bus threads; adding and healing is for the test thread.
 */
public final class Firewall {
  private final TestCluster.JvmCluster cluster;
  private final Map<Integer, List<Rule>> rules = new HashMap<>();

  /** A rule on a node's bus, on what it sends or (inbound) what it receives. */
  private record Rule(Handler<DeliveryContext<Object>> handler, boolean inbound) {}

  public Firewall(TestCluster.JvmCluster cluster) {
    this.cluster = cluster;
  }

  /** Node {@code from} drops every message it sends to an address that {@code address} accepts. */
  public void dropMessagesTo(int from, Predicate<String> address) {
    intercept(from, ctx -> {
      if (!address.test(ctx.message().address())) {
        ctx.next();
      }
    });
  }

  /**
   * Cuts the traffic between {@code a} and {@code b} both ways: each node of one side drops what
   * it sends to {@code addressesOf} a node of the other side (given that node's name). Nodes in
   * neither set keep hearing both.
   */
  public void split(Set<Integer> a, Set<Integer> b, Function<String, Predicate<String>> addressesOf) {
    cut(a, b, addressesOf);
    cut(b, a, addressesOf);
  }

  /** A rule of any kind on node {@code from}: it must call {@code ctx.next()} for what passes. */
  public void intercept(int from, Handler<DeliveryContext<Object>> rule) {
    cluster.node(from).vertx().eventBus().addOutboundInterceptor(rule);
    rules.computeIfAbsent(from, k -> new ArrayList<>()).add(new Rule(rule, false));
  }

  /**
   * A rule on what node {@code at} receives, before its consumers see it: it may change the
   * message, and must call {@code ctx.next()} for what passes.
   */
  public void interceptInbound(int at, Handler<DeliveryContext<Object>> rule) {
    cluster.node(at).vertx().eventBus().addInboundInterceptor(rule);
    rules.computeIfAbsent(at, k -> new ArrayList<>()).add(new Rule(rule, true));
  }

  /** Removes every rule from the running nodes (a stopped node's went with it). */
  public void heal() {
    rules.forEach((i, list) -> {
      if (cluster.isRunning(i)) {
        EventBus bus = cluster.node(i).vertx().eventBus();
        for (Rule rule : list) {
          if (rule.inbound()) {
            bus.removeInboundInterceptor(rule.handler());
          } else {
            bus.removeOutboundInterceptor(rule.handler());
          }
        }
      }
    });
    rules.clear();
  }

  /** Forgets the rules of node {@code i}, which stopped. */
  public void forget(int i) {
    rules.remove(i);
  }

  private void cut(Set<Integer> from, Set<Integer> to, Function<String, Predicate<String>> addressesOf) {
    Predicate<String> blocked = to.stream().map(j -> addressesOf.apply(cluster.name(j))).reduce(Predicate::or)
        .orElse(a -> false);
    for (int i : from) {
      if (cluster.isRunning(i)) {
        dropMessagesTo(i, blocked);
      }
    }
  }
}
