package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the nodes a CID is pinned on: the live nodes that hold the fewest pins, ties broken by
 * name, up to the replication maximum; fewer live nodes than the minimum is an error. A pin for
 * every node (maximum -1) has no allocations: every node's tracker pins it.
 */
final class Allocator {
  private Allocator() {}

  /**
   * Allocations for a new pin, or for a pin that lost {@code keep}'s complement: {@code keep} stay,
   * others are added from {@code live} until there are {@code max} (or every live node).
   *
   * @param pinset the current pins, to count each node's load
   * @param requireMin whether fewer than {@code min} nodes is an error (a new pin) or the best
   *     that can be done now (a pin that lost a node stays under-replicated rather than lost)
   */
  static List<String> allocate(int min, int max, Collection<String> keep, Set<String> live, Collection<Pin> pinset,
      boolean requireMin) {
    if (max == Pin.EVERYWHERE) {
      return List.of();
    }
    Map<String, Integer> load = new HashMap<>();
    for (Pin pin : pinset) {
      pin.allocations().forEach(node -> load.merge(node, 1, Integer::sum));
    }
    List<String> chosen = new ArrayList<>(keep.stream().filter(live::contains).sorted().toList());
    live.stream()
        .filter(node -> !chosen.contains(node))
        .sorted(Comparator.<String>comparingInt(node -> load.getOrDefault(node, 0)).thenComparing(node -> node))
        .limit(Math.max(0, max - chosen.size()))
        .forEach(chosen::add);
    int least = min == Pin.EVERYWHERE ? live.size() : min;
    if (requireMin && chosen.size() < least) {
      throw new FerryException(FerryException.UNAVAILABLE, "replication_min is " + least + " but only "
          + chosen.size() + " node(s) can take the pin (" + String.join(", ", live) + "); lower it or add nodes");
    }
    return chosen.stream().sorted().toList();
  }
}
