package dev.ferry.core;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Java end of a service's {@link Requests}: sends a typed request as its wire JSON, reads the
 * reply into a typed answer, and turns every failure into a {@link FerryException} in one place:
 * the service's own failure as it sent it ({@link FerryException#from}), the bus's {@code timeout},
 * {@code unavailable} when nothing serves the address (or the failure the client names for that
 * case), and {@code internal} for a reply its reader cannot read. {@link #askEach} asks several
 * nodes at once, each on its own address, the one way ferry asks every member.
 *
 * <p>Immutable, so thread-safe; a future completes on the caller's context when it has one.
 */
public final class BusClient {
  private final Vertx vertx;
  private final Function<String, FerryException> nobodyServes;

  private BusClient(Vertx vertx, Function<String, FerryException> nobodyServes) {
    this.vertx = vertx;
    this.nobodyServes = nobodyServes;
  }

  /** A client that reports an address nobody serves as {@code unavailable}. */
  public static BusClient of(Vertx vertx) {
    return new BusClient(vertx, null);
  }

  /** This client, reporting an address nobody serves as the failure {@code failure} makes of the address. */
  public BusClient whenNobodyServes(Function<String, FerryException> failure) {
    return new BusClient(vertx, failure);
  }

  /**
   * Sends {@code request} to {@code address} and reads the reply with {@code answer} (a
   * {@code fromJson} of a reply record; it may throw on a reply it cannot read).
   *
   * @param request the request, or null for an empty message (an address with one plain question)
   */
  public <A> Future<A> ask(String address, BusJson request, DeliveryOptions options, Function<JsonObject, A> answer) {
    return vertx.eventBus().<JsonObject>request(address, request == null ? null : request.toJson(), options)
        .recover(e -> Future.failedFuture(failure(address, e)))
        .map(reply -> read(address, reply.body(), answer));
  }

  /**
   * Asks each of {@code names} at once, as {@link #ask} does: {@code request.apply(name)} (null for
   * an empty message) on {@code address.apply(name)}, each allowed {@code options}' timeout, its
   * reply read with {@code answer}. Completes when every one has answered or failed, and never fails.
   *
   * @return each name's answer or its {@link FerryException}, in the order of {@code names}
   */
  public <A> Future<Map<String, AsyncResult<A>>> askEach(Collection<String> names, Function<String, String> address,
      Function<String, ? extends BusJson> request, DeliveryOptions options, Function<JsonObject, A> answer) {
    Map<String, Future<A>> asked = new LinkedHashMap<>();
    names.forEach(name -> asked.put(name, ask(address.apply(name), request.apply(name), options, answer)));
    return Future.join(List.copyOf(asked.values()))
        .transform(x -> Future.succeededFuture(Collections.<String, AsyncResult<A>>unmodifiableMap(asked)));
  }

  /** The FerryException behind a failed request to {@code address}. */
  public FerryException failure(String address, Throwable e) {
    return nobodyServes == null ? FerryException.from(e) : FerryException.from(e, () -> nobodyServes.apply(address));
  }

  /**
   * {@code reply}, an answer from {@code address}, read with {@code answer}; a reply it cannot read
   * is {@code internal}, naming the address.
   */
  private static <A> A read(String address, JsonObject reply, Function<JsonObject, A> answer) {
    try {
      return answer.apply(reply == null ? new JsonObject() : reply);
    } catch (ClassCastException | IllegalArgumentException | NullPointerException e) {
      throw new FerryException(FerryException.INTERNAL, "a reply from " + address + " that cannot be read ("
          + e.getMessage() + "): " + reply, e);
    }
  }
}
