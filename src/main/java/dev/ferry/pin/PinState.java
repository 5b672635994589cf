package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The pinset's state: every pin by canonical CID, in CID order, and how many pins each node holds
 * (what the allocator balances; derived from the pins, so a snapshot that restores the pins
 * restores the counts, identically on every replica). The {@link PinSet} state machine
 * keeps one, and each node's {@link PinTracker} keeps a mirror built from the change feed; both
 * change it only through {@link #apply}, so both reach the same state from the same ops.
 *
 * <p>A node holds two of these (its replica and its tracker's mirror), so pins are kept compact and
 * a {@link Pin} is made again when one is read: a row of a {@link PinTable} per pin, the CID as its
 * ASCII bytes, node names and origins shared (one string per node, one list per set of
 * allocations), what pins have in common shared too (one {@link PinTable.Shape} per allocation,
 * origin and replication for pins with no name or options), and a time written by
 * {@link Instant#toString()} as a number. A pin read back equals the pin put, field for field.
 *
 * <p>Not thread-safe: owned by one thread (the group's Raft executor, or the tracker's context);
 * what {@link #capture} returns may be read on any thread.
 */
final class PinState {
  /** What one op did to one CID: its pin before and after (null: none). Immutable. */
  record Change(Pin before, Pin after) {}

  /** The pin of a row (the shape's time is null when the pin's time is the row's nanoseconds). */
  static Pin pin(PinTable.Row row) {
    PinTable.Shape shape = row.shape();
    return new Pin(new String(row.key(), StandardCharsets.ISO_8859_1), shape.name(), shape.replicationMin(),
        shape.replicationMax(), shape.allocations(), shape.origin(),
        shape.time() != null ? shape.time() : Instant.ofEpochSecond(0, row.nanos()).toString(), row.index(),
        shape.extras());
  }

  private final PinTable pins = new PinTable();
  /** How many pins each node is allocated: derived from {@link #pins}, kept up to date by {@link #put}. */
  private final Map<String, Integer> load = new HashMap<>();
  /** One string per node name or origin, and one list per set of allocations, shared by every pin. */
  private final Map<String, String> names = new HashMap<>();
  private final Map<List<String>, List<String>> allocations = new HashMap<>();
  /** One shape per kind of pin that has no name, options or odd time (see {@link #shape}). */
  private final Map<PinTable.Shape, PinTable.Shape> shapes = new HashMap<>();
  /** The pins that expire, by expiry then CID: what {@link #expiring} reads without a walk over every pin. */
  private final NavigableSet<Expiring> expiries = new TreeSet<>();

  /** A pin's expiry ({@code expire_at}) and CID; ordered by expiry, then CID. */
  record Expiring(Instant at, String cid) implements Comparable<Expiring> {
    private static final Comparator<Expiring> ORDER = Comparator.comparing(Expiring::at).thenComparing(Expiring::cid);

    @Override
    public int compareTo(Expiring other) {
      return ORDER.compare(this, other);
    }
  }

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
    PinTable.Row row = pins.get(key(cid));
    return row == null ? null : pin(row);
  }

  /** The pin of {@code cid}; {@code not-found} when there is none. */
  Pin existing(String cid) {
    Pin pin = get(cid);
    if (pin == null) {
      throw FerryException.notFound("no pin for " + cid + " in the pinset");
    }
    return pin;
  }

  /** Every pin, in CID order (a live view: do not change the state while iterating). */
  Collection<Pin> pins() {
    return view(pins, null, null);
  }

  /** The pins after {@code cid} (canonical; exclusive), in CID order (a live view, as {@link #pins}). */
  Collection<Pin> pinsAfter(String cid) {
    return view(pins, key(cid), null);
  }

  /**
   * The pins allocated to {@code node} after {@code cid} (canonical; exclusive; null: from the
   * first), in CID order, as a live view like {@link #pins}: a scan that skips the others without
   * making them into pins (a set of allocations is checked once, not once per pin).
   */
  Collection<Pin> pinsOf(String node, String cid) {
    Map<List<String>, Boolean> holds = new HashMap<>();
    return view(pins, cid == null ? null : key(cid),
        shape -> holds.computeIfAbsent(shape.allocations(), nodes -> nodes.contains(node)));
  }

  int size() {
    return pins.size();
  }

  /**
   * The pins whose expiry is at or before {@code now}, soonest first, after {@code after}
   * (exclusive; null: from the first): a live view, as {@link #pins}; its cost follows the pins
   * read from it, not the pinset.
   */
  Collection<Expiring> expiring(Instant now, Expiring after) {
    NavigableSet<Expiring> from = after == null ? expiries : expiries.tailSet(after, false);
    return from.headSet(new Expiring(now, "\uffff"), true);
  }

  /** Removes every pin. */
  void clear() {
    pins.clear();
    expiries.clear();
    load.clear();
    names.clear();
    allocations.clear();
    shapes.clear();
  }

  /** Replaces the whole state with {@code all}. */
  void reset(Iterable<Pin> all) {
    clear();
    all.forEach(pin -> put(pin.cid(), pin));
  }

  /** How many pins are allocated to {@code node} (pins for every node not counted). */
  int load(String node) {
    return load.getOrDefault(node, 0);
  }

  /**
   * Allocations for {@code pin} by the rankings {@code by}, then the pins each node holds now ({@link Allocator}).
   *
   * @param keep nodes that stay if live
   */
  List<String> allocate(Pin pin, List<String> keep, List<String> live, boolean requireMin, List<Ranking> by) {
    return Allocator.allocate(pin.replicationMin(), pin.replicationMax(), keep, new TreeSet<>(live), this::load,
        requireMin, by);
  }

  /** Sets (or with null, removes) the pin of {@code cid}; for {@link PinOp}s and restores only. */
  Change put(String cid, Pin after) {
    byte[] key = key(cid);
    PinTable.Row old;
    if (after == null) {
      old = pins.remove(key);
    } else {
      long nanos = instantNanos(after.time());
      old = pins.put(key, shape(after.name(), after.replicationMin(), after.replicationMax(), after.allocations(),
          after.origin(), nanos == NOT_AN_INSTANT ? after.time() : null, after.extras()),
          nanos == NOT_AN_INSTANT ? 0 : nanos, after.index());
    }
    Pin before = old == null ? null : pin(old);
    if (old != null) {
      counted(old.shape(), cid, -1);
    }
    if (after != null) {
      counted(after.allocations(), after.extras(), cid, 1);
    }
    return new Change(before, after);
  }

  /**
   * Adds a pin read from a snapshot (as {@link #capture} gave it), after every pin here: snapshots
   * hold them in CID order, and a row added at the end costs no search.
   */
  void add(byte[] key, PinTable.Shape shape, long nanos, long index) {
    PinTable.Row old = pins.append(key, shape, nanos, index);
    String cid = shape.extras().expireAt().isEmpty() && old == null ? null : new String(key, StandardCharsets.ISO_8859_1);
    if (old != null) {
      counted(old.shape(), cid, -1);
    }
    counted(shape.allocations(), shape.extras(), cid, 1);
  }

  /** The pins as they are now, for a snapshot: unchanged by what this state does after (see {@link PinTable}). */
  PinTable.Captured capture() {
    return pins.capture();
  }

  /** A pin's per-node counts and expiry entry, added ({@code +1}) or taken away ({@code -1}). */
  private void counted(PinTable.Shape shape, String cid, int by) {
    counted(shape.allocations(), shape.extras(), cid, by);
  }

  private void counted(List<String> nodes, Pin.Extras extras, String cid, int by) {
    if (by > 0) {
      nodes.forEach(node -> load.merge(shared(node), 1, Integer::sum));
    } else {
      nodes.forEach(node -> load.computeIfPresent(node, (n, count) -> count == 1 ? null : count - 1));
    }
    if (extras.expiry() != null) {
      Expiring expiring = new Expiring(extras.expiry(), cid);
      if (by > 0) {
        expiries.add(expiring);
      } else {
        expiries.remove(expiring);
      }
    }
  }

  /**
   * The shape of a pin with these fields, node names and origin shared: one instance per kind of
   * pin without a name, options or a time of its own ({@code time} null), else a new one.
   */
  PinTable.Shape shape(String name, int replicationMin, int replicationMax, List<String> nodes, String origin,
      String time, Pin.Extras extras) {
    if (extras != Pin.Extras.NONE && extras.equals(Pin.Extras.NONE)) {
      extras = Pin.Extras.NONE;
    }
    PinTable.Shape shape = new PinTable.Shape(name.isEmpty() ? "" : name, replicationMin, replicationMax, shared(nodes),
        shared(origin), time, extras);
    if (!name.isEmpty() || time != null || extras != Pin.Extras.NONE) {
      return shape;
    }
    PinTable.Shape known = shapes.putIfAbsent(shape, shape);
    return known == null ? shape : known;
  }

  /** What {@link #instantNanos} returns for a text that {@link Instant#toString()} would not write. */
  static final long NOT_AN_INSTANT = Long.MIN_VALUE;
  private static final String INSTANT_SHAPE = "0000-00-00T00:00:00";

  /**
   * The nanoseconds since the epoch of {@code text} if it is exactly what {@link Instant#toString()}
   * writes for them ({@code 2026-12-02T16:25:35.123Z}: a four-digit year, seconds, a fraction of
   * 3, 6 or 9 digits only when it is not zero and as short as it can be), else
   * {@link #NOT_AN_INSTANT}. Read by hand: {@link Instant#parse} costs more than the rest of
   * putting a pin.
   */
  static long instantNanos(String text) {
    int length = text.length();
    int fraction = length - INSTANT_SHAPE.length() - 1;
    if (fraction != 0 && fraction != 4 && fraction != 7 && fraction != 10 || text.charAt(length - 1) != 'Z') {
      return NOT_AN_INSTANT;
    }
    for (int i = 0; i < INSTANT_SHAPE.length(); i++) {
      char c = text.charAt(i);
      if (INSTANT_SHAPE.charAt(i) == '0' ? c < '0' || c > '9' : c != INSTANT_SHAPE.charAt(i)) {
        return NOT_AN_INSTANT;
      }
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (month < 1 || month > 12 || day < 1 || day > YearMonth.of(year, month).lengthOfMonth()
        || hour > 23 || minute > 59 || second > 59) {
      return NOT_AN_INSTANT;
    }
    int nano = 0;
    if (fraction > 0) {
      if (text.charAt(INSTANT_SHAPE.length()) != '.') {
        return NOT_AN_INSTANT;
      }
      int places = fraction - 1;
      for (int i = 0; i < places; i++) {
        char c = text.charAt(INSTANT_SHAPE.length() + 1 + i);
        if (c < '0' || c > '9') {
          return NOT_AN_INSTANT;
        }
        nano = nano * 10 + (c - '0');
      }
      for (int i = places; i < 9; i++) {
        nano *= 10;
      }
      int shortest = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
      if (places != shortest) {
        return NOT_AN_INSTANT;
      }
    }
    long days = LocalDate.of(year, month, day).toEpochDay();
    long seconds = days * 86_400 + hour * 3_600L + minute * 60L + second;
    if (seconds > Long.MAX_VALUE / 1_000_000_000L - 1 || seconds < Long.MIN_VALUE / 1_000_000_000L + 1) {
      return NOT_AN_INSTANT;
    }
    return seconds * 1_000_000_000L + nano;
  }

  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      value = value * 10 + (text.charAt(i) - '0');
    }
    return value;
  }

  private String shared(String name) {
    String known = names.putIfAbsent(name, name);
    return known == null ? name : known;
  }

  private List<String> shared(List<String> nodes) {
    List<String> known = allocations.get(nodes);
    if (known == null) {
      known = List.of(nodes.stream().map(this::shared).toArray(String[]::new));
      allocations.put(known, known);
    }
    return known;
  }

  /**
   * The key this state holds that equals {@code bytes} (a CID's ASCII bytes), or {@code bytes}
   * itself when it holds none: for a tracker's statuses to share the mirror's keys rather than
   * keep a second copy of each CID.
   */
  byte[] sameKey(byte[] bytes) {
    return pins.sameKey(bytes);
  }

  /** A canonical CID's key: its ASCII bytes, which order as its text does. */
  private static byte[] key(String cid) {
    return cid.getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * The pins of {@code table} after {@code after} (exclusive; null: from the first) whose shape
   * passes {@code keep} (null: all), made as they are iterated.
   */
  private static Collection<Pin> view(PinTable table, byte[] after, Predicate<PinTable.Shape> keep) {
    return new AbstractCollection<>() {
      @Override
      public Iterator<Pin> iterator() {
        Iterator<PinTable.Row> rows = table.rows(after);
        return new Iterator<>() {
          private PinTable.Row next = advance();

          private PinTable.Row advance() {
            while (rows.hasNext()) {
              PinTable.Row row = rows.next();
              if (keep == null || keep.test(row.shape())) {
                return row;
              }
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Pin next() {
            if (next == null) {
              throw new NoSuchElementException();
            }
            PinTable.Row row = next;
            next = advance();
            return pin(row);
          }
        };
      }

      @Override
      public int size() {
        if (keep == null && after == null) {
          return table.size();
        }
        int size = 0;
        for (Iterator<Pin> it = iterator(); it.hasNext(); it.next()) {
          size++;
        }
        return size;
      }
    };
  }
}
