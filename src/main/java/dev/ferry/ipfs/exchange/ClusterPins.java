package dev.ferry.ipfs.exchange;

import dev.ferry.ipfs.Cid;
import io.vertx.core.Future;

/**
 * What the block exchange asks of the cluster's pinning before it lifts an add's protection
 * ({@link Handoff}): whether the nodes the cluster's pin of a root is allocated to hold it.
 * Declared here and implemented by the pin service, which publishes it on its node with
 * {@code core.LocalServices} while it runs: pinning uses the content store, so the store's side
 * asks through this interface rather than through pinning's client, and the two packages do not
 * depend on each other (docs/ARCHITECTURE.md, "Layers").
 *
 * <p>Implementations are thread-safe; answers complete on the caller's context.
 */
public interface ClusterPins {
  /** Where the cluster's pin of a root stands, for the handoff. */
  enum Held {
    /**
     * Every node the pin is allocated to reports it pinned; for a pin on every node, every node
     * that answered does.
     */
    BY_ALLOCATIONS,
    /** A node the pin is allocated to does not report it pinned yet. */
    NOT_YET,
    /** No cluster pin names the root. */
    NO_PIN
  }

  /**
   * Where the cluster's pin of {@code root} stands; fails when the pin service cannot answer now,
   * or not within its request timeout (ask again later).
   */
  Future<Held> held(Cid root);
}
