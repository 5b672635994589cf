package dev.ferry.pin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tracker's status per CID ({@link PinTracker.Local}), counted by status in its
 * {@link TrackerMetrics} as it changes, so {@code ferry_pins{status}} needs no walk over the pins.
 *
 * <p>Not thread-safe: owned by the tracker's context.
 */
final class LocalStatuses {
  private final Map<String, PinTracker.Local> byCid = new HashMap<>();
  private final TrackerMetrics metrics;

  LocalStatuses(TrackerMetrics metrics) {
    this.metrics = metrics;
  }

  PinTracker.Local get(String cid) {
    return byCid.get(cid);
  }

  boolean containsKey(String cid) {
    return byCid.containsKey(cid);
  }

  void put(String cid, PinTracker.Local status) {
    PinTracker.Local before = byCid.put(cid, status);
    metrics.status(before == null ? null : before.status(), status.status());
  }

  void remove(String cid) {
    PinTracker.Local before = byCid.remove(cid);
    if (before != null) {
      metrics.status(before.status(), null);
    }
  }

  /** The CIDs with a status, copied (the statuses may change while the caller walks them). */
  List<String> cids() {
    return List.copyOf(byCid.keySet());
  }

  /** Every status, copied. */
  Map<String, PinTracker.Local> snapshot() {
    return Map.copyOf(byCid);
  }
}
