package dev.ferry.web;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Asks some nodes the same empty question over the bus at once, each on its own address, and
 * hands back every node's answer or failure: the one way the API asks every member
 * ({@link ClusterQueries}, {@link RepoGc}, {@link RepoStats}); each caller words the answers.
 *
 * <p>Stateless; the future completes on the caller's context.
 */
final class AskEach {
  private AskEach() {}

  /**
   * Sends an empty request to {@code address.apply(name)} for each of {@code names} at once, each
   * allowed {@code timeout}; completes when all have answered or failed, never fails.
   *
   * @return each name's reply body or failure, in the order of {@code names}
   */
  static Future<Map<String, AsyncResult<JsonObject>>> ask(Vertx vertx, List<String> names,
      Function<String, String> address, Duration timeout) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    Map<String, Future<JsonObject>> asked = new LinkedHashMap<>();
    names.forEach(name -> asked.put(name, vertx.eventBus().<JsonObject>request(address.apply(name), null, options)
        .map(reply -> reply.body())));
    return Future.join(List.copyOf(asked.values()))
        .transform(x -> Future.succeededFuture(Collections.<String, AsyncResult<JsonObject>>unmodifiableMap(asked)));
  }
}
