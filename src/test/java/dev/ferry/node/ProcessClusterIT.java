package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.HashFunction;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar as separate processes on loopback: forming, kill -9, SIGTERM (with the pinset backup
 * it writes), and a lone node.
 */
@Timeout(240)
class ProcessClusterIT {
  private static final Duration FORM = Duration.ofSeconds(90);
  /** Failure detection is 5 s by default (conf/node.json); the margin covers a loaded CI machine. */
  private static final Duration NOTICE_KILL = Duration.ofSeconds(15);
  /** Pins in the cluster when a node is stopped with SIGTERM: its backup must hold them all. */
  private static final int PINS = 5;

  @Test
  void threeProcessesFormAClusterAndNoticeAKilledOne() {
    try (ProcessCluster cluster = TestCluster.processes(3)) {
      List<String> all = cluster.names(1, 2, 3);
      for (int i = 1; i <= 3; i++) {
        int node = i;
        Eventually.await("/peers on node" + node + " to list all three", FORM,
            () -> cluster.peersSeenBy(node).equals(all));
      }

      cluster.kill(2);

      List<String> survivors = cluster.names(1, 3);
      for (int i : new int[] {1, 3}) {
        Eventually.await("/peers on node" + i + " to drop the killed node", NOTICE_KILL,
            () -> cluster.peersSeenBy(i).equals(survivors));
      }
    }
  }

  /**
   * Also the pinset backup a stopping node writes: from the JVM's shutdown hook, while Vert.x's own
   * hook deletes its file cache (an in-JVM stop, as {@code StateBackupTest}'s, runs no hooks).
   */
  @Test
  void sigtermUndeploysBacksThePinsetUpAndLeavesCleanly() throws Exception {
    try (ProcessCluster cluster = TestCluster.processes(2)) {
      // node2's API is up only once its web verticle is deployed, after it joined
      Eventually.await("both nodes to see each other, through both APIs", FORM,
          () -> cluster.peersSeenBy(1).size() == 2 && cluster.peersSeenBy(2).size() == 2);
      String incarnation = new JsonObject(Http.get(cluster.apiPort(2), "/id").body()).getString("incarnation");
      Set<String> cids = IntStream.range(0, PINS).mapToObj(n -> Cid.v1(Cid.RAW,
          HashFunction.SHA2_256.multihash(("sigterm backup " + n).getBytes(StandardCharsets.UTF_8))).toString())
          .collect(Collectors.toSet());
      for (String cid : cids) {
        Eventually.await("node1 to pin " + cid, FORM, () -> pin(cluster.apiPort(1), cid) == 200);
      }
      Eventually.await("node2's replica to hold every pin", FORM, () -> pinsOn(cluster.apiPort(2)).equals(cids));

      cluster.stop(2);

      assertThat(cluster.process(2).exitValue()).isIn(0, 143);
      String log = Files.readString(cluster.log(2));
      assertThat(log).contains("undeployed web", "node node2 stopped", "incarnation " + incarnation)
          .contains("pinset backed up on node2: " + PINS + " pins").doesNotContain("no pinset backup");
      List<Path> backups;
      try (Stream<Path> files = Files.list(cluster.dataDir(2).resolve("backups"))) {
        backups = files.toList();
      }
      assertThat(backups).singleElement().asString().matches(".*/pinset-[^/]*\\.ndjson");
      assertThat(Files.readAllLines(backups.get(0)).stream().map(line -> new JsonObject(line).getString("cid")))
          .as(backups.get(0).toString()).containsExactlyInAnyOrderElementsOf(cids);
      // a graceful leave is seen at once, not after the failure detector's timeout
      Eventually.await("node1 to drop node2", Duration.ofSeconds(10),
          () -> cluster.peersSeenBy(1).equals(List.of("node1")));
    }
  }

  /** Pins {@code cid} through the API on {@code port}; the status (503 while the pinset has no leader yet). */
  private static int pin(int port, String cid) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pins/" + cid))
        .POST(HttpRequest.BodyPublishers.noBody())).statusCode();
  }

  /** The CIDs of the pinset as the node on {@code port} holds it. */
  private static Set<String> pinsOn(int port) {
    return Http.get(port, "/allocations").body().lines().filter(l -> !l.isBlank())
        .map(l -> new JsonObject(l).getString("cid")).collect(Collectors.toSet());
  }

  @Test
  void withoutAPeersFileANodeRunsAloneOnLoopback(@TempDir Path home) throws IOException, InterruptedException {
    List<Integer> ports = Ports.free(4);
    var builder = new ProcessBuilder(ProcessCluster.command("--name", "solo",
        "--set", "api.port=" + ports.get(0), "--set", "proxy.port=" + ports.get(1),
        "--set", "cluster.port=" + ports.get(2), "--set", "cluster.membership_port=" + ports.get(3)));
    builder.directory(home.toFile());
    builder.environment().put("HOME", home.toString());
    builder.environment().remove("FERRY_PEERS");
    builder.redirectErrorStream(true).redirectOutput(home.resolve("solo.log").toFile());
    Process process = builder.start();
    try {
      Eventually.await("the lone node to list itself", FORM, () -> {
        try {
          return Http.get(ports.get(0), "/peers").body().contains("\"peername\":\"solo\"");
        } catch (RuntimeException e) {
          return false;
        }
      });
      assertThat(Files.isDirectory(home.resolve(".ferry").resolve("solo"))).isTrue();
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBadPeersFileExitsWithItsError(@TempDir Path dir) throws IOException, InterruptedException {
    Path peers = Files.writeString(dir.resolve("peers.json"), "{\"replicas\": [{\"pid\": 1}]}");
    var builder = new ProcessBuilder(ProcessCluster.command("node", "--peers", peers.toString()));
    builder.redirectErrorStream(true);
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.exitValue()).isEqualTo(1);
    assertThat(output).contains("peers.json").contains("name");
  }
}
