package dev.ferry.pin.monitor;

import dev.ferry.core.ConfigSection;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the monitor and the informers of a node read from the {@code pin} section: the node's
 * {@code pin.tags} (each published as the metric {@code tag:<key>}) and the {@code pin.monitor}
 * section. Immutable.
 *
 * @param tags this node's tags, key to value ({@code {"group": "default"}}, as IPFS Cluster's tags informer)
 * @param pingInterval how often this node publishes its {@code ping}
 * @param pingTtl how long a {@code ping} stays valid: a node silent that long raises an alert
 * @param metricInterval how often this node publishes its other metrics
 * @param metricTtl how long those stay valid
 * @param checkInterval how often the monitor looks for expired pings (an alert comes at most this late)
 * @param maxMetricNames how many metric names the monitor keeps per node (bounds its memory; more are dropped)
 */
public record MonitorConfig(Map<String, String> tags, Duration pingInterval, Duration pingTtl, Duration metricInterval,
    Duration metricTtl, Duration checkInterval, int maxMetricNames) {
  public MonitorConfig {
    tags = Map.copyOf(tags);
  }

  /** Reads and checks {@code pin.tags} and {@code pin.monitor} from the {@code pin} section. */
  public static MonitorConfig from(ConfigSection pin) {
    Map<String, String> tags = new TreeMap<>();
    if (pin.has("tags")) {
      ConfigSection section = pin.section("tags");
      for (String key : section.keys()) {
        if (key.isBlank()) {
          throw section.invalid(key, "a tag needs a name, as in {\"group\": \"eu\"}");
        }
        tags.put(key, section.optionalString(key)
            .orElseThrow(() -> section.invalid(key, "expected the tag's value, a non-empty string")));
      }
    }
    ConfigSection monitor = pin.section("monitor");
    MonitorConfig config = new MonitorConfig(tags, monitor.millis("ping_interval_ms"), monitor.millis("ping_ttl_ms"),
        monitor.millis("metric_interval_ms"), monitor.millis("metric_ttl_ms"), monitor.millis("check_interval_ms"),
        monitor.positive("max_metric_names"));
    if (config.pingTtl.compareTo(config.pingInterval) <= 0) {
      throw monitor.invalid("ping_ttl_ms", "must be longer than ping_interval_ms (" + config.pingInterval.toMillis()
          + "), or every node raises alerts between its pings; got " + config.pingTtl.toMillis());
    }
    if (config.metricTtl.compareTo(config.metricInterval) <= 0) {
      throw monitor.invalid("metric_ttl_ms", "must be longer than metric_interval_ms ("
          + config.metricInterval.toMillis() + "), or metrics expire between two reports; got "
          + config.metricTtl.toMillis());
    }
    int names = MetricStore.BUILT_IN.size() + tags.size();
    if (config.maxMetricNames < names) {
      throw monitor.invalid("max_metric_names", "must be at least the " + names + " metrics this node publishes ("
          + MetricStore.BUILT_IN.size() + " and one per pin.tags entry); got " + config.maxMetricNames);
    }
    return config;
  }
}
