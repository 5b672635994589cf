package dev.ferry.raft;

import static dev.ferry.raft.RaftKvTest.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fat jar as three processes with the shipped settings: kill -9 of the leader loses no committed write. */
@Timeout(300)
class RaftProcessIT {
  private static final Duration FORM = Duration.ofSeconds(90);
  /** Failure detection is 5 s (raft.heartbeat_timeout_ms); the margin covers a loaded machine. */
  private static final Duration FAIL_OVER = Duration.ofSeconds(45);
  private static final int WRITES = 20;

  @Test
  void killingTheLeaderElectsAnotherAndLosesNoCommittedWrite() {
    try (ProcessCluster cluster = TestCluster.processes(3)) {
      int leader = awaitLeader(cluster, FORM, 1, 2, 3);
      for (int n = 0; n < WRITES; n++) {
        var put = http(cluster.apiPort(1 + n % 3), "PUT", "/kv/k" + n, "v" + n);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      }

      cluster.kill(leader);
      int[] survivors = Arrays.stream(new int[] {1, 2, 3}).filter(i -> i != leader).toArray();
      int next = awaitLeader(cluster, FAIL_OVER, survivors);
      assertThat(next).isNotEqualTo(leader);
      for (int i : survivors) {
        for (int n = 0; n < WRITES; n++) {
          var got = http(cluster.apiPort(i), "GET", "/kv/k" + n, null);
          assertThat(got.statusCode()).as("k" + n + " on " + cluster.name(i) + ": " + got.body()).isEqualTo(200);
          assertThat(new JsonObject(got.body()).getString("value")).isEqualTo("v" + n);
        }
      }
      var after = http(cluster.apiPort(survivors[0]), "PUT", "/kv/after", "kill");
      assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
      long index = new JsonObject(after.body()).getLong("index");

      cluster.restart(leader);
      Eventually.await("the restarted node to catch up", FORM, () -> {
        var got = http(cluster.apiPort(leader), "GET", "/kv/after?consistency=eventual&min_index=" + index, null);
        return got.statusCode() == 200 && "kill".equals(new JsonObject(got.body()).getString("value"));
      });
      JsonObject kv = status(cluster, leader).getJsonObject("groups").getJsonObject("kv");
      assertThat(kv.getString("leader")).isEqualTo(cluster.name(next));
      assertThat(kv.getString("role")).isEqualTo("follower");
    }
  }

  /** Waits until the given nodes name the same leader among themselves; its number. */
  static int awaitLeader(ProcessCluster cluster, Duration timeout, int... among) {
    int[] found = new int[1];
    Eventually.await("a leader agreed by " + Arrays.toString(among), timeout, () -> {
      Set<String> leaders = new HashSet<>();
      for (int i : among) {
        leaders.add(status(cluster, i).getJsonObject("groups").getJsonObject("kv").getString("leader"));
      }
      if (leaders.size() != 1 || leaders.contains(null)) {
        return false;
      }
      String name = leaders.iterator().next();
      List<Integer> candidates = Arrays.stream(among).boxed().filter(i -> cluster.name(i).equals(name)).toList();
      if (candidates.isEmpty()) {
        return false;
      }
      found[0] = candidates.get(0);
      return true;
    });
    return found[0];
  }

  static JsonObject status(ProcessCluster cluster, int i) {
    var response = http(cluster.apiPort(i), "GET", "/raft/status", null);
    if (response.statusCode() != 200) {
      throw new IllegalStateException(cluster.name(i) + " answers " + response.statusCode() + ": " + response.body());
    }
    return new JsonObject(response.body());
  }
}
