package dev.ferry.pin.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The monitor's memory on its own, with times given: it keeps the last valid metric of each node
 * (an invalid one, sent when an informer could not measure, never replaces it), serves only the
 * unexpired ones, holds a bounded number of names per node, and raises and clears {@code ping} alerts.
 */
class MetricStoreTest {
  private static final long TTL = 1_000;

  /** A metric of {@code peer} received at {@code at} (Unix nanoseconds) that lives {@link #TTL} ns. */
  private static Metric metric(String name, String peer, long weight, boolean valid, long at) {
    return new Metric(name, peer, Long.toString(weight), weight, valid, false, at + TTL, at);
  }

  @Test
  void anInvalidMetricNeverReplacesAValidOneWhichServesUntilItExpires() {
    MetricStore store = new MetricStore(8);
    assertThat(store.put(metric("freespace", "node1", 5_000, true, 0))).isTrue();
    // the informer could not measure: the last valid value stays, with its own expiry
    assertThat(store.put(metric("freespace", "node1", 0, false, 500))).isTrue();
    assertThat(store.latest("freespace", 600)).containsOnlyKeys("node1");
    assertThat(store.latest("freespace", 600).get("node1").weight()).isEqualTo(5_000);
    assertThat(store.latest("freespace", TTL)).as("expired at its time to live").isEmpty();
    // an invalid one after the valid one expired still does not replace it, nor is it served
    store.put(metric("freespace", "node1", 0, false, 2_000));
    assertThat(store.latest("freespace", 2_100)).isEmpty();
    // a valid one replaces it
    store.put(metric("freespace", "node1", 7_000, true, 3_000));
    assertThat(store.latest("freespace", 3_100).get("node1").weight()).isEqualTo(7_000);
  }

  @Test
  void anInvalidMetricIsKeptOnlyWhereNoneIsYetAndIsNeverServed() {
    MetricStore store = new MetricStore(8);
    store.put(metric("freespace", "node2", 0, false, 0));
    assertThat(store.names()).containsExactly("freespace");
    assertThat(store.latest("freespace", 100)).isEmpty();
    store.put(metric("freespace", "node2", 9, true, 200));
    assertThat(store.latest("freespace", 300).get("node2").weight()).isEqualTo(9);
  }

  @Test
  void aNodeKeepsAtMostMaxNamesAndNewValuesOfThoseStillReplace() {
    MetricStore store = new MetricStore(2);
    assertThat(store.put(metric("numpin", "node1", -1, true, 0))).isTrue();
    assertThat(store.put(metric("pinqueue", "node1", 0, true, 0))).isTrue();
    assertThat(store.put(metric("tag:group", "node1", 0, true, 0))).as("a third name").isFalse();
    assertThat(store.put(metric("numpin", "node1", -3, true, 10))).isTrue();
    assertThat(store.latest("numpin", 20).get("node1").weight()).isEqualTo(-3);
    assertThat(store.put(metric("tag:group", "node2", 0, true, 0))).as("another node's").isTrue();
  }

  @Test
  void anExpiredPingRaisesOneAlertThatANewerPingClears() {
    MetricStore store = new MetricStore(8);
    store.put(metric(MetricStore.PING, "node3", 0, true, 0));
    assertThat(store.check(TTL - 1, Instant.EPOCH)).isEmpty();
    assertThat(store.check(TTL, Instant.EPOCH)).hasSize(1);
    assertThat(store.check(TTL + 500, Instant.EPOCH)).as("raised once").isEmpty();
    assertThat(store.alerts()).extracting(alert -> alert.metric().peer()).containsExactly("node3");
    assertThat(store.clearIfPinged("node3")).as("no newer ping yet").isNull();
    store.put(metric(MetricStore.PING, "node3", 0, true, TTL + 600));
    assertThat(store.clearIfPinged("node3")).isNotNull();
    assertThat(store.alerts()).isEmpty();
  }
}
