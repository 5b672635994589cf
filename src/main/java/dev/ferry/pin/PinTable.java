package dev.ferry.pin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The rows of a {@link PinState}, in CID order: per pin its key (the CID's ASCII bytes), its
 * {@link Shape} (what it shares with other pins) and the two numbers of its own, its time and its
 * index. Rows are kept in leaves of at most {@value #MAX} as parallel arrays, the leaves in an
 * array list ordered by their first keys: about 27 bytes a row besides the key, where a
 * {@code TreeMap} entry and a record per pin took about 96. A lookup is a binary search over the
 * leaves and one within a leaf.
 *
 * <p>{@link #capture} takes the rows as they are in the time of a copy of the list of leaves (one
 * reference per leaf): every leaf then belongs to the capture, and the first change of a leaf
 * after it copies the leaf (copy-on-write, by the generation each leaf was made in), so a capture
 * stays as it was while the table changes, and a change costs one leaf's copy at most.
 *
 * <p>Not thread-safe: owned by one thread. A {@link Captured} is immutable and may be read on
 * any thread.
 */
final class PinTable {
  /** Most rows a leaf holds; a full leaf splits in two halves. */
  static final int MAX = 128;
  /** A leaf's arrays grow by this many rows. */
  private static final int STEP = 16;
  /** Leaves with fewer rows than this are merged with a neighbour when the two fit in {@value #MERGED}. */
  private static final int MIN = MAX / 4;
  private static final int MERGED = MAX * 3 / 4;
  /** How full {@link #append} fills a leaf before it starts the next (room for a few pins between). */
  private static final int APPEND_FILL = MAX - STEP;

  /**
   * What a pin shares with others: its name, replication, allocations, origin, its time when that
   * is not a number (else null: the row holds it) and its further options. Pins with no name, no
   * options and a time as a number share one instance per allocation, origin and replication
   * ({@link PinState}). Immutable.
   */
  record Shape(String name, int replicationMin, int replicationMax, List<String> allocations, String origin,
      String time, Pin.Extras extras) {}

  /** One row, as read. Immutable. */
  record Row(byte[] key, Shape shape, long nanos, long index) {}

  private static final class Leaf {
    final int generation;
    int size;
    byte[][] keys;
    Shape[] shapes;
    long[] nanos;
    long[] indexes;

    Leaf(int generation, int capacity) {
      this.generation = generation;
      keys = new byte[capacity][];
      shapes = new Shape[capacity];
      nanos = new long[capacity];
      indexes = new long[capacity];
    }

    /** A copy of rows {@code from}.. {@code to} (exclusive), made in {@code generation}, with room for {@code capacity}. */
    Leaf copy(int generation, int capacity, int from, int to) {
      Leaf copy = new Leaf(generation, capacity);
      copy.size = to - from;
      System.arraycopy(keys, from, copy.keys, 0, copy.size);
      System.arraycopy(shapes, from, copy.shapes, 0, copy.size);
      System.arraycopy(nanos, from, copy.nanos, 0, copy.size);
      System.arraycopy(indexes, from, copy.indexes, 0, copy.size);
      return copy;
    }

    /** Appends the rows of {@code other}; the arrays have room. */
    void addAll(Leaf other) {
      System.arraycopy(other.keys, 0, keys, size, other.size);
      System.arraycopy(other.shapes, 0, shapes, size, other.size);
      System.arraycopy(other.nanos, 0, nanos, size, other.size);
      System.arraycopy(other.indexes, 0, indexes, size, other.size);
      size += other.size;
    }

    Row row(int i) {
      return new Row(keys[i], shapes[i], nanos[i], indexes[i]);
    }

    /** The row's place, or {@code -(insertion point) - 1}. */
    int find(byte[] key) {
      int low = 0;
      int high = size - 1;
      while (low <= high) {
        int mid = (low + high) >>> 1;
        int c = Arrays.compare(keys[mid], key);
        if (c < 0) {
          low = mid + 1;
        } else if (c > 0) {
          high = mid - 1;
        } else {
          return mid;
        }
      }
      return -low - 1;
    }

    void set(int i, byte[] key, Shape shape, long time, long index) {
      keys[i] = key;
      shapes[i] = shape;
      nanos[i] = time;
      indexes[i] = index;
    }

    /** Moves rows {@code from}.. by {@code by} places (right if positive); the arrays have room. */
    void shift(int from, int by) {
      int count = size - from;
      System.arraycopy(keys, from, keys, from + by, count);
      System.arraycopy(shapes, from, shapes, from + by, count);
      System.arraycopy(nanos, from, nanos, from + by, count);
      System.arraycopy(indexes, from, indexes, from + by, count);
    }
  }

  private final List<Leaf> leaves = new ArrayList<>();
  private int size;
  /** The generation leaves are made in now; a leaf of an earlier one belongs to a capture too. */
  private int generation;

  int size() {
    return size;
  }

  void clear() {
    leaves.clear();
    size = 0;
  }

  /** The row of {@code key}, or null. */
  Row get(byte[] key) {
    if (leaves.isEmpty()) {
      return null;
    }
    Leaf leaf = leaves.get(leafFor(key));
    int at = leaf.find(key);
    return at < 0 ? null : leaf.row(at);
  }

  /** The array this table holds that equals {@code key}, or {@code key} itself when it holds none. */
  byte[] sameKey(byte[] key) {
    if (leaves.isEmpty()) {
      return key;
    }
    Leaf leaf = leaves.get(leafFor(key));
    int at = leaf.find(key);
    return at < 0 ? key : leaf.keys[at];
  }

  /** Sets the row of {@code key}; its row before, or null. */
  Row put(byte[] key, Shape shape, long nanos, long index) {
    if (leaves.isEmpty()) {
      Leaf first = new Leaf(generation, STEP);
      first.set(0, key, shape, nanos, index);
      first.size = 1;
      leaves.add(first);
      size = 1;
      return null;
    }
    int l = leafFor(key);
    int at = leaves.get(l).find(key);
    if (at >= 0) {
      Leaf leaf = writable(l, 0);
      Row before = leaf.row(at);
      leaf.set(at, leaf.keys[at], shape, nanos, index);
      return before;
    }
    at = -at - 1;
    if (at == MAX && l == leaves.size() - 1) {   // after the last key: a new leaf, so pins added in order fill theirs
      Leaf next = new Leaf(generation, STEP);
      next.set(0, key, shape, nanos, index);
      next.size = 1;
      leaves.add(next);
      size++;
      return null;
    }
    Leaf leaf = writable(l, 1);
    if (leaf.size == MAX) {
      split(l);
      leaf = leaves.get(l);
      if (at > leaf.size) {
        at -= leaf.size;
        leaf = leaves.get(l + 1);
      }
    }
    leaf.shift(at, 1);
    leaf.set(at, key, shape, nanos, index);
    leaf.size++;
    size++;
    return null;
  }

  /**
   * Adds the row of {@code key} at the end, without a search, when it comes after every key here (a
   * restore, in order); else as {@link #put}, whose answer it returns (null here).
   */
  Row append(byte[] key, Shape shape, long nanos, long index) {
    int l = leaves.size() - 1;
    if (l < 0 || Arrays.compare(leaves.get(l).keys[leaves.get(l).size - 1], key) >= 0) {
      return put(key, shape, nanos, index);
    }
    Leaf last;
    if (leaves.get(l).size >= APPEND_FILL) {
      last = new Leaf(generation, APPEND_FILL);
      leaves.add(last);
    } else {
      last = writable(l, 1);
    }
    last.set(last.size, key, shape, nanos, index);
    last.size++;
    size++;
    return null;
  }

  /** Removes the row of {@code key}; its row before, or null. */
  Row remove(byte[] key) {
    if (leaves.isEmpty()) {
      return null;
    }
    int l = leafFor(key);
    int at = leaves.get(l).find(key);
    if (at < 0) {
      return null;
    }
    Leaf leaf = writable(l, 0);
    Row before = leaf.row(at);
    leaf.shift(at + 1, -1);
    leaf.size--;
    leaf.set(leaf.size, null, null, 0, 0);
    size--;
    if (leaf.size == 0) {
      leaves.remove(l);
    } else if (leaf.size < MIN) {
      merge(l);
    }
    return before;
  }

  /** The rows after {@code key} (exclusive; null: from the first), in order, until the table changes. */
  Iterator<Row> rows(byte[] after) {
    int l = 0;
    int at = 0;
    if (after != null && !leaves.isEmpty()) {
      l = leafFor(after);
      int found = leaves.get(l).find(after);
      at = found >= 0 ? found + 1 : -found - 1;
    }
    return new Rows(leaves, l, at);
  }

  /** The rows as they are now, unchanged by what the table does after (see the class comment). */
  Captured capture() {
    Captured captured = new Captured(leaves.toArray(Leaf[]::new), size);
    generation++;
    return captured;
  }

  /** Rows captured at one moment ({@link #capture}); immutable, read on any thread. */
  static final class Captured {
    private final Leaf[] leaves;
    private final int size;
    /** The position of each leaf's first row. */
    private final int[] starts;

    private Captured(Leaf[] leaves, int size) {
      this.leaves = leaves;
      this.size = size;
      this.starts = new int[leaves.length];
      int position = 0;
      for (int i = 0; i < leaves.length; i++) {
        starts[i] = position;
        position += leaves[i].size;
      }
    }

    int size() {
      return size;
    }

    /** The rows from position {@code from} (inclusive) to {@code to} (exclusive), in order. */
    Iterator<Row> rows(int from, int to) {
      if (to <= from) {
        return Collections.emptyIterator();
      }
      int l = Arrays.binarySearch(starts, from);
      if (l < 0) {
        l = Math.max(0, -l - 2);
      }
      while (l < leaves.length - 1 && starts[l + 1] <= from) {
        l++;   // skips empty leaves (there are none, but a capture must not depend on it)
      }
      int first = l;
      return new Iterator<>() {
        private int leaf = first;
        private int at = from - starts[first];
        private int left = to - from;

        @Override
        public boolean hasNext() {
          return left > 0;
        }

        @Override
        public Row next() {
          if (left <= 0) {
            throw new NoSuchElementException();
          }
          while (at >= leaves[leaf].size) {
            leaf++;
            at = 0;
          }
          left--;
          return leaves[leaf].row(at++);
        }
      };
    }
  }

  /** Iterates the rows of the table, which must not change meanwhile. */
  private static final class Rows implements Iterator<Row> {
    private final List<Leaf> leaves;
    private int leaf;
    private int at;

    Rows(List<Leaf> leaves, int leaf, int at) {
      this.leaves = leaves;
      this.leaf = leaf;
      this.at = at;
      skip();
    }

    private void skip() {
      while (leaf < leaves.size() && at >= leaves.get(leaf).size) {
        leaf++;
        at = 0;
      }
    }

    @Override
    public boolean hasNext() {
      return leaf < leaves.size();
    }

    @Override
    public Row next() {
      if (leaf >= leaves.size()) {
        throw new NoSuchElementException();
      }
      Row row = leaves.get(leaf).row(at++);
      skip();
      return row;
    }
  }

  /** The leaf whose key range holds {@code key}: the last leaf whose first key is at most it, else the first. */
  private int leafFor(byte[] key) {
    int low = 0;
    int high = leaves.size() - 1;
    int found = 0;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (Arrays.compare(leaves.get(mid).keys[0], key) <= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /**
   * Leaf {@code l}, ready to change and with room for {@code more} rows (up to {@link #MAX}): copied
   * first if a capture holds it, grown if its arrays are full.
   */
  private Leaf writable(int l, int more) {
    Leaf leaf = leaves.get(l);
    int needed = Math.min(MAX, leaf.size + more);
    if (leaf.generation != generation || needed > leaf.keys.length) {
      int capacity = leaf.generation != generation ? roundUp(needed) : Math.max(roundUp(needed), leaf.keys.length);
      leaf = leaf.copy(generation, capacity, 0, leaf.size);
      leaves.set(l, leaf);
    }
    return leaf;
  }

  private static int roundUp(int rows) {
    return Math.min(MAX, Math.max(STEP, (rows + STEP - 1) / STEP * STEP));
  }

  /** Splits full leaf {@code l} into two halves, the upper placed after it; each has room for one more row. */
  private void split(int l) {
    Leaf leaf = leaves.get(l);
    int half = leaf.size / 2;
    leaves.set(l, leaf.copy(generation, roundUp(half + 1), 0, half));
    leaves.add(l + 1, leaf.copy(generation, roundUp(leaf.size - half + 1), half, leaf.size));
  }

  /** Merges small leaf {@code l} with a neighbour when the two fit in {@link #MERGED} rows. */
  private void merge(int l) {
    int left = l + 1 < leaves.size() ? l : l - 1;
    if (left < 0) {
      return;
    }
    Leaf a = leaves.get(left);
    Leaf b = leaves.get(left + 1);
    if (a.size + b.size > MERGED) {
      return;
    }
    Leaf merged = a.copy(generation, roundUp(a.size + b.size), 0, a.size);
    merged.addAll(b);
    leaves.set(left, merged);
    leaves.remove(left + 1);
  }
}
