package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.WAIT;
import static dev.ferry.raft.RaftCluster.await;
import static dev.ferry.raft.RaftKvTest.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.FillableDisk;
import dev.ferry.testing.Http;
import dev.ferry.testing.SmallDisk;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a node does when its disk fills or its store is lost: it answers {@code storage-full}
 * naming the data dir, says so on {@code /health}, loses no acknowledged write, recovers when
 * space returns without a restart and keeps everything across the next restart; a node whose store
 * is gone comes back outside the group, not as the voter it was.
 *
 * <p>The full disk is a real one, a 2 MB tmpfs mounted over the data dir ({@link SmallDisk}, as
 * root, as here and in CI), and also, so that the behaviour is tested without root too, the store's
 * writes failing with "No space left on device" once the room is used up ({@link FaultyDisk}).
 */
@Timeout(300)
class RaftStorageTest {
  /** Values this size fill the small disk in a few hundred writes. */
  private static final String VALUE = "v".repeat(4000);
  /** Room left on the small disk when the test starts writing. */
  private static final long ROOM = 400 * 1024;
  private static final int MAX_WRITES = 2000;

  /** How a test fills a node's disk. */
  enum Disk {
    /** A 2 MB tmpfs mounted over the data dir: needs root. */
    TMPFS,
    /** The store's writes fail once the room is used up ({@link FaultyDisk}): runs anywhere. */
    FAULTS
  }

  /** Node {@code i}'s data dir on a small disk of this kind: the node is stopped, and restarted on it. */
  private static FillableDisk smallDisk(Disk kind, RaftCluster cluster, int i) {
    if (kind == Disk.TMPFS) {
      Assumptions.assumeTrue(SmallDisk.canMount(), "mounting a tmpfs needs root (the FAULTS run covers this)");
    }
    cluster.stop(i);
    FillableDisk disk = kind == Disk.TMPFS ? SmallDisk.mount(cluster.dataDir(i), "2m")
        : new FaultyDisk(cluster.dataDir(i));
    cluster.restart(i);
    return disk;
  }

  @ParameterizedTest
  @EnumSource(Disk.class)
  void aFullDiskAnswersStorageFullLosesNoAcknowledgedWriteAndRecoversWhenSpaceReturns(Disk kind) {
    RaftCluster cluster = RaftCluster.start(1);
    FillableDisk disk = null;
    try {
      Map<String, String> acknowledged = new LinkedHashMap<>();
      put(cluster, "before", "1", acknowledged);
      disk = smallDisk(kind, cluster, 1);
      cluster.leader(KV);
      disk.fillLeaving(ROOM);

      HttpResponse<String> full = null;
      for (int n = 0; n < MAX_WRITES && full == null; n++) {
        HttpResponse<String> put = http(cluster.apiPort(1), "PUT", "/kv/k" + n, VALUE + n);
        if (put.statusCode() == 200) {
          acknowledged.put("k" + n, VALUE + n);
        } else {
          full = put;
        }
      }
      assertThat(full).as("a write fails once the disk is full").isNotNull();
      assertThat(full.statusCode()).as(full.body()).isEqualTo(507);
      JsonObject error = new JsonObject(full.body());
      assertThat(error.getString("error")).isEqualTo("storage-full");
      assertThat(error.getString("message")).contains(cluster.dataDir(1).toString());
      HttpResponse<String> again = http(cluster.apiPort(1), "PUT", "/kv/while-full", "x");
      assertThat(again.statusCode()).as(again.body()).isEqualTo(507);

      HttpResponse<String> health = Http.get(cluster.apiPort(1), "/health");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("raft.kv", "storage-full", cluster.dataDir(1).toString());

      disk.freeSpace();
      Eventually.await("a write to succeed once space returned, without a restart", WAIT,
          () -> http(cluster.apiPort(1), "PUT", "/kv/after", "2").statusCode() == 200);
      acknowledged.put("after", "2");
      assertThat(Http.get(cluster.apiPort(1), "/health").statusCode()).isEqualTo(204);
      assertEveryWrite(cluster, acknowledged);

      cluster.stop(1);
      cluster.restart(1);
      cluster.leader(KV);
      assertEveryWrite(cluster, acknowledged);
      assertThat(Http.get(cluster.apiPort(1), "/health").statusCode()).isEqualTo(204);
    } finally {
      cluster.stop(1);
      if (disk != null) {
        disk.close();
      }
      cluster.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Disk.class)
  void aFollowerWithAFullDiskStopsItsReplicaAndCatchesUpWhenSpaceReturns(Disk kind) {
    RaftCluster cluster = RaftCluster.start(3);
    FillableDisk disk = null;
    int follower = 0;
    try {
      int leader = cluster.leader(KV);
      follower = cluster.other(leader);
      disk = smallDisk(kind, cluster, follower);
      cluster.leader(KV);
      leader = cluster.leader(KV);
      disk.fillLeaving(ROOM);

      int full = follower;
      Map<String, String> acknowledged = new LinkedHashMap<>();
      long last = 0;
      for (int n = 0; n < MAX_WRITES / 4; n++) {
        HttpResponse<String> put = http(cluster.apiPort(leader), "PUT", "/kv/f" + n, VALUE + n);
        assertThat(put.statusCode()).as("the others keep a quorum: " + put.body()).isEqualTo(200);
        acknowledged.put("f" + n, VALUE + n);
        last = new JsonObject(put.body()).getLong("index");
        if (Http.get(cluster.apiPort(full), "/health").statusCode() == 503) {
          break;
        }
      }
      HttpResponse<String> health = Http.get(cluster.apiPort(full), "/health");
      assertThat(health.statusCode()).as("the follower's disk filled up").isEqualTo(503);
      assertThat(health.body()).contains("raft.kv", "storage-full", cluster.dataDir(full).toString());

      disk.freeSpace();
      long written = last;
      Eventually.await("the follower to recover and catch up without a restart", WAIT,
          () -> http(cluster.apiPort(full), "GET", "/kv/f0?consistency=eventual&min_index=" + written, null)
              .statusCode() == 200);
      Eventually.await("the follower's /health to be 204", WAIT,
          () -> Http.get(cluster.apiPort(full), "/health").statusCode() == 204);
      acknowledged.forEach((key, value) -> {
        HttpResponse<String> got = http(cluster.apiPort(full), "GET", "/kv/" + key + "?consistency=eventual&min_index="
            + written, null);
        assertThat(got.statusCode()).as(key + ": " + got.body()).isEqualTo(200);
        assertThat(new JsonObject(got.body()).getString("value")).as(key).isEqualTo(value);
      });
      assertThat(cluster.status(full, KV).role()).isIn("follower", "leader");
    } finally {
      if (follower != 0) {
        cluster.stop(follower);
      }
      if (disk != null) {
        disk.close();
      }
      cluster.close();
    }
  }

  @Test
  void aNodeWhoseStoreWasDeletedComesBackOutsideTheGroupAndVotesOnlyAfterJoiningAgain() throws IOException {
    try (RaftCluster cluster = RaftCluster.start(3)) {
      int leader = cluster.leader(KV);
      int lost = cluster.other(leader);
      String name = cluster.name(lost);
      long written = 0;
      for (int n = 0; n < 10; n++) {
        written = await(cluster.client(leader).propose(KV, RaftKvTest.put("lost/" + n, "v" + n))).index();
      }
      long known = written;
      Eventually.await(name + " to have every write", WAIT,
          () -> cluster.status(lost, KV).commitIndex() >= known);
      cluster.stop(lost);
      Path store = cluster.dataDir(lost).resolve("raft");
      for (String file : new String[] {"kv.db", "kv.db-wal", "kv.db-shm"}) {
        Files.deleteIfExists(store.resolve(file));
      }
      cluster.restart(lost);

      Discovered discovered = await(cluster.client(leader).discover(Addresses.raftNode(KV, name)));
      assertThat(discovered.endpoint()).as("a new generation, not the member it was").isEqualTo(name + "#1");
      assertThat(cluster.status(lost, KV).role()).isEqualTo("out");

      await(cluster.client(leader).leave(KV, name));
      GroupStatus joined = await(cluster.client(leader).join(KV, name, false));
      assertThat(joined.voters()).contains(name);
      for (int n = 0; n < 10; n++) {
        KvOp.Entry got = await(cluster.client(lost).query(KV, RaftKvTest.get("lost/" + n), Consistency.EVENTUAL,
            known)).result();
        assertThat(got.value()).isEqualTo("v" + n);
      }
    }
  }

  private static void put(RaftCluster cluster, String key, String value, Map<String, String> acknowledged) {
    HttpResponse<String> put = http(cluster.apiPort(1), "PUT", "/kv/" + key, value);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    acknowledged.put(key, value);
  }

  private static void assertEveryWrite(RaftCluster cluster, Map<String, String> acknowledged) {
    Eventually.await("a leader that answers reads", WAIT,
        () -> http(cluster.apiPort(1), "GET", "/kv/before", null).statusCode() == 200);
    acknowledged.forEach((key, value) -> {
      HttpResponse<String> got = http(cluster.apiPort(1), "GET", "/kv/" + key, null);
      assertThat(got.statusCode()).as(key + ": " + got.body()).isEqualTo(200);
      assertThat(new JsonObject(got.body()).getString("value")).as(key).isEqualTo(value);
    });
  }
}
