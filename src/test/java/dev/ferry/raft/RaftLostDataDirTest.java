package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.WAIT;
import static dev.ferry.raft.RaftCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose whole data dir is lost (a new disk: no store, no record of one) must not vote as the
 * member it was: it learns from the group's records of its stores that it had one, and comes back
 * as the next generation outside the group, at start-up when another node answers, or as soon as it
 * applies those records when nobody could answer then. Committed entries survive, and {@code leave}
 * plus {@code join} make it a voter that caught up.
 */
@Timeout(300)
class RaftLostDataDirTest {
  private static final int WRITES = 10;

  @Test
  void aNodeWhoseWholeDataDirWasLostComesBackOutsideTheGroupAndNeverVotesAsTheOldMember() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int lost = cluster.other(leader);
      int third = cluster.other(leader, lost);
      String name = cluster.name(lost);
      long written = writeAndRecord(cluster, leader, lost);

      cluster.stop(lost);
      deleteTree(cluster.dataDir(lost));
      cluster.restart(lost);

      assertThat(endpoint(cluster, leader, name)).as("a new generation, not the member it was").isEqualTo(name + "#1");
      assertThat(cluster.status(lost, KV).role()).isEqualTo("out");
      cluster.stop(third);
      Eventually.await("the leader to lose its quorum: " + name + " does not vote as the member it was", WAIT,
          () -> failureOf(cluster.client(leader).propose(KV, RaftKvTest.put("without-quorum", "x"))) != null);
      assertThat(failureOf(cluster.client(leader).propose(KV, RaftKvTest.put("without-quorum", "y"))).code())
          .isIn("no-leader", "timeout");

      cluster.restart(third);
      int now = committingLeader(cluster, leader, third);
      assertEveryWrite(cluster, now, written);
      rejoinAndCatchUp(cluster, now, lost, written);
    }
  }

  @Test
  void aNodeThatLostItsDataDirWhileNobodyCouldTellStopsVotingOnceItAppliesTheGroupsRecords() {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int lost = cluster.other(leader);
      int third = cluster.other(leader, lost);
      String name = cluster.name(lost);
      long written = writeAndRecord(cluster, leader, lost);

      cluster.stop(lost);
      cluster.stop(leader);
      cluster.stop(third);
      deleteTree(cluster.dataDir(lost));
      cluster.restart(lost); // nobody to ask: it starts as its first generation
      assertThat(endpoint(cluster, lost, name)).isEqualTo(name);
      cluster.restart(leader);
      cluster.restart(third);

      Eventually.await(name + " to stop running as the member it was", WAIT,
          () -> endpoint(cluster, leader, name).equals(name + "#1"));
      assertThat(cluster.status(lost, KV).role()).isEqualTo("out");
      int now = committingLeader(cluster, leader, third);
      assertEveryWrite(cluster, now, written);
      rejoinAndCatchUp(cluster, now, lost, written);
    }
  }

  /** Commits {@link #WRITES} entries and waits until the group recorded {@code lost}'s store; the last index. */
  private static long writeAndRecord(RaftCluster cluster, int leader, int lost) {
    long written = 0;
    for (int n = 0; n < WRITES; n++) {
      written = await(cluster.client(leader).propose(KV, RaftKvTest.put("lost/" + n, "v" + n))).index();
    }
    String name = cluster.name(lost);
    Eventually.await("the group to record the store of " + name, WAIT,
        () -> discover(cluster, leader, cluster.name(leader)).stores().containsKey(name));
    return written;
  }

  /** Waits until the nodes {@code among} agree on a leader that commits in its term (reads need that); its number. */
  private static int committingLeader(RaftCluster cluster, int... among) {
    int[] leader = new int[1];
    Eventually.await("a leader that commits", WAIT, () -> {
      leader[0] = cluster.leader(KV, among);
      return failureOf(cluster.client(leader[0]).propose(KV, RaftKvTest.put("after", "restart"))) == null;
    });
    return leader[0];
  }

  private static void assertEveryWrite(RaftCluster cluster, int node, long written) {
    for (int n = 0; n < WRITES; n++) {
      KvOp.Entry got = await(cluster.client(node).query(KV, RaftKvTest.get("lost/" + n), Consistency.LINEARIZABLE,
          written)).result();
      assertThat(got.value()).as("committed entry lost/" + n).isEqualTo("v" + n);
    }
  }

  /** {@code leave} then {@code join}: {@code lost} votes again, with every committed entry. */
  private static void rejoinAndCatchUp(RaftCluster cluster, int leader, int lost, long written) {
    String name = cluster.name(lost);
    await(cluster.client(leader).leave(KV, name));
    GroupStatus joined = await(cluster.client(leader).join(KV, name, false));
    assertThat(joined.voters()).contains(name);
    for (int n = 0; n < WRITES; n++) {
      KvOp.Entry got = await(cluster.client(lost).query(KV, RaftKvTest.get("lost/" + n), Consistency.EVENTUAL,
          written)).result();
      assertThat(got.value()).isEqualTo("v" + n);
    }
    // its replica serves reads up to `written` before it applies the join's entry, after which it
    // counts itself a member again
    Eventually.await(name + " to run as a member again", WAIT,
        () -> List.of("follower", "leader").contains(cluster.status(lost, KV).role()));
  }

  /** The failure of a proposal, or null if it committed. */
  private static FerryException failureOf(Future<? extends Committed<?>> proposal) {
    try {
      proposal.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (TimeoutException e) {
      throw new AssertionError("no answer in " + WAIT.toSeconds() + " s", e);
    } catch (RuntimeException e) {
      return FerryException.from(e);
    }
  }

  private static Discovered discover(RaftCluster cluster, int from, String name) {
    return await(cluster.client(from).discover(Addresses.raftNode(KV, name)));
  }

  /** The Raft endpoint {@code name}'s replica runs as now. */
  private static String endpoint(RaftCluster cluster, int from, String name) {
    return discover(cluster, from, name).endpoint();
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
