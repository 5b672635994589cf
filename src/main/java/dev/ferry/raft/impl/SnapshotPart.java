package dev.ferry.raft.impl;

import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * One chunk of a snapshot as MicroRaft holds it (a snapshot chunk's operation): {@code {"data":
 * chunk}}, the first one also with {@code "term"} and {@code "stores"} (see
 * {@link StateMachineAdapter}). It is made from the state machine's {@link StateMachine.Snapshot}
 * on a worker ({@link #make}), or at once by whoever needs it first (the transport sending it to a
 * follower), so the Raft executor never waits for a whole snapshot. Once {@link DurableStore} has
 * written it, it lets go of its JSON ({@link #written}) and reads it back from the store when it
 * is needed again: MicroRaft keeps its latest snapshot for as long as it is the latest, and at a
 * million pins that copy was about 75 bytes a pin. A chunk read as it is (restored from the store
 * at start, or received from a leader) keeps its JSON until the state machine has read it
 * ({@link #installed}), then does the same.
 *
 * <p>Thread-safe: made on a worker or on the Raft executor, whichever asks first, without a lock
 * held meanwhile (see {@link #make}); read back from the store on the Raft executor only, which is
 * where MicroRaft's transport and store ask for it.
 */
final class SnapshotPart {
  private final int chunk;
  private final JsonObject header;
  /** What to make the chunk from; null once made. */
  private volatile StateMachine.Snapshot source;
  /** The chunk: null until made, and again once written (then {@link #readBack} has it). */
  private JsonObject json;
  private Supplier<JsonObject> readBack;
  private volatile boolean made;
  /** Whether the JSON is dropped as soon as it is written (made here), or once installed (read as it is). */
  private final boolean dropWhenWritten;

  /** @param header the first chunk's {@code term} and {@code stores}, or null for the others */
  SnapshotPart(StateMachine.Snapshot source, int chunk, JsonObject header) {
    this.source = source;
    this.chunk = chunk;
    this.header = header;
    this.dropWhenWritten = true;
  }

  /** A chunk read as it is (from the store, or from a leader). */
  SnapshotPart(JsonObject json) {
    this.chunk = 0;
    this.header = null;
    this.json = json;
    this.made = true;
    this.dropWhenWritten = false;
  }

  int chunk() {
    return chunk;
  }

  /**
   * Makes the chunk unless that was done; a failure of the state machine is thrown as it is. The
   * chunk is made without holding this part's lock, so the Raft executor never waits for a worker
   * here: two threads may both make it, and the first one's stays.
   */
  void make() {
    StateMachine.Snapshot from = source;
    if (made || from == null) {
      return;
    }
    JsonObject data = from.chunk(chunk);
    JsonObject wrapped = new JsonObject().put("data", data == null ? new JsonObject() : data);
    synchronized (this) {
      if (!made) {
        json = header == null ? wrapped : wrapped.mergeIn(header);
        source = null;
        made = true;
      }
    }
  }

  boolean isMade() {
    return made;
  }

  /** The chunk's JSON: made now if it was not yet, read back from the store if it was written. */
  JsonObject json() {
    make();
    synchronized (this) {
      return json != null ? json : readBack.get();
    }
  }

  /** The store holds the chunk: read it from there when asked again, once it is dropped from memory. */
  synchronized void written(Supplier<JsonObject> readBack) {
    this.readBack = readBack;
    if (dropWhenWritten) {
      json = null;
    }
  }

  /** The state machine has read the chunk: drop it from memory if the store holds it. */
  synchronized void installed() {
    if (readBack != null) {
      json = null;
    }
  }

  /** A chunk read as it is shows as its JSON (as it did before parts), one made here by its number. */
  @Override
  public synchronized String toString() {
    if (!dropWhenWritten && json != null) {
      return json.toString();
    }
    return "snapshot chunk " + chunk + (made ? "" : " (being made)");
  }
}
