package dev.ferry.core;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one way code in a node's process finds an object there is one of per node, by its type.
 * Two kinds: a service's Java API (its {@code Mailboxes}, its {@code Circuits}, its
 * {@code Registry}, ...), which the service's verticle publishes when it has started and withdraws
 * when it stops, and callers look up with {@code Mailboxes.of(vertx)} and the like, which call
 * {@link #get}; and an immutable value built from the node's configuration at its first use and
 * kept for the node's life ({@link #once}: each service's config record, as
 * {@code RaftSettings.of(node)}, and stateless clients such as {@code RaftClient.forNode}).
 *
 * <p>Thread-safe: backed by the Vert.x instance's local shared data (one Vert.x per node).
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
    return find(vertx, type).orElseThrow(() -> new FerryException(FerryException.UNAVAILABLE, "no "
        + type.getSimpleName() + " on this node: " + deploy));
  }

  /** The service of this type on the node that runs on {@code vertx}, if one runs here (a service that is optional). */
  public static <T> Optional<T> find(Vertx vertx, Class<T> type) {
    Published found = map(vertx).get(type.getName());
    return found == null ? Optional.empty() : Optional.of(type.cast(found.service()));
  }

  /**
   * The object of this type on the node that runs on {@code vertx}, built by {@code build} at the
   * first call and the same object at every later one. For immutable values only (a config record,
   * a stateless client): two first calls at once may both build, and one of the results is kept
   * for both. A failure of {@code build} (a bad setting) is thrown and nothing is kept.
   */
  public static <T> T once(Vertx vertx, Class<T> type, Supplier<? extends T> build) {
    LocalMap<String, Published> map = map(vertx);
    Published found = map.get(type.getName());
    if (found == null) {
      // built outside the map's lock: building may itself call once() (a client reads its settings)
      Published built = new Published(type.cast(build.get()));
      found = map.putIfAbsent(type.getName(), built);
      if (found == null) {
        found = built;
      }
    }
    return type.cast(found.service());
  }

  private static LocalMap<String, Published> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
