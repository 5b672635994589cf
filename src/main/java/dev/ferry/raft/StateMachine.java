package dev.ferry.raft;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A replicated state machine of one Raft group: every replica applies the same committed JSON ops
 * in the same order and must reach the same state. ferry's built-in one is {@link KvStateMachine};
 * groups pick theirs by name ({@link StateMachines}, {@code raft.groups.<group>.state_machine}).
 *
 * <p>Threading: {@link #checkProposal} and {@link #checkQuery} may run on any thread and must not
 * touch the state. Every other method runs on the group's Raft executor (one ordered worker
 * context), one call at a time, so implementations need no locks and may take their time, except
 * {@link #capture} (below) and what the {@link Snapshot} it returns does on other threads.
 *
 * <p>A snapshot's chunks are made off the Raft executor: {@link #capture} is called there, and the
 * chunks of the {@link Snapshot} it returns are made later on a worker thread, while the group goes
 * on applying ops, and persisted as they come. The default captures by calling {@link #snapshot}
 * at once, on the Raft executor, which holds up the group for as long as that takes: a state
 * machine with a large state overrides {@link #capture} with a view it can take cheaply (a copy
 * of references, a copy-on-write view) and makes the chunks from that view.
 */
public interface StateMachine {
  /**
   * Rejects an op that must not be proposed, before it reaches the log.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} saying what is wrong
   */
  void checkProposal(JsonObject op);

  /**
   * Rejects an op that cannot be answered by {@link #query}.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} saying what is wrong
   */
  void checkQuery(JsonObject op);

  /**
   * Applies a committed op; deterministic. A {@link dev.ferry.core.FerryException} thrown here is
   * the proposer's answer (the same on every replica); the op still occupies its log index.
   *
   * @param index the op's log index
   * @return the result for the proposer, or null
   */
  JsonObject apply(long index, JsonObject op);

  /** Answers a read-only op from the current state. */
  JsonObject query(JsonObject op);

  /** Writes the whole state as one or more chunks, in order. */
  void snapshot(Consumer<JsonObject> chunks);

  /**
   * The state as it is now, for a snapshot whose chunks are made later, on another thread, while
   * this state machine goes on applying ops: what the chunks hold must not change with them. Called
   * on the Raft executor, so it should be cheap. The default makes the chunks now, with
   * {@link #snapshot}.
   */
  default Snapshot capture() {
    List<JsonObject> chunks = new ArrayList<>();
    snapshot(chunks::add);
    return Snapshot.of(chunks);
  }

  /**
   * A state captured for a snapshot ({@link #capture}): how many chunks it has, and each of them,
   * made when asked for. {@link #restore} reads them back, in order.
   *
   * <p>Thread-safe: {@link #chunk} may be called on any thread, for different chunks at once, and
   * for one chunk more than once (it must make the same chunk again).
   */
  interface Snapshot {
    /** How many chunks the snapshot has; fixed at capture. */
    int chunks();

    /** Chunk {@code i} (0 to {@link #chunks()} - 1). */
    JsonObject chunk(int i);

    /** Chunks made already. */
    static Snapshot of(List<JsonObject> chunks) {
      List<JsonObject> made = List.copyOf(chunks);
      return new Snapshot() {
        @Override
        public int chunks() {
          return made.size();
        }

        @Override
        public JsonObject chunk(int i) {
          return made.get(i);
        }
      };
    }

    /**
     * Chunks of at most {@code perChunk} of {@code items} captured items (one chunk when there are
     * none), chunk {@code i} made by {@code range} from the items at positions {@code from} to
     * {@code to} (exclusive).
     */
    static Snapshot ofRanges(int items, int perChunk, Range range) {
      if (perChunk < 1) {
        throw new IllegalArgumentException("perChunk must be positive");
      }
      int count = Math.max(1, (items + perChunk - 1) / perChunk);
      return new Snapshot() {
        @Override
        public int chunks() {
          return count;
        }

        @Override
        public JsonObject chunk(int i) {
          return range.chunk(i * perChunk, Math.min(items, (i + 1) * perChunk));
        }
      };
    }

    /** Makes the chunk of a range of captured items ({@link #ofRanges}); on any thread. */
    @FunctionalInterface
    interface Range {
      JsonObject chunk(int from, int to);
    }
  }

  /** Replaces the whole state with the one these chunks (from {@link #snapshot}) describe. */
  void restore(List<JsonObject> chunks);
}
