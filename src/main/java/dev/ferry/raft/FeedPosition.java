package dev.ferry.raft;

/**
 * Where one committed op stands in a group's change feed: the log index of the entry that holds it
 * and its offset within that entry (ops the leader batched share the index, offsets 0, 1, 2, ... in
 * the order they were applied; a lone op has offset 0). Positions are totally ordered, index first,
 * so every op is individually addressable and a feed can be resumed exactly after any op, also in
 * the middle of a batch. Immutable.
 *
 * @param index the log index of the entry
 * @param offset the op's place in the entry; {@link #WHOLE_ENTRY} for "after every op of the entry"
 */
public record FeedPosition(long index, int offset) implements Comparable<FeedPosition> {
  /** The offset that stands after every op of an entry (the entry's last op has a smaller one). */
  public static final int WHOLE_ENTRY = Integer.MAX_VALUE;
  /** Before every op: following from here delivers the whole feed the node still keeps. */
  public static final FeedPosition START = new FeedPosition(0, WHOLE_ENTRY);

  public FeedPosition {
    if (index < 0 || offset < 0) {
      throw new IllegalArgumentException("a feed position has index >= 0 and offset >= 0, got " + index + "/"
          + offset);
    }
  }

  /** After every op of entry {@code index}: what a state read at that index already reflects. */
  public static FeedPosition afterEntry(long index) {
    return new FeedPosition(index, WHOLE_ENTRY);
  }

  /** Whether this position lies after {@code other}. */
  public boolean isAfter(FeedPosition other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(FeedPosition other) {
    int byIndex = Long.compare(index, other.index);
    return byIndex != 0 ? byIndex : Integer.compare(offset, other.offset);
  }

  @Override
  public String toString() {
    return offset == WHOLE_ENTRY ? index + "" : index + "/" + offset;
  }
}
