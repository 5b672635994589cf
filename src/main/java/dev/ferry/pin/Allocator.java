package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.function.ToIntFunction;

/**
 * Chooses the nodes a CID is pinned on: the live nodes that hold the fewest pins, ties broken by
 * name, up to the replication maximum; fewer live nodes than the minimum is an error. A pin for
 * every node (maximum -1) has no allocations: every node's tracker pins it. Deterministic: the
 * same arguments give the same allocations on every replica. Stateless.
 */
final class Allocator {
  private Allocator() {}

  /**
   * Allocations for a new pin, or for a pin that lost nodes: those of {@code keep} that are live
   * stay (at most {@code max} of them, by name), others are added from {@code live} until there are
   * {@code max} (or every live node). Costs O(live nodes), whatever the size of the pinset.
   *
   * @param load how many pins a node holds now
   * @param requireMin whether fewer than {@code min} nodes is an error (a new pin) or the best
   *     that can be done now (a pin that lost a node stays under-replicated rather than lost)
   * @throws FerryException {@code unavailable} when {@code requireMin} and too few nodes are live
   */
  static List<String> allocate(int min, int max, Collection<String> keep, SortedSet<String> live,
      ToIntFunction<String> load, boolean requireMin) {
    if (max == Pin.EVERYWHERE) {
      return List.of();
    }
    List<String> chosen = new ArrayList<>(keep.stream().filter(live::contains).sorted().limit(max).toList());
    live.stream()
        .filter(node -> !chosen.contains(node))
        .sorted(Comparator.<String>comparingInt(load).thenComparing(node -> node))
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
