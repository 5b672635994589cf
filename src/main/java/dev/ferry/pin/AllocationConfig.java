package dev.ferry.pin;

import dev.ferry.core.ConfigSection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How pins are allocated, from the {@code pin} section: {@code pin.allocate_by} (the metrics the
 * allocator partitions and orders by, IPFS Cluster's balanced allocator's {@code allocate_by}),
 * {@code pin.freespace_step_bytes} (free space is compared in whole steps of this many bytes) and
 * {@code pin.min_freespace_bytes} (the free space a pin must leave on a node it goes to: a node
 * reporting less is never chosen, whether the pin's size is known or not). Immutable.
 */
record AllocationConfig(List<String> allocateBy, long freespaceStep, long minFreespace) {
  /** The metric that is free space, in bytes. */
  static final String FREESPACE = "freespace";
  /** The metrics that can order nodes, besides tags ({@code tag:<key>}). */
  static final List<String> RANKS = List.of(FREESPACE, "numpin", "pinqueue");
  static final String TAG = "tag:";

  AllocationConfig {
    allocateBy = List.copyOf(allocateBy);
  }

  static AllocationConfig from(ConfigSection pin) {
    List<String> by = pin.strings("allocate_by");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < by.size(); i++) {
      String name = by.get(i);
      boolean tag = name.startsWith(TAG) && name.length() > TAG.length();
      if (!tag && !RANKS.contains(name)) {
        throw pin.invalid("allocate_by", "expected metric names among " + RANKS + " or tag:<key> (a key of pin.tags), "
            + "got '" + name + "' at [" + i + "]");
      }
      if (!seen.add(name)) {
        throw pin.invalid("allocate_by", "'" + name + "' is named twice");
      }
    }
    return new AllocationConfig(by, pin.positiveLong("freespace_step_bytes"),
        pin.integer("min_freespace_bytes", 0, Long.MAX_VALUE, "a non-negative number of bytes (0: no reserve)"));
  }

  static boolean isTag(String metric) {
    return metric.startsWith(TAG);
  }
}
