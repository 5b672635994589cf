package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.TreeMap;
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
 * a {@link Pin} is made again when one is read: the CID as its ASCII bytes, node names and
 * origins shared (one string per node, one list per set of allocations), and a time written by
 * {@link Instant#toString()} as a number. A pin read back equals the pin put, field for field.
 *
 * <p>Not thread-safe: owned by one thread (the group's Raft executor, or the tracker's context).
 */
final class PinState {
  /** What one op did to one CID: its pin before and after (null: none). Immutable. */
  record Change(Pin before, Pin after) {}

  /**
   * A pin without its CID (the map's key): {@code time} is null when the pin's time is
   * {@code nanos} after the epoch as {@link Instant#toString()} writes it, else the text as given;
   * {@code extras} is the one shared {@link Pin.Extras#NONE} for a pin without further options.
   */
  private record Stored(String name, int replicationMin, int replicationMax, List<String> allocations, String origin,
      String time, long nanos, long index, Pin.Extras extras) {
    Pin pin(byte[] cid) {
      return new Pin(new String(cid, StandardCharsets.ISO_8859_1), name, replicationMin, replicationMax, allocations,
          origin, time != null ? time : Instant.ofEpochSecond(0, nanos).toString(), index, extras);
    }
  }

  private final NavigableMap<byte[], Stored> pins = new TreeMap<>(Arrays::compare);
  /** How many pins each node is allocated: derived from {@link #pins}, kept up to date by {@link #put}. */
  private final Map<String, Integer> load = new HashMap<>();
  /** One string per node name or origin, and one list per set of allocations, shared by every pin. */
  private final Map<String, String> names = new HashMap<>();
  private final Map<List<String>, List<String>> allocations = new HashMap<>();
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
    byte[] key = key(cid);
    Stored stored = pins.get(key);
    return stored == null ? null : stored.pin(key);
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
    return view(pins, null);
  }

  /** The pins after {@code cid} (canonical; exclusive), in CID order (a live view, as {@link #pins}). */
  Collection<Pin> pinsAfter(String cid) {
    return view(pins.tailMap(key(cid), false), null);
  }

  /**
   * The pins allocated to {@code node} after {@code cid} (canonical; exclusive; null: from the
   * first), in CID order, as a live view like {@link #pins}: a scan that skips the others without
   * making them into pins (a set of allocations is checked once, not once per pin).
   */
  Collection<Pin> pinsOf(String node, String cid) {
    NavigableMap<byte[], Stored> from = cid == null ? pins : pins.tailMap(key(cid), false);
    Map<List<String>, Boolean> holds = new HashMap<>();
    return view(from, stored -> holds.computeIfAbsent(stored.allocations(), nodes -> nodes.contains(node)));
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
    Stored old = after == null ? pins.remove(key) : pins.put(key, store(after));
    Pin before = old == null ? null : old.pin(key);
    if (old != null) {
      old.allocations().forEach(node -> load.computeIfPresent(node, (n, count) -> count == 1 ? null : count - 1));
      if (old.extras().expiry() != null) {
        expiries.remove(new Expiring(old.extras().expiry(), cid));
      }
    }
    if (after != null) {
      after.allocations().forEach(node -> load.merge(shared(node), 1, Integer::sum));
      if (after.extras().expiry() != null) {
        expiries.add(new Expiring(after.extras().expiry(), cid));
      }
    }
    return new Change(before, after);
  }

  private Stored store(Pin pin) {
    String time = pin.time();
    long nanos = instantNanos(time);
    return new Stored(pin.name().isEmpty() ? "" : pin.name(), pin.replicationMin(), pin.replicationMax(),
        shared(pin.allocations()), shared(pin.origin()), nanos == NOT_AN_INSTANT ? time : null,
        nanos == NOT_AN_INSTANT ? 0 : nanos, pin.index(), pin.extras());
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
    byte[] held = pins.ceilingKey(bytes);
    return held != null && Arrays.equals(held, bytes) ? held : bytes;
  }

  /** A canonical CID's key: its ASCII bytes, which order as its text does. */
  private static byte[] key(String cid) {
    return cid.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The pins of {@code map} whose stored form passes {@code keep} (null: all), made as they are iterated. */
  private static Collection<Pin> view(NavigableMap<byte[], Stored> map, Predicate<Stored> keep) {
    return new AbstractCollection<>() {
      @Override
      public Iterator<Pin> iterator() {
        Iterator<Map.Entry<byte[], Stored>> entries = map.entrySet().iterator();
        return new Iterator<>() {
          private Map.Entry<byte[], Stored> next = advance();

          private Map.Entry<byte[], Stored> advance() {
            while (entries.hasNext()) {
              Map.Entry<byte[], Stored> entry = entries.next();
              if (keep == null || keep.test(entry.getValue())) {
                return entry;
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
            Map.Entry<byte[], Stored> entry = next;
            next = advance();
            return entry.getValue().pin(entry.getKey());
          }
        };
      }

      @Override
      public int size() {
        if (keep == null) {
          return map.size();
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
