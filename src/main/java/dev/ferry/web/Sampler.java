package dev.ferry.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the node's meters ({@code GET /metrics}) and the JVM's own figures into one sample's values,
 * by series name: {@code pins.<status>} (this node's pins by its status, {@code ferry_pins}),
 * {@code pin.rate} and {@code unpin.rate} (daemon pin and unpin calls per second, from
 * {@code ferry_pin_duration_seconds_count}), {@code pin.queue} (both lanes of the tracker's queue),
 * {@code raft.<group>.commits} (entries committed per second, from {@code ferry_raft_commit_index})
 * and {@code raft.<group>.leader_changes} (leaders seen take over since the last sample),
 * {@code mailbox.queued} (messages waiting in the node's mailboxes), {@code mailbox.rate} (messages
 * that reached them per second, from {@code ferry_mailbox_received_total}), {@code circuit.sent} and
 * {@code circuit.received} (circuit bytes per second), {@code heap.used}, {@code heap.max} (bytes),
 * {@code cpu} (the process's share of the machine's CPU, 0 to 1). A meter the node lacks (no pin
 * service, say) gives no series. Rates are the difference from the previous sample over the time
 * between them; the first sample has none.
 *
 * <p>Not thread-safe: owned by the history verticle's event loop. The meters it reads are
 * thread-safe.
 */
final class Sampler {
  private final MeterRegistry meters;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
  /** Counters' values at the previous sample, by series name, for rates and differences. */
  private Map<String, Double> previous = Map.of();
  private long previousTime;

  Sampler(MeterRegistry meters) {
    this.meters = meters;
  }

  /** The values at {@code time} (epoch ms). */
  Map<String, Double> sample(long time) {
    Map<String, Double> values = new TreeMap<>();
    Map<String, Double> totals = new HashMap<>();
    for (Gauge gauge : meters.find("ferry.pins").gauges()) {
      values.put("pins." + gauge.getId().getTag("status"), gauge.value());
    }
    double queued = meters.find("ferry.pin.queue").gauges().stream().mapToDouble(Gauge::value).sum();
    if (!meters.find("ferry.pin.queue").gauges().isEmpty()) {
      values.put("pin.queue", queued);
    }
    for (Timer timer : meters.find("ferry.pin.duration").timers()) {
      totals.put(timer.getId().getTag("op") + ".rate", (double) timer.count());
    }
    for (Gauge gauge : meters.find("ferry.raft.commit.index").gauges()) {
      totals.put("raft." + gauge.getId().getTag("group") + ".commits", gauge.value());
    }
    for (Counter counter : meters.find("ferry.raft.leader.changes").counters()) {
      String name = "raft." + counter.getId().getTag("group") + ".leader_changes";
      Double before = previous.get(name);
      if (before != null) {
        values.put(name, Math.max(0, counter.count() - before));
      }
      totals.put(name, counter.count());
    }
    Gauge mailboxes = meters.find("ferry.mailbox.messages").gauge();
    if (mailboxes != null) {
      values.put("mailbox.queued", mailboxes.value());
    }
    FunctionCounter received = meters.find("ferry.mailbox.received").functionCounter();
    if (received != null) {
      totals.put("mailbox.rate", received.count());
    }
    for (Counter counter : meters.find("ferry.circuit.bytes").counters()) {
      totals.merge("circuit." + counter.getId().getTag("direction"), counter.count(), Double::sum);
    }
    rates(time, totals, values);
    MemoryUsage heap = memory.getHeapMemoryUsage();
    values.put("heap.used", (double) heap.getUsed());
    if (heap.getMax() > 0) {
      values.put("heap.max", (double) heap.getMax());
    }
    if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuLoad() >= 0) {
      values.put("cpu", sun.getProcessCpuLoad());
    }
    return values;
  }

  /** Per-second rates of the counters in {@code totals} (not the leader changes, counted as they are). */
  private void rates(long time, Map<String, Double> totals, Map<String, Double> values) {
    double seconds = (time - previousTime) / 1000.0;
    if (seconds > 0) {
      totals.forEach((name, total) -> {
        Double before = previous.get(name);
        if (before != null && !name.endsWith(".leader_changes")) {
          values.put(name, Math.max(0, total - before) / seconds);
        }
      });
    }
    previous = totals;
    previousTime = time;
  }
}
