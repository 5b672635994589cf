package dev.ferry.web;

import dev.ferry.core.BusClient;
import dev.ferry.core.BusJson;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A plain question each node answers on its own node-internal address ({@code ferry.node.<name>...},
 * asked with an empty message): this node answers it ({@link #serve}, through
 * {@link Requests#reply}, so a failure reaches the asker with its code), and the API asks it of some
 * nodes or every member at once ({@link #ask}, through {@link BusClient#askEach}), each allowed the
 * same timeout. The one piece behind {@link RepoGc}, {@link RepoStats} and {@link ClusterQueries};
 * each words the answers its own way.
 *
 * <p>Immutable; answers complete on the caller's context, and {@link #serve}'s answers are made on
 * the consumer's (the verticle's event loop).
 */
final class NodeQuestion {
  private final Vertx vertx;
  private final NodeContext node;
  private final Function<String, String> address;
  private final DeliveryOptions options;

  /**
   * @param address the address node {@code name} answers on ({@code Addresses::nodeIpfsGc}, ...)
   * @param timeout how long each node may take to answer
   */
  NodeQuestion(Vertx vertx, NodeContext node, Function<String, String> address, Duration timeout) {
    this.vertx = vertx;
    this.node = node;
    this.address = address;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** Answers the question on this node with what {@code answer} makes of it (one consumer per call). */
  Future<Void> serve(Supplier<Future<? extends BusJson>> answer) {
    return vertx.eventBus().consumer(address.apply(node.name()), message -> Requests.replyWith(message, answer))
        .completion();
  }

  /** Every current member's answer or failure, asked at once, by name in name order; never fails. */
  Future<Map<String, AsyncResult<JsonObject>>> askMembers() {
    return ask(node.members().names().stream().sorted().toList());
  }

  /**
   * Each of {@code names}' answer (its reply's JSON) or failure (a {@code FerryException}), asked at
   * once, in the order of {@code names}; never fails.
   */
  Future<Map<String, AsyncResult<JsonObject>>> ask(List<String> names) {
    return BusClient.of(vertx).askEach(names, address, name -> null, options, json -> json);
  }
}
