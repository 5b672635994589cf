package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * Asks the cluster's pin service on {@code ferry.pin} (docs/ADDRESSES.md), so callers outside this
 * package need not build its requests. Answers are the service's JSON; failures are
 * {@link FerryException}s with the service's code ({@code bad-request}, {@code not-found},
 * {@code unavailable}, ...).
 *
 * <p>Thread-safe; answers complete on the caller's context.
 */
public final class PinClient {
  private final Vertx vertx;
  private final DeliveryOptions options;

  /** A client whose requests wait at most {@code timeout} for the service's answer. */
  public PinClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** Pins {@code cid} in the cluster as {@code options} say; the pin as the pinset now holds it. */
  public Future<JsonObject> pin(String cid, PinOptions options) {
    return ask(options.request(cid));
  }

  /** Removes the pin of {@code cid}; {@code not-found} if there is none. */
  public Future<JsonObject> unpin(String cid) {
    return ask(op("unpin", cid));
  }

  /** The pin of {@code cid}; {@code not-found} if there is none. */
  public Future<JsonObject> get(String cid) {
    return ask(op("get", cid));
  }

  /** The pin of {@code cid} with each allocated node's status of it ({@code "peer_map"}). */
  public Future<JsonObject> status(String cid) {
    return ask(op("status", cid));
  }

  /** As {@link #status}, after each allocated node retried a failed pin. */
  public Future<JsonObject> recover(String cid) {
    return ask(op("recover", cid));
  }

  /** Every pin of the pinset. */
  public Future<JsonArray> list() {
    return ask(new JsonObject().put("op", "list")).map(body -> body.getJsonArray("pins"));
  }

  private static JsonObject op(String op, String cid) {
    return new JsonObject().put("op", op).put("cid", cid);
  }

  private Future<JsonObject> ask(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.PIN, request, options)
        .transform(reply -> reply.succeeded() ? Future.succeededFuture(reply.result().body())
            : Future.failedFuture(FerryException.from(reply.cause())));
  }
}
