package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.WAIT;
import static dev.ferry.raft.RaftCluster.await;
import static dev.ferry.raft.RaftKvTest.get;
import static dev.ferry.raft.RaftKvTest.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Join, leave and leadership transfer while proposals flow; node4 is {@code "voter": false}. */
@Timeout(180)
class RaftMembershipTest {
  /** Failures a writer may see while membership changes; none may lose an acknowledged write. */
  private static final Set<String> TRANSIENT = Set.of("no-leader", "rejected", "timeout");
  private static final int MAX_WRITES = 100_000;
  /** {@code raft.membership_timeout_ms} where a join is made to time out: short, so the test is. */
  private static final long MEMBERSHIP_TIMEOUT_MS = 5_000;
  /** {@code raft.catch_up_lag} there: a learner that heard nothing is this far behind once that many writes committed. */
  private static final int CATCH_UP_LAG = 20;

  /**
   * node4, named in peers.json but never a member, joins as a learner first (it has no vote, so
   * writes go on while it catches up) and becomes a voter once caught up; while it hears nothing
   * from the group it stays a learner, and the join times out saying so, until a join after it
   * can hear again promotes it.
   */
  @Test
  void joinAsALearnerThenAVoterAndLeaveWhileProposalsFlow() throws Exception {
    try (RaftCluster cluster = RaftCluster.start(4, Set.of(4),
        new JsonObject().put("membership_timeout_ms", MEMBERSHIP_TIMEOUT_MS).put("catch_up_lag", CATCH_UP_LAG))) {
      int leader = cluster.leader(KV, 1, 2, 3);
      assertThat(cluster.status(4, KV).role()).isEqualTo("out");
      Writer writer = new Writer(cluster, List.of(1, 2, 3));
      writer.start();
      // more than the lag: a learner that hears nothing cannot count as caught up
      Eventually.await("some writes", WAIT, () -> writer.acknowledged.size() > 2 * CATCH_UP_LAG);

      cluster.isolateReplica(KV, 4);
      Throwable stalled = Futures.cause(cluster.client(1).join(KV, "node4", false), WAIT);
      assertThat(FerryException.from(stalled).code()).as(stalled.toString()).isEqualTo(FerryException.TIMEOUT);
      assertThat(stalled).hasMessageContaining("node4 joined group kv as a learner but did not catch up within "
          + MEMBERSHIP_TIMEOUT_MS + " ms");
      GroupStatus learning = cluster.status(cluster.leader(KV, 1, 2, 3), KV);
      assertThat(learning.learners()).containsExactly("node4");
      assertThat(learning.voters()).doesNotContain("node4");
      int whileLearning = writer.acknowledged.size();
      Eventually.await("writes while node4 learns", WAIT, () -> writer.acknowledged.size() > whileLearning + 10);

      cluster.heal();
      GroupStatus joined = await(cluster.client(1).join(KV, "node4", false));
      assertThat(joined.voters()).contains("node4");
      assertThat(joined.learners()).isEmpty();
      Eventually.await("node4 to be a follower", WAIT, () -> cluster.status(4, KV).role().equals("follower"));

      int leaving = cluster.other(leader, 4);
      GroupStatus left = await(cluster.client(4).leave(KV, cluster.name(leaving)));
      assertThat(left.members()).doesNotContain(cluster.name(leaving)).contains("node4");
      Eventually.await(cluster.name(leaving) + " to start over outside the group", WAIT,
          () -> cluster.status(leaving, KV).role().equals("out"));
      int before = writer.acknowledged.size();
      Eventually.await("writes after the changes", WAIT, () -> writer.acknowledged.size() > before + 10);
      writer.stop();

      assertThat(writer.failures.keySet()).isSubsetOf(TRANSIENT);
      long last = writer.acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      List<KvOp.Entry> all = new ArrayList<>();
      KvOp.Page page = await(cluster.client(4).query(KV, new KvOp.ListEntries("w/", null),
          Consistency.EVENTUAL, last)).result();
      all.addAll(page.entries());
      while (page.more()) {  // a page at a time, as every client reads it
        String after = all.get(all.size() - 1).key();
        page = await(cluster.client(4).query(KV, new KvOp.ListEntries("w/", after, null), Consistency.EVENTUAL, last))
            .result();
        all.addAll(page.entries());
      }
      Map<String, Object> stored = new ConcurrentHashMap<>();
      all.forEach(e -> stored.put(e.key(), e));
      assertThat(stored.keySet()).containsAll(writer.acknowledged.keySet());
    }
  }

  /**
   * A node that left joins again under its name, with a fresh store under a new generation: it
   * catches up by replaying the log, its own earlier removal included, takes writes as a voter the
   * quorum needs, and keeps its state across a restart.
   */
  @Test
  void aNodeThatLeftJoinsAgainUnderItsName() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int again = cluster.other(leader);
      String name = cluster.name(again);
      await(cluster.client(leader).propose(KV, put("j/before", "1")));
      await(cluster.client(leader).leave(KV, name));
      Eventually.await(name + " to start over outside the group", WAIT,
          () -> cluster.status(again, KV).role().equals("out"));
      for (int n = 0; n < 20; n++) {
        await(cluster.client(leader).propose(KV, put("j/" + n, "v" + n)));
      }

      GroupStatus joined = await(cluster.client(again).join(KV, name, false));
      assertThat(joined.voters()).contains(name);
      Eventually.await(name + " to follow again", WAIT, () -> cluster.status(again, KV).role().equals("follower"));
      long written = await(cluster.client(again).propose(KV, put("j/rejoined", "2"))).index();
      assertThat(await(cluster.client(again).query(KV, get("j/19"), Consistency.EVENTUAL, written)).result()
          .value()).isEqualTo("v19");

      cluster.stop(again);
      cluster.restart(again);
      Eventually.await(name + " to follow after its restart", WAIT,
          () -> cluster.status(again, KV).role().equals("follower"));
      assertThat(await(cluster.client(again).query(KV, get("j/rejoined"), Consistency.EVENTUAL, written)).result()
          .value()).isEqualTo("2");
      int third = cluster.other(leader, again);
      cluster.stop(third);
      int now = cluster.leader(KV, leader, again);
      assertThat(await(cluster.client(now).propose(KV, put("j/quorum", "3"))).index())
          .as("a commit that needs its vote").isGreaterThan(written);
    }
  }

  /**
   * The leader asked to remove itself (directly, then as the new leader through a follower) hands
   * the leadership on and is removed; the answer is the group's status after the change, and
   * writes carry on at once.
   */
  @Test
  void aLeaderAskedToLeaveHandsOverAndLeaves() {
    try (RaftCluster cluster = RaftCluster.start(4)) {
      int leader = cluster.leader(KV);
      String name = cluster.name(leader);
      GroupStatus left = await(cluster.client(leader).leave(KV, name));
      assertThat(left.members()).doesNotContain(name).hasSize(3);
      assertThat(left.role()).isEqualTo("leader");
      Eventually.await(name + " to start over outside the group", WAIT,
          () -> cluster.status(leader, KV).role().equals("out"));

      int[] rest = cluster.running().stream().mapToInt(Integer::intValue).filter(i -> i != leader).toArray();
      int next = cluster.leader(KV, rest);
      int follower = cluster.other(leader, next);
      GroupStatus again = await(cluster.client(follower).leave(KV, cluster.name(next)));
      assertThat(again.members()).doesNotContain(name, cluster.name(next)).hasSize(2);
      assertThat(await(cluster.client(follower).propose(KV, put("l/after", "1"))).index()).isPositive();
    }
  }

  @Test
  void leadershipMovesToTheNamedVoter() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int target = cluster.other(leader);
      assertThat(await(cluster.client(leader).transferLeadership(KV, cluster.name(target))))
          .isEqualTo(cluster.name(target));
      assertThat(cluster.leader(KV)).isEqualTo(target);
      assertThat(await(cluster.client(leader).propose(KV, put("t/after", "1"))).index()).isPositive();
      String code = RaftKvTest.code(cluster.client(leader).transferLeadership(KV, "nobody"));
      assertThat(code).isEqualTo(FerryException.BAD_REQUEST);
    }
  }

  /** Proposes w/0, w/1, ... one at a time through the given nodes in turn, recording what is acknowledged. */
  private static final class Writer {
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final RaftCluster cluster;
    private final List<Integer> via;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Writer(RaftCluster cluster, List<Integer> via) {
      this.cluster = cluster;
      this.via = via;
      this.thread = new Thread(this::run, "raft-test-writer");
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(WAIT.toSeconds()));
    }

    private void run() {
      for (int n = 0; running.get() && n < MAX_WRITES; n++) {
        int node = via.get(n % via.size());
        String key = "w/" + n;
        try {
          if (!cluster.running(node)) {
            continue;
          }
          acknowledged.put(key, await(cluster.client(node).propose(KV, put(key, "v" + n))).index());
        } catch (RuntimeException | AssertionError e) {
          failures.merge(FerryException.from(e).code(), 1, Integer::sum);
        }
      }
    }
  }
}
