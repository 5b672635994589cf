package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.collect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.NodeConfig;
import dev.ferry.node.Node;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where process death matters: circuits to a node killed with kill -9 close with {@code node-down},
 * and {@code ferry copy} as its own process, also resuming after its receiver was killed. Node 1 runs in this JVM or as a process, node 2 as a
 * process of the fat jar (or as the copy command).
 */
@Timeout(300)
class CircuitProcessIT {
  private static final Duration FORM = Duration.ofSeconds(90);
  /** Failure detection is 5 s by default (conf/node.json); the margin covers a loaded machine. */
  private static final Duration NOTICE_KILL = Duration.ofSeconds(30);
  private static final Duration COPY = Duration.ofSeconds(120);

  @TempDir Path dir;
  private Path peersFile;
  private List<Peer> peers;
  private final List<Process> processes = new ArrayList<>();
  private Node inJvm;

  @BeforeEach
  void writePeers() throws Exception {
    List<Integer> ports = Ports.free(8);
    peers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      peers.add(Peer.builder().pid(i + 1).name("node" + (i + 1)).description("test node").hostname("localhost")
          .ipAddress("127.0.0.1").domain("localdomain").port(ports.get(4 * i)).membershipPort(ports.get(4 * i + 1))
          .apiPort(ports.get(4 * i + 2)).proxyPort(ports.get(4 * i + 3)).build());
    }
    peersFile = dir.resolve("peers.json");
    Peers.of(peers).dump(peersFile);
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    if (inJvm != null) {
      inJvm.close().await();
    }
    for (Process p : processes) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void killingANodeClosesEveryCircuitThatCrossedToItWithNodeDown() throws Exception {
    Process two = launch("node2", "node", "--peers", peersFile.toString(), "--name", "node2", "--data", data("node2"));
    awaitUp(2);
    inJvm = Node.start(config("node1"), Map.of()).await();
    Circuits circuits = Circuits.of(inJvm.vertx());
    CircuitTesting.Held held = CircuitTesting.Held.now(inJvm);
    LocalPeer a = await(circuits.startLocalPeer("echo"));
    LocalPeer local = await(circuits.startLocalPeer("echo"));
    PeerRef[] echo = new PeerRef[1];
    Eventually.await("node2's echo service", FORM, () -> {
      echo[0] = await(circuits.startRemotePeer("echo", "node2"));
      return true;
    });
    List<Circuit> crossing = IntStream.range(0, 10).mapToObj(i -> await(a.newCircuitToPeer(echo[0], null))).toList();
    Circuit staying = await(a.newCircuitToPeer(local.ref(), null));
    List<Fragment> echoed = collect(crossing.get(0));
    crossing.get(0).send(Fragment.of(1).withSubject("ping"));
    awaitSize("an echo across processes", echoed, 1);

    two.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    Eventually.await("every crossing circuit to close", NOTICE_KILL, () -> crossing.stream().allMatch(Circuit::isClosed));
    for (Circuit c : crossing) {
      assertThat(await(c.closed())).isEqualTo("node-down");
    }
    assertThat(staying.isClosed()).isFalse();
    // left: the two peers' addresses (their circuits ride on them) and both ends of the local circuit
    Eventually.await("no circuits left for the dead node", NOTICE_KILL,
        () -> circuits.openCircuits() == 2 && circuits.consumers() == held.plus(2));
  }

  @Test
  void theCopyCommandStreamsFilesToANodeAndFailsLoudly() throws Exception {
    launch("node1", "node", "--peers", peersFile.toString(), "--name", "node1", "--data", data("node1"));
    awaitUp(1);
    Path src = Files.createDirectories(dir.resolve("src"));
    Path big = write(src.resolve("big.bin"), 3 * 1024 * 1024 + 17, 1);
    Path small = write(src.resolve("small.txt"), 1000, 2);
    Path nested = write(Files.createDirectories(src.resolve("tree/sub")).resolve("leaf.bin"), 70_000, 3);

    Process copy = launch("copy", "copy", "--peers", peersFile.toString(), "--name", "node2", "--data", data("node2"),
        big.toString(), small.toString(), src.resolve("tree").toString(), "node1:incoming");
    assertThat(copy.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).as("copy finished").isTrue();
    String output = Files.readString(log("copy"));
    assertThat(copy.exitValue()).as(output).isZero();
    assertThat(output).contains("copied 3 of 3 files", "to node1:incoming", "MiB/s");
    Path root = Path.of(data("node1")).resolve("files/incoming");
    assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(Files.readAllBytes(big));
    assertThat(Files.readAllBytes(root.resolve("small.txt"))).isEqualTo(Files.readAllBytes(small));
    assertThat(Files.readAllBytes(root.resolve("tree/sub/leaf.bin"))).isEqualTo(Files.readAllBytes(nested));

    Process escape = launch("escape", "copy", "--peers", peersFile.toString(), "--name", "node2", "--data", data("node2"),
        small.toString(), "node1:../outside");
    assertThat(escape.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(escape.exitValue()).isEqualTo(1);
    assertThat(Files.readString(log("escape"))).contains("escapes the file root");

    Process nowhere = launch("nowhere", "copy", "--peers", peersFile.toString(), "--name", "node2", "--data", data("node2"),
        "--set", "filesync.connect_timeout_ms=3000", small.toString(), "node9:x");
    assertThat(nowhere.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(nowhere.exitValue()).isEqualTo(1);
    assertThat(Files.readString(log("nowhere"))).contains("cannot reach the filesync service on node node9");

    Process usage = launch("usage", "copy", "--peers", peersFile.toString(), small.toString(), "no-target");
    assertThat(usage.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(usage.exitValue()).isEqualTo(2);
  }

  /**
   * Issue 17: {@code ferry copy} runs as a node of the cluster with that node's certificate, so it
   * copies into a cluster whose bus and circuit link require TLS (a process without the cluster's
   * certificates is kept out: SecurityProcessIT).
   */
  @Test
  void theCopyCommandUsesItsNodesCertificateOnATlsCluster() throws Exception {
    Path certs = dir.resolve("certs");
    CommandRun init = CommandRun.of("certs", "init", "--nodes", "node1,node2", "--out", certs.toString());
    assertThat(init.code()).as(init.err()).isZero();
    Path tls = Files.writeString(dir.resolve("tls.json"), TestCluster.tls(certs).encode());
    launch("node1", "node", "--config", tls.toString(), "--peers", peersFile.toString(), "--name", "node1",
        "--data", data("node1"));
    awaitUp(1);
    Path file = write(dir.resolve("sealed.bin"), 300_000, 4);

    Process copy = launch("copy-tls", "copy", "--config", tls.toString(), "--peers", peersFile.toString(),
        "--name", "node2", "--data", data("node2"), file.toString(), "node1:sealed");
    assertThat(copy.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).as("copy finished").isTrue();
    String output = Files.readString(log("copy-tls"));
    assertThat(copy.exitValue()).as(output).isZero();
    assertThat(output).contains("copied 1 of 1 files");
    assertThat(Path.of(data("node1")).resolve("files/sealed/sealed.bin")).hasBinaryContent(Files.readAllBytes(file));

  }

  @Test
  void theCopyCommandResumesAFileWhoseReceiverWasKilled() throws Exception {
    // a small receive window keeps the transfer running long enough to kill the receiver mid-way
    String[] receiver = {"node", "--peers", peersFile.toString(), "--name", "node1", "--data", data("node1"),
        "--set", "circuit.window_bytes=65536"};
    Process one = launch("node1", receiver);
    awaitUp(1);
    Path big = write(Files.createDirectories(dir.resolve("src")).resolve("big.bin"), 96 * 1024 * 1024, 4);
    Process copy = launch("copy", "copy", "--peers", peersFile.toString(), "--name", "node2", "--data", data("node2"),
        "--set", "filesync.retries=100", "--set", "filesync.retry_delay_ms=500", big.toString(), "node1:incoming");
    Path partial = Path.of(data("node1")).resolve("files/incoming/.big.bin.ferry-part");
    Eventually.await("part of the file at node1", FORM,
        () -> partial.toFile().length() >= 8L * 1024 * 1024);

    one.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    launch("node1-again", receiver);

    assertThat(copy.waitFor(COPY.toSeconds(), TimeUnit.SECONDS)).as("copy finished").isTrue();
    String output = Files.readString(log("copy"));
    assertThat(copy.exitValue()).as(output).isZero();
    assertThat(output).contains("resumed incoming/big.bin at ", "copied 1 of 1 files");
    assertThat(Files.readString(log("node1-again"))).contains("filesync: resuming incoming/big.bin at ");
    assertThat(Files.readAllBytes(Path.of(data("node1")).resolve("files/incoming/big.bin"))).isEqualTo(Files.readAllBytes(big));
  }

  /** Node {@code i} answers on its HTTP API: started, and in a cluster others will join rather than form their own. */
  private void awaitUp(int i) {
    int port = peers.get(i - 1).apiPort().orElseThrow();
    Eventually.await("node" + i + " up", FORM, () -> {
      try {
        return Http.get(port, "/health").statusCode() == 204;
      } catch (RuntimeException e) {
        return false;
      }
    });
  }

  private Process launch(String logName, String... args) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(ProcessCluster.command(args));
    builder.environment().remove("FERRY_PEERS");
    builder.redirectErrorStream(true);
    builder.redirectOutput(log(logName).toFile());
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  private Path log(String name) throws IOException {
    Path logs = Files.createDirectories(Path.of("target", "it-logs", "circuit-" + dir.getFileName()));
    return logs.resolve(name + ".log");
  }

  private String data(String node) {
    return dir.resolve("data").resolve(node).toString();
  }

  private NodeConfig config(String name) {
    JsonObject flags = new JsonObject().put("name", name).put("peers", peersFile.toString()).put("data_dir", data(name));
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  private static Path write(Path file, int size, int seed) throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return Files.write(file, bytes);
  }
}
