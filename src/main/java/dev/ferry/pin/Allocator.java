package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Chooses the nodes a CID is pinned on, as IPFS Cluster's balanced allocator: the nodes a pin
 * keeps (its user allocations, or the nodes it has) come first while live; the others are taken
 * from the live nodes in the order of the op's {@link Ranking}s ({@code pin.allocate_by} as the
 * proposer saw it): a tag parts the nodes into groups that take turns (so replicas land in
 * different groups), the group whose best node ranks first going first; a rank orders the nodes,
 * larger first; nodes with equal ranks, and in the end every tie, go by fewest pins, then by name.
 * A node without a value of a ranking comes after those with one. Up to the replication maximum;
 * fewer than the minimum is an error. A pin for every node (maximum -1) has no allocations: every
 * node's tracker pins it. Deterministic: the same arguments give the same allocations on every
 * replica. Stateless.
 */
final class Allocator {
  private Allocator() {}

  /**
   * Allocations for a new pin, or for a pin that lost nodes: those of {@code keep} that are live
   * stay (at most {@code max} of them, by name), others are added from {@code live} in the order
   * of {@code by} until there are {@code max} (or every live node). Costs O(n log n) in the live
   * nodes, whatever the size of the pinset.
   *
   * @param load how many pins a node holds now
   * @param requireMin whether fewer than {@code min} nodes is an error (a new pin) or the best
   *     that can be done now (a pin that lost a node stays under-replicated rather than lost)
   * @param by the rankings, in {@code pin.allocate_by}'s order (none: by fewest pins, then name)
   * @throws FerryException {@code unavailable} when {@code requireMin} and too few nodes are live
   */
  static List<String> allocate(int min, int max, Collection<String> keep, SortedSet<String> live,
      ToIntFunction<String> load, boolean requireMin, List<Ranking> by) {
    if (max == Pin.EVERYWHERE) {
      return List.of();
    }
    // plain loops rather than streams: every replica and every tracker's mirror allocates each pin
    // again, so what this allocates is a good part of what a pin costs a node's heap
    List<String> chosen = new ArrayList<>();
    for (String node : keep) {
      if (live.contains(node)) {
        chosen.add(node);
      }
    }
    chosen.sort(null);
    if (chosen.size() > max) {
      chosen.subList(max, chosen.size()).clear();
    }
    if (chosen.size() < max) {
      List<String> candidates = new ArrayList<>(live.size());
      for (String node : live) {
        if (!chosen.contains(node)) {
          candidates.add(node);
        }
      }
      List<String> ordered = new Order(by, load).of(candidates, 0);
      for (int i = 0; i < ordered.size() && chosen.size() < max; i++) {
        chosen.add(ordered.get(i));
      }
    }
    int least = min == Pin.EVERYWHERE ? live.size() : min;
    if (requireMin && chosen.size() < least) {
      throw new FerryException(FerryException.UNAVAILABLE, "replication_min is " + least + " but only "
          + chosen.size() + " node(s) can take the pin (" + String.join(", ", live) + "); lower it or add nodes");
    }
    chosen.sort(null);
    return List.copyOf(chosen);
  }

  /** Allocations by fewest pins, then name: an op without rankings. */
  static List<String> allocate(int min, int max, Collection<String> keep, SortedSet<String> live,
      ToIntFunction<String> load, boolean requireMin) {
    return allocate(min, max, keep, live, load, requireMin, List.of());
  }

  /** The order of candidates under the rankings from one level down. */
  private record Order(List<Ranking> by, ToIntFunction<String> load) {
    List<String> of(List<String> nodes, int level) {
      if (nodes.size() <= 1) {
        return nodes;
      }
      if (level == by.size()) {
        List<String> sorted = new ArrayList<>(nodes);
        sorted.sort(last());
        return sorted;
      }
      Ranking ranking = by.get(level);
      return ranking.partitions() ? turns(nodes, ranking, level) : ranked(nodes, ranking, level);
    }

    /** Groups by the tag's value (nodes without one last), each ordered below; the groups take turns. */
    private List<String> turns(List<String> nodes, Ranking ranking, int level) {
      Map<String, List<String>> groups = new TreeMap<>();
      List<String> untagged = new ArrayList<>();
      for (String node : nodes) {
        Object value = ranking.values().get(node);
        (value == null ? untagged : groups.computeIfAbsent((String) value, v -> new ArrayList<>())).add(node);
      }
      if (untagged.isEmpty() && groups.size() == 1) {
        return of(groups.values().iterator().next(), level + 1);   // one group takes every turn
      }
      List<List<String>> ordered = new ArrayList<>();
      groups.values().forEach(group -> ordered.add(of(group, level + 1)));
      ordered.sort(Comparator.comparing(group -> group.get(0), best(level + 1)));
      if (!untagged.isEmpty()) {
        ordered.add(of(untagged, level + 1));
      }
      List<String> result = new ArrayList<>();
      for (int turn = 0; result.size() < nodes.size(); turn++) {
        for (List<String> group : ordered) {
          if (turn < group.size()) {
            result.add(group.get(turn));
          }
        }
      }
      return result;
    }

    /** Larger rank first (nodes without one last); nodes of equal rank ordered below. */
    private List<String> ranked(List<String> nodes, Ranking ranking, int level) {
      Map<Long, List<String>> byRank = new TreeMap<>(Comparator.reverseOrder());
      List<String> unranked = new ArrayList<>();
      for (String node : nodes) {
        Object value = ranking.values().get(node);
        (value == null ? unranked : byRank.computeIfAbsent((Long) value, v -> new ArrayList<>())).add(node);
      }
      List<String> result = new ArrayList<>();
      byRank.values().forEach(same -> result.addAll(of(same, level + 1)));
      result.addAll(of(unranked, level + 1));
      return result;
    }

    /**
     * Which of two nodes ranks first by the ranks from {@code level} down (tags there do not
     * compare), then fewest pins, then name: which group's best node goes first.
     */
    private Comparator<String> best(int level) {
      Comparator<String> order = (a, b) -> 0;
      for (Ranking ranking : by.subList(level, by.size())) {
        if (!ranking.partitions()) {
          order = order.thenComparing(node -> (Long) ranking.values().get(node),
              Comparator.nullsLast(Comparator.<Long>reverseOrder()));
        }
      }
      return order.thenComparing(last());
    }

    private Comparator<String> last() {
      return Comparator.<String>comparingInt(load).thenComparing(node -> node);
    }
  }
}
