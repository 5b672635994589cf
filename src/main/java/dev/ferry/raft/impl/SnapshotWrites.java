package dev.ferry.raft.impl;

import io.microraft.model.log.SnapshotChunk;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * What {@link DurableStore} knows of the snapshots it writes: the chunks whose parts a worker is
 * still making (kept aside until they are made), which chunks of each snapshot are in the file,
 * the latest snapshot complete there, and MicroRaft's truncation of the log held back until a
 * snapshot that covers it is complete (the class comment of {@link DurableStore} says why).
 *
 * <p>Not thread-safe: used by the store on the group's Raft executor.
 */
final class SnapshotWrites {
  /** Chunks of snapshots taken here whose parts are still being made, in the order MicroRaft gave them. */
  private final List<SnapshotChunk> unmade = new ArrayList<>();
  /** The chunks written so far of snapshots not yet complete in the file, by snapshot index. */
  private final Map<Long, BitSet> writing = new HashMap<>();
  /** The index of the latest snapshot whose every chunk is in the file (0: none). */
  private long complete;
  /** A truncation of the log held back until a snapshot at or after it is complete (0: none). */
  private long heldTruncation;
  private LongConsumer onComplete = index -> { };

  /** The store was opened with a snapshot complete in it at {@code index}. */
  void restored(long index) {
    complete = index;
  }

  /** Told the index of each snapshot once it is complete in the file, and at once of the latest. */
  void onComplete(LongConsumer complete) {
    this.onComplete = complete;
    complete.accept(this.complete);
  }

  /** Keeps {@code chunk} aside if its part is not made yet; whether it did. */
  boolean keptAside(SnapshotChunk chunk) {
    if (chunk.getOperation() instanceof SnapshotPart part && !part.isMade()) {
      unmade.add(chunk);
      return true;
    }
    return false;
  }

  /** The chunks kept aside whose parts are made now, taken out; those of snapshots a later one made useless dropped. */
  List<SnapshotChunk> made() {
    List<SnapshotChunk> made = new ArrayList<>();
    for (Iterator<SnapshotChunk> it = unmade.iterator(); it.hasNext(); ) {
      SnapshotChunk chunk = it.next();
      if (chunk.getIndex() <= complete) {
        it.remove();   // a later snapshot (one from the leader) is complete already
      } else if (((SnapshotPart) chunk.getOperation()).isMade()) {
        it.remove();
        made.add(chunk);
      }
    }
    return made;
  }

  /** {@code chunk} is in the file now. */
  void written(SnapshotChunk chunk) {
    BitSet written = writing.computeIfAbsent(chunk.getIndex(), i -> new BitSet());
    written.set(chunk.getSnapshotChunkIndex());
    if (written.cardinality() == chunk.getSnapshotChunkCount() && chunk.getIndex() > complete) {
      complete = chunk.getIndex();
      writing.keySet().removeIf(index -> index <= complete);
      onComplete.accept(complete);
    }
  }

  /** The chunks of the snapshot at {@code index} were deleted from the file. */
  void deleted(long index) {
    writing.remove(index);
    unmade.removeIf(chunk -> chunk.getIndex() == index);
  }

  /** Whether a truncation of the log up to {@code index} must wait (it is held back until it may run). */
  boolean holdsBack(long index) {
    if (index <= complete) {
      return false;
    }
    heldTruncation = Math.max(heldTruncation, index);
    return true;
  }

  /** The truncation held back that may run now (a snapshot covering it is complete), taken out; 0 if none. */
  long releasedTruncation() {
    if (heldTruncation == 0 || heldTruncation > complete) {
      return 0;
    }
    long until = heldTruncation;
    heldTruncation = 0;
    return until;
  }
}
