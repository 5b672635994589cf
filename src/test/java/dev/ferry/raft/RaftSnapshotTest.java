package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.WAIT;
import static dev.ferry.raft.RaftCluster.await;
import static dev.ferry.raft.RaftKvTest.get;
import static dev.ferry.raft.RaftKvTest.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshots by the work a replica did ({@code raft.snapshot_every_ops}, {@code
 * raft.snapshot_every_bytes}), not only by log entries ({@code raft.snapshot_every}), which the
 * leader's batches make rare: a group that applies batched entries snapshots after the configured
 * ops or bytes, and a restarted node replays no more than that from its log.
 */
@Timeout(180)
class RaftSnapshotTest {
  /** Far more entries than any test here writes: MicroRaft's own count never snapshots. */
  private static final int ENTRIES_NEVER = 100_000;
  private static final int EVERY_OPS = 200;
  /** Proposals in flight at once, so that the leader batches them. */
  private static final int IN_FLIGHT = 64;
  private static final int WINDOWS = 20;
  private static final int EVERY_BYTES = 16_384;
  private static final int VALUE_CHARS = 1_000;

  @Test
  void batchedEntriesAreSnapshottedByOpsAndARestartReplaysNoMoreThanThat() {
    // no snapshot at shutdown: the bound shown is what a node killed with -9 replays
    JsonObject raft = new JsonObject().put("snapshot_every", ENTRIES_NEVER).put("snapshot_every_ops", EVERY_OPS)
        .put("shutdown_snapshot_ms", 0);
    try (RaftCluster cluster = RaftCluster.start(3, Set.of(), raft)) {
      int leader = cluster.leader(KV);
      long entriesBefore = cluster.status(leader, KV).commitIndex();
      long last = 0;
      for (int w = 0; w < WINDOWS; w++) {
        List<Future<Committed<KvOp.Written>>> window = new ArrayList<>();
        for (int n = 0; n < IN_FLIGHT; n++) {
          window.add(cluster.client(leader).propose(KV, put("b/" + w + "/" + n, "v" + n)));
        }
        for (Future<Committed<KvOp.Written>> f : window) {
          last = Math.max(last, await(f).index());
        }
        long applied = last;
        // every node applies each window before the next one is sent: no node lags by more than IN_FLIGHT ops
        Eventually.await("every node to apply window " + w, WAIT,
            () -> cluster.running().stream().allMatch(i -> cluster.status(i, KV).commitIndex() >= applied));
      }
      int ops = WINDOWS * IN_FLIGHT;
      assertThat(last - entriesBefore).as("the leader batched the ops into fewer entries").isLessThan(ops);
      for (int i = 1; i <= 3; i++) {
        assertThat(cluster.status(i, KV).snapshotIndex()).as("node %d snapshotted by ops, not entries", i)
            .isPositive();
      }

      int restarted = cluster.other(leader);
      cluster.stop(restarted);
      cluster.restart(restarted);
      long target = last;
      Eventually.await("the restarted node to catch up", WAIT,
          () -> cluster.status(restarted, KV).commitIndex() >= target);
      double replayed = appliedOps(cluster, restarted);
      assertThat(replayed).as("ops the restarted node replayed from its log after its snapshot")
          .isLessThan(EVERY_OPS + IN_FLIGHT)
          .isLessThan(ops);
      assertThat(await(cluster.client(restarted).query(KV, get("b/" + (WINDOWS - 1) + "/0"), Consistency.EVENTUAL,
          last)).result().value()).isEqualTo("v0");
    }
  }

  @Test
  void largeOpsAreSnapshottedByTheBytesOfLogTheyWrote() {
    JsonObject raft = new JsonObject().put("snapshot_every", ENTRIES_NEVER).put("snapshot_every_ops", ENTRIES_NEVER)
        .put("snapshot_every_bytes", EVERY_BYTES);
    try (RaftCluster cluster = RaftCluster.start(3, Set.of(), raft)) {
      int leader = cluster.leader(KV);
      String value = "x".repeat(VALUE_CHARS);
      int ops = 2 * EVERY_BYTES / VALUE_CHARS;
      for (int n = 0; n < ops; n++) {
        await(cluster.client(leader).propose(KV, put("big/" + n, value)));
      }
      Eventually.await("every node to snapshot by bytes", WAIT,
          () -> cluster.running().stream().allMatch(i -> cluster.status(i, KV).snapshotIndex() > 0));
    }
  }

  /** The group whose state machine makes snapshot chunks only once {@link #GATE} opens. */
  private static final String GATED = "gated";
  private static final CountDownLatch ENTERED = new CountDownLatch(1);
  private static final CountDownLatch GATE = new CountDownLatch(1);

  /** {@code kv}, but a snapshot's chunks wait for {@link #GATE} before they are made (on the worker that makes them). */
  private record Gated(KvStateMachine kv) implements StateMachine {
    @Override
    public void checkProposal(JsonObject op) {
      kv.checkProposal(op);
    }

    @Override
    public void checkQuery(JsonObject op) {
      kv.checkQuery(op);
    }

    @Override
    public JsonObject apply(long index, JsonObject op) {
      return kv.apply(index, op);
    }

    @Override
    public JsonObject query(JsonObject op) {
      return kv.query(op);
    }

    @Override
    public void snapshot(Consumer<JsonObject> chunks) {
      kv.snapshot(chunks);
    }

    @Override
    public void restore(List<JsonObject> chunks) {
      kv.restore(chunks);
    }

    @Override
    public Snapshot capture() {
      Snapshot captured = kv.capture();
      return new Snapshot() {
        @Override
        public int chunks() {
          return captured.chunks();
        }

        @Override
        public JsonObject chunk(int i) {
          ENTERED.countDown();
          try {
            if (!GATE.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
              throw new IllegalStateException("the test never opened the gate");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          return captured.chunk(i);
        }
      };
    }
  }

  @Test
  void aSnapshotIsMadeOffTheRaftExecutorWhileTheGroupGoesOnAndARestartReadsIt() throws InterruptedException {
    StateMachines.register("gated-kv", settings -> new Gated(new KvStateMachine(settings.snapshotChunkEntries())));
    JsonObject groups = ConfigLayers.defaults().getJsonObject("raft").getJsonObject("groups").copy()
        .put(GATED, new JsonObject().put("state_machine", "gated-kv"));
    // no snapshot at shutdown: the restart reads the snapshot made at the gate and the log after it
    JsonObject raft = new JsonObject().put("snapshot_every", ENTRIES_NEVER).put("snapshot_every_ops", 20)
        .put("snapshot_chunk_entries", 4).put("shutdown_snapshot_ms", 0).put("groups", groups);
    try (RaftCluster cluster = RaftCluster.start(1, Set.of(), raft)) {
      for (int n = 0; n < 25; n++) {
        await(cluster.client(1).propose(GATED, put("k" + n, "v" + n)));
      }
      assertThat(ENTERED.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("a snapshot's chunks are being made").isTrue();
      long snapshot = cluster.status(1, GATED).snapshotIndex();
      assertThat(snapshot).as("MicroRaft took the snapshot").isPositive();

      // its chunks wait at the gate, and the group goes on applying ops meanwhile
      long last = 0;
      for (int n = 25; n < 80; n++) {
        last = await(cluster.client(1).propose(GATED, put("k" + n, "v" + n))).index();
      }
      assertThat(storedSnapshot(cluster, GATED)).as("not in the store while its chunks are not made").isZero();

      GATE.countDown();
      Eventually.await("the snapshot to be complete in the store", WAIT,
          () -> storedSnapshot(cluster, GATED) >= snapshot);
      cluster.stop(1);
      cluster.restart(1);
      long target = last;
      Eventually.await("the restarted node to apply the log after its snapshot", WAIT,
          () -> cluster.status(1, GATED).commitIndex() >= target);
      for (int n : new int[] {0, 24, 79}) {
        assertThat(await(cluster.client(1).query(GATED, get("k" + n), Consistency.EVENTUAL, last)).result()
            .value()).isEqualTo("v" + n);
      }
      assertThat(appliedOps(cluster, 1, GATED)).as("ops replayed from the log after the snapshot it stored")
          .isLessThan(80);
    }
  }

  @Test
  void aBadSnapshotSettingNamesItsKey() {
    JsonObject ops = ConfigLayers.defaults();
    ops.getJsonObject("raft").put("snapshot_every_ops", 0);
    assertThatThrownBy(() -> RaftSettings.from(ops)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("raft.snapshot_every_ops");
    JsonObject bytes = ConfigLayers.defaults();
    bytes.getJsonObject("raft").put("snapshot_every_bytes", "lots");
    assertThatThrownBy(() -> RaftSettings.from(bytes)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("raft.snapshot_every_bytes");
    JsonObject shutdown = ConfigLayers.defaults();
    shutdown.getJsonObject("raft").put("shutdown_snapshot_ms", -1);
    assertThatThrownBy(() -> RaftSettings.from(shutdown)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("raft.shutdown_snapshot_ms");
  }

  /** {@code ferry_raft_applied_ops_total} of the {@code kv} group on node {@code i}. */
  private static double appliedOps(RaftCluster cluster, int i) {
    return appliedOps(cluster, i, KV);
  }

  private static double appliedOps(RaftCluster cluster, int i, String group) {
    Counter counter = cluster.node(i).meters().find("ferry.raft.applied.ops").tag("group", group).counter();
    assertThat(counter).as("ferry_raft_applied_ops_total{group=%s} on node %d", group, i).isNotNull();
    return counter.count();
  }

  /** {@code ferry_raft_snapshot_stored_index} of {@code group} on node 1. */
  private static double storedSnapshot(RaftCluster cluster, String group) {
    Gauge gauge = cluster.node(1).meters().find("ferry.raft.snapshot.stored.index").tag("group", group).gauge();
    assertThat(gauge).as("ferry_raft_snapshot_stored_index{group=%s}", group).isNotNull();
    return gauge.value();
  }
}
