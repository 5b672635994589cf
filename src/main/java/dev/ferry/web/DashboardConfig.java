package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import java.time.Duration;

/**
 * The {@code dashboard} section of conf/node.json, read once per node ({@link #of}), by whichever
 * of the history verticle and the web verticles starts first. Every bad value names its key. Immutable.
 *
 * @param sampleInterval how often the node takes one sample of its meters ({@code sample_interval_ms})
 * @param history how far back the node keeps its samples, for a dashboard that opens ({@code history_ms})
 * @param pinsPageMax the most pins one {@code GET /dashboard/pins} page lists ({@code pins_page_max})
 * @param searchScanMax the most pins one name search reads before it answers with where to go on
 *     ({@code search_scan_max})
 */
record DashboardConfig(Duration sampleInterval, Duration history, int pinsPageMax, int searchScanMax) {

  /** The node's dashboard settings, read at the first call on the node and the same record after. */
  static DashboardConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), DashboardConfig.class, () -> from(node.config().section("dashboard")));
  }

  static DashboardConfig from(ConfigSection dashboard) {
    Duration interval = dashboard.millis("sample_interval_ms");
    Duration history = dashboard.millis("history_ms");
    if (history.compareTo(interval) < 0) {
      throw dashboard.invalid("history_ms", "expected at least sample_interval_ms (" + interval.toMillis()
          + " ms), got " + history.toMillis() + " ms");
    }
    return new DashboardConfig(interval, history, dashboard.positive("pins_page_max"),
        dashboard.positive("search_scan_max"));
  }

  /** How many samples the history holds: {@code history / sampleInterval}. */
  int samples() {
    return (int) Math.max(1, history.toMillis() / sampleInterval.toMillis());
  }
}
