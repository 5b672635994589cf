package dev.ferry.pin;

import dev.ferry.pin.monitor.Metric;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What the node that proposes a pin tells the pinset about where it may go, from the metrics its
 * monitor holds now: the live nodes that can take it and {@code pin.allocate_by} as plain values
 * ({@link Ranking}s), so every replica allocates the same way from the op alone. A node whose
 * reported free space would fall below {@code pin.min_freespace_bytes} with the pin on it is left
 * out: below the reserve already when the pin's size is unknown (a pin by CID, a batched import, a
 * pin moved off a node that left), below it after the pin's size when it is known ({@code POST
 * /add}). The nodes that hold the content already stay whatever their space. A node that has
 * reported no valid free space (a daemon that answers no sizes) is not taken for full. A metric
 * that some candidate has not reported yet (a node just started) is left out of the op: the nodes
 * cannot be compared by it, and the pin goes by fewest pins instead of to whoever reported first.
 * Reads no pinset.
 *
 * <p>Runs on the pin verticle's context, where the monitor's metrics are read.
 */
final class Placement {
  /** Where a pin may go: the nodes that can take it, the rankings, and the nodes left out as too full (why, per node). */
  record Candidates(SortedSet<String> live, List<Ranking> by, SortedMap<String, String> tooFull) {
    /** A note for an error that too few nodes could take the pin: which were too full. */
    String whyFewer() {
      return tooFull.isEmpty() ? "" : "; too little free space on " + String.join(", ", tooFull.values());
    }
  }

  private final AllocationConfig config;
  private final Function<String, SortedMap<String, Metric>> latest;

  /** @param latest the latest valid metric of a name, per node (the monitor's) */
  Placement(AllocationConfig config, Function<String, SortedMap<String, Metric>> latest) {
    this.config = config;
    this.latest = latest;
  }

  /**
   * The candidates among {@code live} for a pin of {@code size} bytes (null: unknown, only the
   * reserve is asked for).
   */
  Candidates candidates(SortedSet<String> live, Long size) {
    return candidates(live, size, List.of());
  }

  /**
   * The candidates among {@code live} for a pin of {@code size} bytes (null: unknown), where the
   * nodes of {@code holding} have the content already: those are never left out for their space.
   */
  Candidates candidates(SortedSet<String> live, Long size, Collection<String> holding) {
    long reserve = config.minFreespace();
    long needs = size == null ? 0 : size;
    SortedSet<String> fit = new TreeSet<>(live);
    SortedMap<String, String> tooFull = new TreeMap<>();
    latest.apply(AllocationConfig.FREESPACE).forEach((node, metric) -> {
      long free = metric.weight();
      // free - reserve only once free >= reserve >= 0: no overflow whatever a node reported
      if (live.contains(node) && !holding.contains(node) && (free < reserve || free - reserve < needs)) {
        fit.remove(node);
        tooFull.put(node, node + " (" + free + " bytes free, " + (size == null
            ? "less than the " + reserve + " that pin.min_freespace_bytes keeps free)"
            : "the pin needs " + size + (reserve == 0 ? ")" : " and pin.min_freespace_bytes keeps " + reserve + " free)")));
      }
    });
    List<Ranking> by = new ArrayList<>();
    for (String name : config.allocateBy()) {
      Map<String, Metric> metrics = latest.apply(name);
      if (AllocationConfig.isTag(name)) {
        Map<String, String> values = new TreeMap<>();
        metrics.forEach((node, m) -> {
          if (fit.contains(node)) {
            values.put(node, m.value());
          }
        });
        if (values.keySet().containsAll(fit)) {
          by.add(Ranking.groups(name, values));
        }
      } else {
        long step = AllocationConfig.FREESPACE.equals(name) ? config.freespaceStep() : 1;
        Map<String, Long> values = new TreeMap<>();
        metrics.forEach((node, m) -> {
          if (fit.contains(node)) {
            values.put(node, Math.floorDiv(m.weight(), step));
          }
        });
        if (values.keySet().containsAll(fit)) {
          by.add(Ranking.ranks(name, values));
        }
      }
    }
    return new Candidates(fit, by, tooFull);
  }
}
