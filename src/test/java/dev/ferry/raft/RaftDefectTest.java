package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.await;
import static dev.ferry.raft.RaftKvTest.get;
import static dev.ferry.raft.RaftKvTest.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MicroRaft 0.7's defect (fixed in 0.8): a former leader whose log holds a snapshot followed only
 * by entries nobody else has cannot match the new leader's AppendEntries. The scenario: the leader
 * commits exactly up to a snapshot, is cut off, appends entries alone, stops; the others elect a
 * new leader and commit; the old leader restarts with its log. ferry's workaround (the new leader
 * snapshots when a live follower's match index is stuck) lets it catch up; without it, it stays
 * stuck, which shows that the test really builds the defective situation.
 */
@Timeout(240)
class RaftDefectTest {
  private static final int SNAPSHOT_EVERY = 20;
  /** Long enough for a healthy follower to catch up many times over (heartbeats are 1 s here). */
  private static final Duration STUCK_FOR = Duration.ofSeconds(8);

  @Test
  void aFormerLeaderWithOnlyUnreplicatedEntriesAfterItsSnapshotCatchesUp() {
    try (RaftCluster cluster = scenario(2)) {
      int old = oldLeader;
      int leader = cluster.leader(KV, cluster.other(old), cluster.other(old, cluster.other(old)));
      Eventually.await("the old leader to catch up with the new one", RaftCluster.WAIT, () ->
          cluster.status(old, KV).commitIndex() >= cluster.status(leader, KV).commitIndex());
      KvOp.Entry after = await(cluster.client(old).query(KV, get("after/4"), Consistency.EVENTUAL,
          newCommit)).result();
      assertThat(after.value()).isEqualTo("v4");
      assertThat(await(cluster.client(old).query(KV, get("lost/0"), Consistency.EVENTUAL, newCommit)).result())
          .as("the old leader's unreplicated entries are gone").isNull();
      assertThat(cluster.status(old, KV).leader()).isEqualTo(cluster.name(leader));
    }
  }

  @Test
  void withoutTheWorkaroundTheFormerLeaderStaysStuck() {
    try (RaftCluster cluster = scenario(1_000_000)) {
      int old = oldLeader;
      long stuckAt = cluster.status(old, KV).commitIndex();
      long deadline = System.nanoTime() + STUCK_FOR.toNanos();
      while (System.nanoTime() < deadline) {
        assertThat(cluster.status(old, KV).commitIndex()).as("commit index of the stuck node").isEqualTo(stuckAt);
        Eventually.await("a second to pass", Duration.ofSeconds(2), () -> true);
      }
      assertThat(stuckAt).isLessThan(newCommit);
    }
  }

  private int oldLeader;
  private long newCommit;

  private RaftCluster scenario(int stuckChecks) {
    RaftCluster cluster = RaftCluster.start(3, Set.of(), new JsonObject()
        .put("snapshot_every", SNAPSHOT_EVERY).put("stuck_follower_checks", stuckChecks));
    try {
      int old = cluster.leader(KV);
      oldLeader = old;
      RaftClient client = cluster.client(old);
      for (int n = 0; cluster.status(old, KV).snapshotIndex() == 0; n++) {
        assertThat(n).as("proposals before the first snapshot").isLessThan(2 * SNAPSHOT_EVERY);
        await(client.propose(KV, put("before/" + n, "v" + n)));
      }
      GroupStatus snapshotted = cluster.status(old, KV);
      assertThat(snapshotted.commitIndex()).isEqualTo(snapshotted.snapshotIndex());

      cluster.partition(old);
      for (int n = 0; n < 3; n++) {
        client.propose(KV, put("lost/" + n, "never")); // appended alone, never committed
      }
      // the leader may batch the three into one entry: one unreplicated entry is the situation
      Eventually.await("the cut-off leader to append its entries", RaftCluster.WAIT,
          () -> cluster.status(old, KV).lastLogIndex() > snapshotted.snapshotIndex());
      cluster.stop(old);
      cluster.heal();

      int a = cluster.other(old);
      int b = cluster.other(old, a);
      int leader = cluster.newLeader(KV, old, a, b);
      for (int n = 0; n < 5; n++) {
        newCommit = await(cluster.client(leader).propose(KV, put("after/" + n, "v" + n))).index();
      }
      cluster.restart(old);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }
}
