package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.WAIT;
import static dev.ferry.raft.RaftCluster.await;
import static dev.ferry.raft.RaftKvTest.get;
import static dev.ferry.raft.RaftKvTest.http;
import static dev.ferry.raft.RaftKvTest.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Raft traffic cut between one node and the other two: the one cannot commit, and catches up after healing. */
@Timeout(180)
class RaftPartitionTest {

  @Test
  void aCutOffLeaderStopsCommittingAndFollowsTheNewLeaderAfterHealing() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int old = cluster.leader(KV);
      await(cluster.client(old).propose(KV, put("p/before", "1")));

      cluster.partition(old);
      int a = cluster.other(old);
      int b = cluster.other(old, a);
      int leader = cluster.newLeader(KV, old, a, b);
      long committed = await(cluster.client(a).propose(KV, put("p/majority", "2"))).index();
      awaitNoLeader(cluster, old, "p/minority");

      cluster.heal();
      Eventually.await("the healed node to follow " + cluster.name(leader), WAIT, () -> {
        GroupStatus s = cluster.status(old, KV);
        return cluster.name(leader).equals(s.leader()) && s.commitIndex() >= committed;
      });
      assertThat(await(cluster.client(old).query(KV, get("p/majority"), Consistency.EVENTUAL, committed))
          .result().value()).isEqualTo("2");
      assertThat(await(cluster.client(old).query(KV, get("p/minority"))).result())
          .as("a write the minority never committed").isNull();
      assertThat(await(cluster.client(old).propose(KV, put("p/after", "3"))).index()).isGreaterThan(committed);
    }
  }

  @Test
  void aCutOffFollowerAnswersNoLeaderWhileTheMajorityCommits() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int cut = cluster.other(leader);
      cluster.partition(cut);
      awaitNoLeader(cluster, cut, "f/minority");
      long committed = await(cluster.client(leader).propose(KV, put("f/majority", "1"))).index();

      cluster.heal();
      Eventually.await("the healed follower to catch up", WAIT,
          () -> cluster.status(cut, KV).commitIndex() >= committed);
      assertThat(await(cluster.client(cut).propose(KV, put("f/after", "2"))).index()).isGreaterThan(committed);
      assertThat(await(cluster.client(cut).query(KV, get("f/minority"))).result()).isNull();
    }
  }

  /** Once the cut-off node's view of the leader has lapsed, a write there answers 503 no-leader. */
  private static void awaitNoLeader(RaftCluster cluster, int node, String key) {
    Eventually.await(cluster.name(node) + " to know no leader", WAIT, () -> cluster.status(node, KV).leader() == null);
    var response = http(cluster.apiPort(node), "PUT", "/kv/" + key, "x");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getString("error")).isEqualTo("no-leader");
    assertThat(error.getString("message")).contains("group kv has no reachable leader");
  }
}
