package dev.ferry.web.proxy;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Steps run one after the other, as the proxy pins several CIDs: each allocation sees the pins before it. */
final class InOrder {
  private InOrder() {}

  /** Runs {@code step} on each item in turn, stopping at the first failure; the results in order. */
  static <T, R> Future<List<R>> each(List<T> items, Function<T, Future<R>> step) {
    List<R> results = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(x -> step.apply(item).map(result -> {
        results.add(result);
        return null;
      }));
    }
    return chain.map(x -> results);
  }
}
