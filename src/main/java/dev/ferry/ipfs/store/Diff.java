package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pin update must fetch: the parts of the new DAG that are neither here nor part of the
 * old, pinned one. The two DAGs are walked side by side, as Kubo's {@code pin/update} walks them
 * ({@code dagutils.DiffEnumerate}): a node of the new DAG is paired with the node of the old one
 * under the same link name, and a link of the new node that is also a link of its old partner is
 * a subtree of the old DAG, complete while the old pin lasts, so it is neither walked nor
 * fetched. A change deep in a large DAG thus costs the path to it, not the whole DAG.
 *
 * <p>Blocking I/O: call from a worker. Stateless.
 */
final class Diff {
  private Diff() {
  }

  /**
   * A node of the new DAG and its partner in the old one: the old DAG's node under the same link
   * name, or null when there is none worth comparing with (then everything under {@code next}
   * that is not here has to be fetched).
   */
  record Pair(Cid next, Cid old) {}

  /**
   * Walks the new DAG from {@code starts}: the blocks that are not in {@code blocks}, each with its
   * partner (null unless both are dag-pb: only then can the partner spare a part of the walk);
   * empty when the new DAG is complete here. Every block looked at is held by {@code blocks}.
   */
  static List<Pair> missing(BlockSource.LocalBlocks blocks, List<Pair> starts) {
    List<Pair> missing = new ArrayList<>();
    Set<Cid> seen = new HashSet<>();
    Deque<Pair> todo = new ArrayDeque<>(starts);
    while (!todo.isEmpty()) {
      Pair pair = todo.pop();
      Cid next = pair.next();
      Cid old = pair.old() != null && pair.old().codec() == Cid.DAG_PB && next.codec() == Cid.DAG_PB ? pair.old() : null;
      if (next.equals(old) || !seen.add(next)) {
        continue;
      }
      if (!blocks.has(next)) {
        missing.add(new Pair(next, old));
        continue;
      }
      if (next.codec() != Cid.DAG_PB) {
        if (Links.mayLink(next)) {  // dag-cbor: no names to pair its links by, walked whole
          Links.of(next, blocks.get(next)).forEach(link -> todo.push(new Pair(link, null)));
        }
        continue;
      }
      Set<Cid> shared = new HashSet<>();
      Map<String, Cid> partners = new HashMap<>();
      if (old != null && blocks.has(old)) {
        for (DagPb.Link link : DagPb.decode(blocks.get(old)).links()) {
          shared.add(link.hash());
          if (link.name() != null && !link.name().isEmpty()) {
            partners.put(link.name(), link.hash());
          }
        }
      }
      for (DagPb.Link link : DagPb.decode(blocks.get(next)).links()) {
        if (!shared.contains(link.hash())) {
          todo.push(new Pair(link.hash(), link.name() == null ? null : partners.get(link.name())));
        }
      }
    }
    return missing;
  }
}
