package dev.ferry.mailbox;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

/**
 * Context identity across Vert.x's duplicated contexts (every handler runs on a duplicate of its
 * verticle's context). Uses Vert.x's internal API, in this one place.
 */
final class Contexts {
  private Contexts() {}

  /** The context a duplicate was made from, or the context itself. */
  static Context root(Context context) {
    return context instanceof ContextInternal internal ? internal.unwrap() : context;
  }

  /**
   * Whether the calling thread runs on {@code root} or a duplicate of it. Asked on every receive,
   * so it avoids type checks against interfaces, which are slow on JDK 17 when threads share
   * the class (JDK-8180450).
   */
  static boolean isCurrent(Context root) {
    ContextInternal current = ContextInternal.current();
    return current != null && current.unwrap() == root;
  }
}
