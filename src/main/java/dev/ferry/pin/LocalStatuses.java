package dev.ferry.pin;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A tracker's status per CID ({@link PinTracker.Local}), counted by status in its
 * {@link TrackerMetrics} as it changes, so {@code ferry_pins{status}} needs no walk over the pins.
 *
 * <p>A node keeps a status for every pin allocated to it, so statuses are kept compact, in an
 * open-addressing table of parallel arrays rather than a map of objects: the CID as its bytes
 * (the same array as the tracker's mirror of the pinset holds for it, when it holds the CID), the
 * status as a number, the time (written by {@link Instant#toString()}) as nanoseconds, the
 * attempts: about 30 bytes a CID, 110 without a shared key, where a {@code HashMap<String, Local>}
 * took about 240. A status that does not fit (an error, a status or time outside those shapes) is
 * kept whole on the side, and so is every {@code pin_error} and {@code unpin_error}: there are few
 * of them, and the statuses in error are found there alone ({@link #errors}: the periodic retry and
 * the dashboard's alerts read them without a walk over every CID). A status read back equals the
 * status put, field for field.
 *
 * <p>Not thread-safe: owned by the tracker's context.
 */
final class LocalStatuses {
  /** The statuses kept as their place in this list; any other is kept whole ({@link #OTHER}). */
  private static final List<String> STATUSES = TrackerMetrics.STATUSES;
  private static final byte OTHER = -1;
  /** The statuses {@link #errors} lists: always kept whole, so finding them walks only the few kept so. */
  static final Set<String> ERRORS = Set.of(PinTracker.PIN_ERROR, PinTracker.UNPIN_ERROR);
  private static final int FIRST_CAPACITY = 16;
  /** Grown when more than this share of the slots is taken (linear probing stays short below it). */
  private static final double MAX_LOAD = 0.7;

  private final TrackerMetrics metrics;
  /** The array to keep for a CID's bytes: one already held elsewhere that equals them, or them. */
  private final UnaryOperator<byte[]> keys;
  private byte[][] cids = new byte[FIRST_CAPACITY][];
  private byte[] statuses = new byte[FIRST_CAPACITY];
  private long[] nanos = new long[FIRST_CAPACITY];
  private int[] attempts = new int[FIRST_CAPACITY];
  private int size;
  /** The statuses that do not fit the arrays, by CID. */
  private final Map<String, PinTracker.Local> others = new HashMap<>();

  /** @param keys the array to keep for a CID's bytes (see {@link PinState#sameKey}) */
  LocalStatuses(TrackerMetrics metrics, UnaryOperator<byte[]> keys) {
    this.metrics = metrics;
    this.keys = keys;
  }

  PinTracker.Local get(String cid) {
    int slot = find(key(cid));
    return slot < 0 ? null : local(slot, cid);
  }

  boolean containsKey(String cid) {
    return find(key(cid)) >= 0;
  }

  void put(String cid, PinTracker.Local status) {
    int code = STATUSES.indexOf(status.status());
    long time = status.error().isEmpty() && code >= 0 && !ERRORS.contains(status.status())
        ? PinState.instantNanos(status.time()) : PinState.NOT_AN_INSTANT;
    store(cid, status, code, time, status.attempts());
  }

  /**
   * {@code cid} has {@code status} (without an error) from now on, after {@code attempts} tries: the
   * same as {@link #put} of {@code Local(status, "", Instant.now().toString(), attempts)}, without
   * writing the time as text and reading it back, which the tracker's queue would do three times a pin.
   */
  void putNow(String cid, String status, int attempts) {
    int code = STATUSES.indexOf(status);
    Instant now = Instant.now();
    if (code < 0 || ERRORS.contains(status)) {
      put(cid, new PinTracker.Local(status, "", now.toString(), attempts));
      return;
    }
    store(cid, null, code, now.getEpochSecond() * 1_000_000_000L + now.getNano(), attempts);
  }

  /** {@code cid}'s status alone (null: none), without making its {@link PinTracker.Local}. */
  String status(String cid) {
    int slot = find(key(cid));
    return slot < 0 ? null : statusAt(slot, cid);
  }

  /** The tries counted in {@code cid}'s status (0 without one). */
  int attempts(String cid) {
    int slot = find(key(cid));
    return slot < 0 ? 0 : statuses[slot] == OTHER ? others.get(cid).attempts() : attempts[slot];
  }

  /**
   * Keeps {@code cid}'s status: in the arrays as {@code code}, {@code time} and {@code tries}, or
   * {@code whole} on the side when {@code time} is {@link PinState#NOT_AN_INSTANT}.
   */
  private void store(String cid, PinTracker.Local whole, int code, long time, int tries) {
    byte[] key = key(cid);
    int slot = find(key);
    if (slot < 0 && size + 1 > MAX_LOAD * cids.length) {
      grow();
      slot = find(key);
    }
    String before = null;
    if (slot < 0) {
      slot = -slot - 1;
      size++;
    } else {
      before = statusAt(slot, cid);
      if (statuses[slot] == OTHER) {
        others.remove(cid);
      }
    }
    cids[slot] = keys.apply(key);   // also when it was there: the mirror may hold a new array for it since
    if (time == PinState.NOT_AN_INSTANT) {
      statuses[slot] = OTHER;
      others.put(cid, whole);
    } else {
      statuses[slot] = (byte) code;
      nanos[slot] = time;
      attempts[slot] = tries;
    }
    metrics.status(before, whole != null ? whole.status() : STATUSES.get(code));
  }

  void remove(String cid) {
    int slot = find(key(cid));
    if (slot < 0) {
      return;
    }
    PinTracker.Local before = local(slot, cid);
    if (statuses[slot] == OTHER) {
      others.remove(cid);
    }
    delete(slot);
    metrics.status(before.status(), null);
  }

  /** The CIDs with a status, copied (the statuses may change while the caller walks them). */
  List<String> cids() {
    List<String> all = new ArrayList<>(size);
    for (byte[] key : cids) {
      if (key != null) {
        all.add(new String(key, StandardCharsets.UTF_8));
      }
    }
    return all;
  }

  /**
   * At most {@code limit} of the statuses in error ({@link #ERRORS}), by CID: walks the statuses
   * kept whole alone, never every CID, and stops at {@code limit}.
   */
  Map<String, PinTracker.Local> errors(int limit) {
    Map<String, PinTracker.Local> found = new TreeMap<>();
    for (Map.Entry<String, PinTracker.Local> other : others.entrySet()) {
      if (found.size() == limit) {
        break;
      }
      if (ERRORS.contains(other.getValue().status())) {
        found.put(other.getKey(), other.getValue());
      }
    }
    return found;
  }

  /**
   * The statuses in error ({@link #ERRORS}) of the CIDs after {@code after} (null: from the first),
   * in CID order, at most {@code limit}: like {@link #errors}, a walk of the statuses kept whole alone.
   */
  NavigableMap<String, PinTracker.Local> errorsAfter(String after, int limit) {
    TreeMap<String, PinTracker.Local> found = new TreeMap<>();
    for (Map.Entry<String, PinTracker.Local> other : others.entrySet()) {
      String cid = other.getKey();
      if (ERRORS.contains(other.getValue().status()) && (after == null || cid.compareTo(after) > 0)
          && (found.size() < limit || cid.compareTo(found.lastKey()) < 0)) {
        found.put(cid, other.getValue());
        if (found.size() > limit) {
          found.pollLastEntry();
        }
      }
    }
    return found;
  }

  private String statusAt(int slot, String cid) {
    byte code = statuses[slot];
    return code == OTHER ? others.get(cid).status() : STATUSES.get(code);
  }

  private PinTracker.Local local(int slot, String cid) {
    byte code = statuses[slot];
    if (code == OTHER) {
      return others.get(cid);
    }
    return new PinTracker.Local(STATUSES.get(code), "", Instant.ofEpochSecond(0, nanos[slot]).toString(),
        attempts[slot]);
  }

  /** The slot of {@code key}, or {@code -(the free slot where it would go) - 1}. */
  private int find(byte[] key) {
    int mask = cids.length - 1;
    for (int slot = home(key, mask); ; slot = (slot + 1) & mask) {
      if (cids[slot] == null) {
        return -slot - 1;
      }
      if (Arrays.equals(cids[slot], key)) {
        return slot;
      }
    }
  }

  private static int home(byte[] key, int mask) {
    int h = Arrays.hashCode(key);
    return (h ^ (h >>> 16)) & mask;
  }

  /** Empties {@code slot}, moving later keys of its run back so every key stays reachable from its home. */
  private void delete(int slot) {
    int mask = cids.length - 1;
    int gap = slot;
    for (int next = (gap + 1) & mask; cids[next] != null; next = (next + 1) & mask) {
      int home = home(cids[next], mask);
      // the key at next may fill the gap if its home is not in (gap, next], cyclically
      if (gap <= next ? home <= gap || home > next : home <= gap && home > next) {
        move(next, gap);
        gap = next;
      }
    }
    cids[gap] = null;
    size--;
  }

  private void move(int from, int to) {
    cids[to] = cids[from];
    statuses[to] = statuses[from];
    nanos[to] = nanos[from];
    attempts[to] = attempts[from];
  }

  private void grow() {
    byte[][] oldCids = cids;
    byte[] oldStatuses = statuses;
    long[] oldNanos = nanos;
    int[] oldAttempts = attempts;
    int capacity = oldCids.length * 2;
    cids = new byte[capacity][];
    statuses = new byte[capacity];
    nanos = new long[capacity];
    attempts = new int[capacity];
    for (int i = 0; i < oldCids.length; i++) {
      if (oldCids[i] != null) {
        int slot = -find(oldCids[i]) - 1;
        cids[slot] = oldCids[i];
        statuses[slot] = oldStatuses[i];
        nanos[slot] = oldNanos[i];
        attempts[slot] = oldAttempts[i];
      }
    }
  }

  private static byte[] key(String cid) {
    return cid.getBytes(StandardCharsets.UTF_8);
  }
}
