package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The pinset's state: every pin by canonical CID, in CID order. The {@link PinSet} state machine
 * keeps one, and each node's {@link PinTracker} keeps a mirror built from the change feed; both
 * change it only through {@link #apply}, so both reach the same state from the same ops.
 *
 * <p>Not thread-safe: owned by one thread (the group's Raft executor, or the tracker's context).
 */
final class PinState {
  /** What one op did to one CID: its pin before and after (null: none). Immutable. */
  record Change(Pin before, Pin after) {}

  private final NavigableMap<String, Pin> pins = new TreeMap<>();

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

  int size() {
    return pins.size();
  }

  /** Replaces the whole state with {@code all}. */
  void reset(Iterable<Pin> all) {
    pins.clear();
    all.forEach(pin -> put(pin.cid(), pin));
  }

  /** Sets (or with null, removes) the pin of {@code cid}; for {@link PinOp}s only. */
  Change put(String cid, Pin after) {
    Pin before = after == null ? pins.remove(cid) : pins.put(cid, after);
    return new Change(before, after);
  }
}
