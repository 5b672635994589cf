package dev.ferry.raft.impl;

import dev.ferry.core.FerryException;
import dev.ferry.raft.FeedEntry;
import dev.ferry.raft.StateMachine;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ferry's {@link StateMachine} seen through MicroRaft's interface: committed JSON ops (alone, or a
 * leader's batch of them, in order) are applied and fed to the change feed, queries
 * ({@link QueryOp}) are answered, Raft's own entries are skipped, the group's records of its stores
 * ({@link StoreRecordOp}) are kept in {@link StoreRecords}, and snapshots carry the state machine's
 * chunks plus the term of the last applied entry and those records. The ops applied are counted
 * for {@link SnapshotPolicy}, which asks for a snapshot when they add up.
 *
 * <p>A snapshot is only captured here ({@link StateMachine#capture}): MicroRaft gets one
 * {@link SnapshotPart} per chunk at once, which a worker then makes from the capture while the
 * group goes on, and {@link DurableStore} writes each as it is made. MicroRaft's own snapshot call
 * is synchronous (it persists, then truncates the log), so this is how a large state is snapshotted
 * without holding up the Raft executor (a million pins took about 4 s to encode, longer than the
 * heartbeat timeout on a busy machine).
 *
 * <p>Results are returned, not thrown: a {@link FerryException} from the state machine becomes the
 * operation's result (the same on every replica) and the proposer receives it as the failure.
 * Not thread-safe: MicroRaft calls it on the group's Raft executor only.
 */
final class StateMachineAdapter implements io.microraft.statemachine.StateMachine {
  private static final Logger log = LoggerFactory.getLogger(StateMachineAdapter.class);

  private final String group;
  private final StateMachine machine;
  private final Feed feed;
  private final StoreRecords stores;
  private final SnapshotPolicy snapshots;
  private final Timer captures;
  private final Consumer<List<SnapshotPart>> maker;
  private IntSupplier currentTerm = () -> 0;
  /** The term of the latest new-term marker applied: the term of every op applied after it. */
  private int appliedTerm;

  /**
   * @param captures times each capture (the part of a snapshot on the Raft executor)
   * @param maker makes a snapshot's parts off the Raft executor (see the class comment)
   */
  StateMachineAdapter(String group, StateMachine machine, Feed feed, StoreRecords stores, SnapshotPolicy snapshots,
      Timer captures, Consumer<List<SnapshotPart>> maker) {
    this.group = group;
    this.machine = machine;
    this.feed = feed;
    this.stores = stores;
    this.snapshots = snapshots;
    this.captures = captures;
    this.maker = maker;
  }

  /** Where the leader's current term is read when it starts a term (set once the node exists). */
  void currentTerm(IntSupplier term) {
    this.currentTerm = term;
  }

  StateMachine machine() {
    return machine;
  }

  @Override
  public Object runOperation(long index, Object operation) {
    if (operation instanceof QueryOp query) {
      return safely(index, () -> machine.query(query.op()));
    }
    if (operation == ReadIndexOp.INSTANCE) {
      return null;
    }
    if (operation instanceof NewTermOp marker) {
      appliedTerm = marker.term();
      return null;
    }
    if (operation instanceof StoreRecordOp record) {
      stores.apply(record);
      return null;
    }
    if (operation instanceof JsonObject op) {
      Object result = safely(index, () -> machine.apply(index, op));
      feed.committed(index, appliedTerm, op);
      snapshots.applied(1);
      return result;
    }
    if (operation instanceof BatchOp batch) {
      List<JsonObject> ops = batch.ops();
      List<Object> results = new ArrayList<>(ops.size());
      for (JsonObject op : ops) {
        results.add(safely(index, () -> machine.apply(index, op)));
        feed.published(FeedEntry.op(index, results.size() - 1, appliedTerm, op));
      }
      snapshots.applied(results.size());
      batch.applied();
      feed.committedBatch(index, appliedTerm, ops, batch.json());
      return results;
    }
    return null; // MicroRaft's own no-op (a read barrier)
  }

  @Override
  public void takeSnapshot(long index, Consumer<Object> chunks) {
    long started = System.nanoTime();
    StateMachine.Snapshot captured = machine.capture();
    captures.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    JsonObject header = new JsonObject().put("term", appliedTerm).put("stores", stores.toJson());
    List<SnapshotPart> parts = new ArrayList<>();
    if (captured.chunks() == 0) {
      parts.add(new SnapshotPart(StateMachine.Snapshot.of(List.of(new JsonObject())), 0, header)); // MicroRaft needs one
    }
    for (int i = 0; i < captured.chunks(); i++) {
      parts.add(new SnapshotPart(captured, i, i == 0 ? header : null));
    }
    parts.forEach(chunks);
    maker.accept(parts);
    snapshots.snapshotted();
  }

  @Override
  public void installSnapshot(long index, List<Object> chunks) {
    List<JsonObject> data = new ArrayList<>();
    JsonObject records = null;
    for (Object chunk : chunks) {
      JsonObject c = chunk instanceof SnapshotPart part ? part.json() : (JsonObject) chunk;
      data.add(c.getJsonObject("data"));
      if (c.containsKey("term")) {
        appliedTerm = c.getInteger("term");
        records = c.getJsonObject("stores");
      }
    }
    machine.restore(data);
    chunks.forEach(chunk -> {
      if (chunk instanceof SnapshotPart part) {
        part.installed();
      }
    });
    stores.restore(records);
    snapshots.snapshotted();
    feed.snapshotInstalled(index, appliedTerm);
    log.debug("group {}: state restored from the snapshot at index {}", group, index);
  }

  @Override
  public Object getNewTermOperation() {
    return new NewTermOp(currentTerm.getAsInt());
  }

  private interface Step {
    JsonObject run();
  }

  private Object safely(long index, Step step) {
    try {
      return step.run();
    } catch (FerryException e) {
      return e;
    } catch (RuntimeException e) {
      log.error("group {}: the state machine failed on the op at index {}", group, index, e);
      return new FerryException(FerryException.INTERNAL, "the state machine failed: " + e);
    }
  }
}
