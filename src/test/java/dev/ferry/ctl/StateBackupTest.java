package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pinset's rotating backups ({@code raft.backups}, written by each node as it stops) and
 * {@code ferry state cleanup}, on three nodes in this JVM: a backup holds every pin in IPFS
 * Cluster's export format, only the newest {@code raft.backups} stay ({@code 0}: none is written),
 * and after every node lost its whole data dir, {@code ferry state import} of a backup brings every
 * pin back with its name and replication. Cleanup asks first, refuses while the node runs, and removes the Raft state only.
 */
@Timeout(300)
class StateBackupTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PINS = 30;

  @TempDir
  Path kept;

  @Test
  void backupsRotateOnShutdownAndOneRestoresAClusterThatLostItsDataDirs() throws Exception {
    // node1 keeps two backups, node2 none (raft.backups=0), node3 the default (5)
    try (JvmCluster cluster = TestCluster.inJvm(3, i -> i == 1 ? List.of("raft.backups=2")
        : i == 2 ? List.of("raft.backups=0") : List.of()).awaitFullMembership()) {
      Map<String, String> names = new TreeMap<>();
      for (int n = 0; n < PINS; n++) {
        String cid = cid(n);
        HttpResponse<String> pinned = post(cluster.apiPort(1 + n % 3), "/pins/" + cid + "?name=pin-" + n
            + "&replication-min=1&replication-max=2");
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        names.put(cid, "pin-" + n);
      }
      Path backups = cluster.dataDir(1).resolve("backups");
      for (int stop = 1; stop <= 3; stop++) {
        Eventually.await("node1's replica to hold every pin", WAIT, () -> allocations(cluster.apiPort(1)).size() == PINS);
        cluster.stop(1);
        assertThat(backupsIn(backups)).hasSize(Math.min(stop, 2));
        Path newest = backupsIn(backups).get(backupsIn(backups).size() - 1);
        assertThat(pinsIn(newest)).as(newest.toString()).isEqualTo(names);
        if (stop < 3) {
          cluster.restart(1);
        }
      }
      Path backup = Files.copy(backupsIn(backups).get(1), kept.resolve("pinset.ndjson"));

      // cleanup: asks first, refuses a running node, removes the Raft state and nothing else
      String[] cleanup = {"state", "cleanup", "--peers", cluster.peersFile().toString(), "--name", "node1",
          "--data", cluster.dataDir(1).toString()};
      CommandRun declined = withStdin("n\n", () -> CommandRun.of(cleanup));
      assertThat(declined.code()).isZero();
      assertThat(declined.out()).isEqualTo(StateCleanup.PROMPT + " ");
      assertThat(cluster.dataDir(1).resolve("raft")).exists();
      CommandRun running = CommandRun.of("state", "cleanup", "--force", "--peers", cluster.peersFile().toString(),
          "--name", "node2", "--data", cluster.dataDir(2).toString());
      assertThat(running.code()).isEqualTo(1);
      assertThat(running.err()).startsWith("error cleaning state: node node2 runs (its API answers on ");
      CommandRun confirmed = withStdin("maybe\ny\n", () -> CommandRun.of(cleanup));
      assertThat(confirmed.code()).as(confirmed.err()).isZero();
      assertThat(confirmed.out()).contains("Please press either 'y' or 'n'", "data correctly cleaned up");
      assertThat(cluster.dataDir(1).resolve("raft")).doesNotExist();
      assertThat(cluster.dataDir(1).resolve("raft-identity")).doesNotExist();
      assertThat(cluster.dataDir(1).resolve("node.key")).exists();
      assertThat(backupsIn(backups)).hasSize(2);

      // every node loses its whole data dir; the cluster starts again, empty, and the backup restores it
      cluster.stop(2);
      cluster.stop(3);
      assertThat(cluster.dataDir(2).resolve("backups")).as("raft.backups=0 writes none").doesNotExist();
      List<Path> ofNode3 = backupsIn(cluster.dataDir(3).resolve("backups"));
      assertThat(ofNode3).hasSize(1);
      assertThat(pinsIn(ofNode3.get(0))).isEqualTo(names);
      for (int i = 1; i <= 3; i++) {
        deleteTree(cluster.dataDir(i));
      }
      for (int i = 1; i <= 3; i++) {
        cluster.restart(i);
      }
      cluster.awaitFullMembership();
      assertThat(allocations(cluster.apiPort(2))).isEmpty();
      CommandRun restored = CommandRun.of("state", "--host", "/ip4/127.0.0.1/tcp/" + cluster.apiPort(2), "import",
          backup.toString());
      assertThat(restored.code()).as(restored.out() + restored.err()).isZero();
      Eventually.await("every pin back", WAIT, () -> allocations(cluster.apiPort(3)).size() == PINS);
      Map<String, JsonObject> pins = allocations(cluster.apiPort(3));
      for (Map.Entry<String, String> pin : names.entrySet()) {
        assertThat(pins.get(pin.getKey()).getString("name")).isEqualTo(pin.getValue());
        assertThat(pins.get(pin.getKey()).getInteger("replication_factor_max")).isEqualTo(2);
      }
    }
  }

  /** The backups in {@code dir}, oldest first. */
  private static List<Path> backupsIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("pinset-.*\\.ndjson")).sorted().toList();
    }
  }

  /** CID → name of every pin in a backup. */
  private static Map<String, String> pinsIn(Path backup) throws IOException {
    Map<String, String> pins = new TreeMap<>();
    for (String line : Files.readAllLines(backup)) {
      JsonObject pin = new JsonObject(line);
      assertThat(pin.getString("type")).isEqualTo("pin");
      pins.put(pin.getString("cid"), pin.getString("name"));
    }
    return pins;
  }

  private static Map<String, JsonObject> allocations(int api) {
    HttpResponse<String> listed = Http.get(api, "/allocations");
    if (listed.statusCode() != 200) {
      return Map.of();
    }
    Map<String, JsonObject> pins = new TreeMap<>();
    listed.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(p -> pins.put(p.getString("cid"), p));
    return pins;
  }

  private static HttpResponse<String> post(int api, String path) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + path))
        .POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static CommandRun withStdin(String text, java.util.function.Supplier<CommandRun> run) {
    InputStream stdin = System.in;
    System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    try {
      return run.get();
    } finally {
      System.setIn(stdin);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }

  private static String cid(int n) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(("backup " + n).getBytes(StandardCharsets.UTF_8));
    return Cid.parse("f01551220" + HexFormat.of().formatHex(digest)).toString();
  }
}
