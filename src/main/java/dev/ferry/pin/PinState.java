package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pinset's state: every pin by canonical CID, in CID order, and how many pins each node holds
 * (what the allocator balances; derived from the pins, so a snapshot that restores the pins
 * restores the counts, identically on every replica). The {@link PinSet} state machine
 * keeps one, and each node's {@link PinTracker} keeps a mirror built from the change feed; both
 * change it only through {@link #apply}, so both reach the same state from the same ops.
 *
 * <p>Not thread-safe: owned by one thread (the group's Raft executor, or the tracker's context).
 */
final class PinState {
  /** What one op did to one CID: its pin before and after (null: none). Immutable. */
  record Change(Pin before, Pin after) {}

  private final NavigableMap<String, Pin> pins = new TreeMap<>();
  /** How many pins each node is allocated: derived from {@link #pins}, kept up to date by {@link #put}. */
  private final Map<String, Integer> load = new HashMap<>();

  /**
   * Applies {@code op} at log {@code index}.
   *
   * @throws FerryException {@code not-found} for a change of a pin that is not there
   */
  Change apply(long index, PinOp op) {
    return op.applyTo(this, index);
  }

  /** The pin of {@code cid} (canonical), or null. */
  Pin get(String cid) {
    return pins.get(cid);
  }

  /** The pin of {@code cid}; {@code not-found} when there is none. */
  Pin existing(String cid) {
    Pin pin = pins.get(cid);
    if (pin == null) {
      throw FerryException.notFound("no pin for " + cid + " in the pinset");
    }
    return pin;
  }

  /** Every pin, in CID order (a live view: do not change the state while iterating). */
  Collection<Pin> pins() {
    return pins.values();
  }

  /** The pins after {@code cid} (canonical; exclusive), in CID order (a live view, as {@link #pins}). */
  Collection<Pin> pinsAfter(String cid) {
    return pins.tailMap(cid, false).values();
  }

  int size() {
    return pins.size();
  }

  /** Replaces the whole state with {@code all}. */
  void reset(Iterable<Pin> all) {
    pins.clear();
    load.clear();
    all.forEach(pin -> put(pin.cid(), pin));
  }

  /** How many pins are allocated to {@code node} (pins for every node not counted). */
  int load(String node) {
    return load.getOrDefault(node, 0);
  }

  /**
   * Allocations for {@code pin} by the pins each node holds now ({@link Allocator}).
   *
   * @param keep nodes that stay if live
   */
  List<String> allocate(Pin pin, List<String> keep, List<String> live, boolean requireMin) {
    return Allocator.allocate(pin.replicationMin(), pin.replicationMax(), keep, new TreeSet<>(live), this::load,
        requireMin);
  }

  /** Sets (or with null, removes) the pin of {@code cid}; for {@link PinOp}s only. */
  Change put(String cid, Pin after) {
    Pin before = after == null ? pins.remove(cid) : pins.put(cid, after);
    if (before != null) {
      before.allocations().forEach(node -> load.computeIfPresent(node, (n, count) -> count == 1 ? null : count - 1));
    }
    if (after != null) {
      after.allocations().forEach(node -> load.merge(node, 1, Integer::sum));
    }
    return new Change(before, after);
  }
}
