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

  /** Whether two contexts are the same once unwrapped; null is never the same. */
  static boolean same(Context a, Context b) {
    return a != null && b != null && root(a) == root(b);
  }
}
