package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.exchange.ClusterPins;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * The pin service's answer to the block exchange's {@link ClusterPins}, from the cluster's status
 * of the root ({@link PinClient#status}, asked of this node's service): published by the
 * {@link PinVerticle} while it runs.
 *
 * <p>Thread-safe (stateless); answers complete on the caller's context.
 */
final class ExchangePins implements ClusterPins {
  private final PinClient pins;

  /** @param pins this node's pin client ({@link PinClient#forNode}) */
  ExchangePins(PinClient pins) {
    this.pins = pins;
  }

  @Override
  public Future<Held> held(Cid root) {
    return pins.status(root.toString(), 0).transform(status -> {
      if (status.succeeded()) {
        return Future.succeededFuture(heldByAllocations(status.result()) ? Held.BY_ALLOCATIONS : Held.NOT_YET);
      }
      return FerryException.NOT_FOUND.equals(FerryException.from(status.cause()).code())
          ? Future.succeededFuture(Held.NO_PIN) : Future.failedFuture(status.cause());
    });
  }

  /**
   * Whether every node the pin is allocated to reports it pinned; for a pin on every node, every
   * peer that answered (a peer that is down cannot take it now, and the others hold it). Peers the
   * pin is not allocated to ({@code remote}) do not count.
   */
  private static boolean heldByAllocations(PinReply.Status pin) {
    Map<String, PinReply.NodeStatus> peerMap = pin.peerMap();
    List<String> allocations = pin.pin().allocations();
    if (!allocations.isEmpty()) {
      return allocations.stream().allMatch(node -> peerMap.containsKey(node)
          && PinTracker.PINNED.equals(peerMap.get(node).status()));
    }
    List<String> answered = peerMap.values().stream().map(PinReply.NodeStatus::status)
        .filter(status -> !PinStatuses.CLUSTER_ERROR.equals(status)).toList();
    return !answered.isEmpty() && answered.stream().allMatch(PinTracker.PINNED::equals);
  }
}
