package dev.ferry.core;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

/**
 * The one way code in a node's process finds a service's Java API (its {@code Mailboxes}, its
 * {@code Circuits}, its {@code Registry}, ...): the service's verticle publishes the object when it
 * has started and withdraws it when it stops; callers look it up by type with
 * {@code Mailboxes.of(vertx)} and the like, which call {@link #get}.
 *
 * <p>Thread-safe: backed by the Vert.x instance's local shared data.
 */
public final class LocalServices {
  private static final String MAP = "ferry.services";

  /** What the local map holds: the service object, whatever its type, as Vert.x needs a {@link Shareable}. */
  private record Published(Object service) implements Shareable {}

  private LocalServices() {}

  /** Makes {@code service} the one of its type on this node (replacing an earlier one). */
  public static <T> void publish(Vertx vertx, Class<T> type, T service) {
    map(vertx).put(type.getName(), new Published(service));
  }

  /** Withdraws {@code service}, if it is still the one published for its type. */
  public static <T> void withdraw(Vertx vertx, Class<T> type, T service) {
    map(vertx).removeIfPresent(type.getName(), new Published(service));
  }

  /**
   * The service of this type on the node that runs on {@code vertx}.
   *
   * @param deploy what the operator must deploy when it is missing (the verticle's descriptor)
   * @throws FerryException {@code unavailable} naming {@code deploy} when no such service runs here
   */
  public static <T> T get(Vertx vertx, Class<T> type, String deploy) {
    Published found = map(vertx).get(type.getName());
    if (found == null) {
      throw new FerryException(FerryException.UNAVAILABLE, "no " + type.getSimpleName() + " on this node: "
          + deploy);
    }
    return type.cast(found.service());
  }

  private static LocalMap<String, Published> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
