package dev.ferry.pin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node tracker's meters in the node's Prometheus registry ({@code GET /metrics}):
 * {@code ferry_pins{status}} (this node's pins by its status of them, {@code remote} for those
 * allocated elsewhere), {@code ferry_pin_queue{lane}} and {@code ferry_pin_running} (the queue),
 * {@code ferry_pin_duration_seconds{op}} (a histogram of pin and unpin calls on the daemon), and
 * what the state sync found: {@code ferry_pin_state_sync_repairs_total},
 * {@code ferry_pin_state_syncs_total}, {@code ferry_pins_unexpected}. Values are set on the
 * tracker's context and read by the scrape on another, so each is an atomic.
 *
 * <p>Thread-safe.
 */
final class TrackerMetrics {
  /** Every status a tracker keeps, and {@code remote}: each has a series from the start, 0 or not. */
  static final List<String> STATUSES = List.of("pin_queued", "pinning", "pinned", "pin_error", "unpin_queued",
      "unpinning", "unpin_error", "unexpectedly_unpinned", "remote");

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Map<String, AtomicLong> statuses = new TreeMap<>();
  private final AtomicLong fresh = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong running = new AtomicLong();
  private final AtomicLong unexpected = new AtomicLong();
  private final Counter repairs;
  private final Counter syncs;
  private final Timer pins;
  private final Timer unpins;

  TrackerMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (String status : STATUSES) {
      AtomicLong count = new AtomicLong();
      statuses.put(status, count);
      meters.add(Gauge.builder("ferry.pins", count, AtomicLong::get).tag("status", status)
          .description("Pins by this node's status of them").register(registry));
    }
    meters.add(Gauge.builder("ferry.pin.queue", fresh, AtomicLong::get).tag("lane", "changes")
        .description("Pins and unpins waiting in this node's tracker queue, by lane").register(registry));
    meters.add(Gauge.builder("ferry.pin.queue", retries, AtomicLong::get).tag("lane", "retries")
        .description("Pins and unpins waiting in this node's tracker queue, by lane").register(registry));
    meters.add(Gauge.builder("ferry.pin.running", running, AtomicLong::get)
        .description("Pins and unpins running on this node's IPFS daemon").register(registry));
    meters.add(Gauge.builder("ferry.pins.unexpected", unexpected, AtomicLong::get)
        .description("Pins on this node's IPFS daemon that the pinset does not allocate here, at the last state sync")
        .register(registry));
    repairs = register(Counter.builder("ferry.pin.state.sync.repairs")
        .description("Pins allocated here that a state sync found missing on the daemon and queued again"));
    syncs = register(Counter.builder("ferry.pin.state.syncs")
        .description("State syncs that compared the IPFS daemon's pins with the pinset to the end"));
    pins = register(duration("pin"));
    unpins = register(duration("unpin"));
  }

  /** How many pins have {@code status} now (one of {@link #STATUSES}). */
  long count(String status) {
    return statuses.get(status).get();
  }

  private static Timer.Builder duration(String op) {
    return Timer.builder("ferry.pin.duration").tag("op", op).publishPercentileHistogram()
        .description("How long pin and unpin calls on this node's IPFS daemon took, failed ones too");
  }

  private Counter register(Counter.Builder builder) {
    Counter counter = builder.register(registry);
    meters.add(counter);
    return counter;
  }

  private Timer register(Timer.Builder builder) {
    Timer timer = builder.register(registry);
    meters.add(timer);
    return timer;
  }

  /** One CID's status here went from {@code before} to {@code after} (null: none, as when it is unpinned). */
  void status(String before, String after) {
    if (before != null && statuses.containsKey(before)) {
      statuses.get(before).decrementAndGet();
    }
    if (after != null && statuses.containsKey(after)) {
      statuses.get(after).incrementAndGet();
    }
  }

  /** How many pins of the pinset are allocated elsewhere only. */
  void remote(long count) {
    statuses.get("remote").set(count);
  }

  /** The queue's lanes and the calls running now. */
  void queue(int changes, int retrying, int runningNow) {
    fresh.set(changes);
    retries.set(retrying);
    running.set(runningNow);
  }

  /** A pin call on the daemon ended after {@code took}. */
  void pinned(Duration took) {
    pins.record(took);
  }

  /** An unpin call on the daemon ended after {@code took}. */
  void unpinned(Duration took) {
    unpins.record(took);
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
