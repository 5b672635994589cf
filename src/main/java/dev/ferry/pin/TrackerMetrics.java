package dev.ferry.pin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node tracker's meters in the node's Prometheus registry ({@code GET /metrics}): what the state
 * sync repaired and found unexpected on the daemon. Values are set on the tracker's context and read
 * by the scrape on another, so each is an atomic.
 *
 * <p>Thread-safe.
 */
final class TrackerMetrics {
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final AtomicLong unexpected = new AtomicLong();
  private final Counter repairs;
  private final Counter syncs;

  TrackerMetrics(MeterRegistry registry) {
    this.registry = registry;
    meters.add(Gauge.builder("ferry.pins.unexpected", unexpected, AtomicLong::get)
        .description("Pins on this node's IPFS daemon that the pinset does not allocate here, at the last state sync")
        .register(registry));
    repairs = Counter.builder("ferry.pin.state.sync.repairs")
        .description("Pins allocated here that a state sync found missing on the daemon and queued again")
        .register(registry);
    meters.add(repairs);
    syncs = Counter.builder("ferry.pin.state.syncs")
        .description("State syncs that compared the IPFS daemon's pins with the pinset to the end")
        .register(registry);
    meters.add(syncs);
  }

  /** A state sync ended, having found {@code unexpected} pins on the daemon that the pinset does not allocate here. */
  void synced(long unexpected) {
    this.unexpected.set(unexpected);
    syncs.increment();
  }

  /** A state sync queued a missing pin again. */
  void repaired() {
    repairs.increment();
  }

  /** Removes the meters (the verticle stops; a new one registers its own). */
  void close() {
    meters.forEach(registry::remove);
  }
}
