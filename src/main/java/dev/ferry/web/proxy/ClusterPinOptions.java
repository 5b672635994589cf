package dev.ferry.web.proxy;

import dev.ferry.ipfs.Cid;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How a proxy call wants the cluster to pin: a pin name and replication bounds, each {@code null}
 * when the call did not say (then the pin service's defaults, {@code pin.replication_*}, apply).
 *
 * <p>Immutable.
 */
record ClusterPinOptions(String name, Integer replicationMin, Integer replicationMax) {

  /**
   * Pins {@code cid} in the cluster under this name, or {@code otherName} when the call gave none
   * (cut to the longest name a pin may have).
   *
   * @return the pinned CID in its canonical form
   */
  Future<String> pin(PinClient pins, Cid cid, String otherName) {
    String pinName = name != null ? name : otherName.substring(0, Math.min(otherName.length(), Pin.MAX_NAME_LENGTH));
    return pins.pin(cid.toString(), pinName, replicationMin, replicationMax).map(pin -> pin.getString("cid"));
  }

  /**
   * Runs {@code step} on each item, one after the other (so the allocator of each pin sees the
   * pins before it), stopping at the first failure; the results in order.
   */
  static <T, R> Future<List<R>> inOrder(List<T> items, Function<T, Future<R>> step) {
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
