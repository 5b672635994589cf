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
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
    JsonObject raft = new JsonObject().put("snapshot_every", ENTRIES_NEVER).put("snapshot_every_ops", EVERY_OPS);
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
  }

  /** {@code ferry_raft_applied_ops_total} of the {@code kv} group on node {@code i}. */
  private static double appliedOps(RaftCluster cluster, int i) {
    Counter counter = cluster.node(i).meters().find("ferry.raft.applied.ops").tag("group", KV).counter();
    assertThat(counter).as("ferry_raft_applied_ops_total{group=kv} on node %d", i).isNotNull();
    return counter.count();
  }
}
