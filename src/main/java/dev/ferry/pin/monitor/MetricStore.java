package dev.ferry.pin.monitor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The monitor's memory: the last valid metric of each node and name, and the alerts raised for
 * nodes whose {@code ping} expired. Holds at most one metric per node and name, and at most
 * {@code maxNames} names per node, so its size is bounded by the nodes that report times the
 * names they publish; the caller admits only nodes it knows. An invalid metric never replaces a
 * valid one (it says the informer could not measure, not that the value changed).
 *
 * <p>Not thread-safe: owned by the monitor's context.
 */
final class MetricStore {
  /** The name of the metric whose expiry means a node is down. */
  static final String PING = "ping";
  /** The metrics every node publishes besides its tags. */
  static final List<String> BUILT_IN = List.of("freespace", "numpin", "pinqueue", PING);

  private final int maxNames;
  private final Map<String, Map<String, Metric>> latest = new TreeMap<>();
  private final SortedMap<String, Alert> alerts = new TreeMap<>();

  MetricStore(int maxNames) {
    this.maxNames = maxNames;
  }

  /**
   * Keeps {@code metric} as its node's latest of its name (an invalid one only where there is none
   * yet: it is shown, never used). A {@code ping} clears its node's alert: the alert that was
   * cleared, or null.
   *
   * @return false when the node already has {@code maxNames} other names (the metric is dropped)
   */
  boolean put(Metric metric) {
    Map<String, Metric> ofPeer = latest.computeIfAbsent(metric.peer(), p -> new HashMap<>());
    Metric before = ofPeer.get(metric.name());
    if (before == null && ofPeer.size() >= maxNames) {
      return false;
    }
    if (metric.valid() || before == null || !before.valid()) {
      ofPeer.put(metric.name(), metric);
    }
    return true;
  }

  /** The alert of {@code peer} if a {@code ping} of it has come since it was raised: removed and returned, else null. */
  Alert clearIfPinged(String peer) {
    Metric ping = latest.getOrDefault(peer, Map.of()).get(PING);
    Alert alert = alerts.get(peer);
    if (alert != null && ping != null && ping.receivedNanos() > alert.metric().receivedNanos()) {
      return alerts.remove(peer);
    }
    return null;
  }

  /** Raises an alert for every node whose {@code ping} has expired at {@code nowNanos} and has none yet; the new ones. */
  List<Alert> check(long nowNanos, Instant now) {
    List<Alert> raised = new ArrayList<>();
    latest.forEach((peer, metrics) -> {
      Metric ping = metrics.get(PING);
      if (ping != null && ping.expiredAt(nowNanos) && !alerts.containsKey(peer)) {
        Alert alert = new Alert(ping, now);
        alerts.put(peer, alert);
        raised.add(alert);
      }
    });
    return raised;
  }

  /** The alerts raised and not yet cleared, by node name. */
  List<Alert> alerts() {
    return List.copyOf(alerts.values());
  }

  /** The names of the metrics held, of any node, sorted. */
  SortedSet<String> names() {
    SortedSet<String> names = new TreeSet<>();
    latest.values().forEach(metrics -> names.addAll(metrics.keySet()));
    return names;
  }

  /** The latest valid, unexpired metric named {@code name} of each node, by node name. */
  SortedMap<String, Metric> latest(String name, long nowNanos) {
    SortedMap<String, Metric> found = new TreeMap<>();
    latest.forEach((peer, metrics) -> {
      Metric metric = metrics.get(name);
      if (metric != null && metric.valid() && !metric.expiredAt(nowNanos)) {
        found.put(peer, metric);
      }
    });
    return found;
  }

  /** Forgets every metric of {@code peer} and its alert: the alert that was dropped, or null. */
  Alert remove(String peer) {
    latest.remove(peer);
    return alerts.remove(peer);
  }

  /** The nodes with any metric held. */
  Set<String> peers() {
    return latest.keySet();
  }
}
