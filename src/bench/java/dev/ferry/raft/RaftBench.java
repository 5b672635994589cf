package dev.ferry.raft;

import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.ferry.core.Addresses;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.NodeConfig;
import dev.ferry.node.Node;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durable Raft commits per second and latency with 1, 64 and 1024 concurrent proposers, for three
 * nodes in one JVM and for three processes of the fat jar, next to the floor: a plain event-bus
 * request/reply to the same node ({@code ferry.node.<leader>.id}) at the same concurrency, in the
 * same run. Proposals go from a non-leader node straight to the leader's node-internal Raft
 * address, so both columns pay the same one network hop.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=RaftBench}. The table is printed and written to
 * {@code target/bench/RaftBench.md}.
 */
@Timeout(900)
class RaftBench {
  /** {@code -Dbench.proposers=64,1024} and {@code -Dbench.setups=processes} shorten a run while iterating. */
  private static final int[] PROPOSERS = Arrays.stream(System.getProperty("bench.proposers", "1,64,1024")
      .split(",")).mapToInt(Integer::parseInt).toArray();
  private static final String SETUPS = System.getProperty("bench.setups", "jvm,processes");
  private static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("bench.warmup.seconds", 3));
  private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("bench.seconds", 8));
  private static final Duration FORM = Duration.ofSeconds(120);
  private static final String VALUE = "x".repeat(Integer.getInteger("bench.value.bytes", 100));

  private final List<String> rows = new ArrayList<>();

  @Test
  void durableCommitsAgainstTheBusFloor() throws Exception {
    if (SETUPS.contains("jvm")) {
      try (RaftCluster cluster = RaftCluster.start(3, Set.of(), shippedTimings())) {
        int leader = cluster.leader(RaftCluster.KV);
        int client = cluster.other(leader);
        run("3 nodes, 1 JVM", cluster.node(client).vertx(), cluster.name(leader));
      }
    }
    if (SETUPS.contains("processes")) {
      try (Processes processes = new Processes()) {
        run("3 processes", processes.client.vertx(), processes.awaitLeader());
      }
    }
    report();
  }

  /**
   * The shipped Raft settings (the test cluster's faster timings only matter for failure tests),
   * with {@code -Dbench.set=raft.KEY=VALUE,...} applied to both setups (for experiments).
   */
  private static JsonObject shippedTimings() {
    JsonObject raft = ConfigLayers.defaults().getJsonObject("raft").copy();
    for (String setting : overrides()) {
      String[] kv = setting.substring("raft.".length()).split("=", 2);
      raft.put(kv[0], Long.parseLong(kv[1]));
    }
    return raft;
  }

  private static List<String> overrides() {
    String set = System.getProperty("bench.set", "");
    return set.isBlank() ? List.of() : List.of(set.split(","));
  }

  private void run(String setup, Vertx vertx, String leader) {
    RaftSettings settings = RaftSettings.from(ConfigLayers.defaults());
    RaftClient raft = new BusRaftClient(vertx, leader, null, settings.clientTimeout(settings.requestTimeout()),
        settings.membershipTimeout());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(settings.requestTimeout().toMillis());
    String echo = Addresses.nodeId(leader);
    long[] key = {0};
    for (int proposers : PROPOSERS) {
      Load floor = measure(vertx, proposers, () -> vertx.eventBus().request(echo, null, options).mapEmpty());
      Load commits = measure(vertx, proposers, () -> raft.propose(RaftCluster.KV,
          new KvOp.Put("bench/" + (key[0]++ % 10_000), VALUE))
          .mapEmpty());
      rows.add(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %,.0f | %.2f | %.2f | %.2f | %d |",
          setup, proposers, commits.perSecond(), commits.p50(), commits.p99(), floor.perSecond(), floor.p50(),
          floor.p99(), floor.perSecond() / Math.max(1, commits.perSecond()), commits.failures()));
      System.out.println(rows.get(rows.size() - 1));
    }
  }

  /** Closed loops of {@code concurrency} callers for the warm-up, then for the measured period. */
  private static Load measure(Vertx vertx, int concurrency, Supplier<Future<Void>> call) {
    Loop warm = new Loop(vertx, concurrency, call, WARM_UP);
    RaftCluster.await(warm.done());
    Loop loop = new Loop(vertx, concurrency, call, MEASURE);
    RaftCluster.await(loop.done());
    return loop.load();
  }

  private record Load(long ops, long failures, double seconds, long[] latencies) {
    double perSecond() {
      return ops / seconds;
    }

    double p50() {
      return percentile(0.50);
    }

    double p99() {
      return percentile(0.99);
    }

    private double percentile(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1e6;
    }
  }

  /** {@code concurrency} callers, each calling again as soon as its previous call answered, until the end. */
  private static final class Loop {
    private final Supplier<Future<Void>> call;
    private final long end;
    private final long start = System.nanoTime();
    private final Promise<Void> done = Promise.promise();
    private long[] latencies = new long[1 << 16];
    private int count;
    private long failures;
    private int active;

    Loop(Vertx vertx, int concurrency, Supplier<Future<Void>> call, Duration length) {
      this.call = call;
      this.end = start + length.toNanos();
      this.active = concurrency;
      var context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        for (int i = 0; i < concurrency; i++) {
          next();
        }
      });
    }

    Future<Void> done() {
      return done.future();
    }

    private void next() {
      long began = System.nanoTime();
      if (began >= end) {
        if (--active == 0) {
          done.complete();
        }
        return;
      }
      call.get().onComplete(ar -> {
        if (ar.succeeded()) {
          record(System.nanoTime() - began);
        } else {
          failures++;
        }
        next();
      });
    }

    private void record(long nanos) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = nanos;
    }

    Load load() {
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return new Load(count, failures, (System.nanoTime() - start) / 1e9, sorted);
    }
  }

  private void report() throws IOException {
    List<String> table = new ArrayList<>(List.of(
        "| setup | proposers | commits/s | p50 ms | p99 ms | bus req/s | bus p50 ms | bus p99 ms | floor ÷ commits "
            + "| failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"));
    table.addAll(rows);
    String text = String.join("\n", table) + "\n\n" + "cores: " + Runtime.getRuntime().availableProcessors()
        + ", value " + VALUE.length() + " bytes, warm-up " + WARM_UP.toSeconds() + " s, measured "
        + MEASURE.toSeconds() + " s per row\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", "RaftBench.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }

  /**
   * Three voters as processes of the fat jar, and this JVM as a fourth node that is not a voter, so
   * that it reaches them over the bus like any other node.
   */
  private static final class Processes implements AutoCloseable {
    private final Path dir = Files.createTempDirectory("ferry-raft-bench-");
    private final List<Peer> peers = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Node client;

    Processes() throws Exception {
      List<Integer> ports = Ports.free(16);
      for (int i = 0; i < 4; i++) {
        var peer = Peer.builder().pid(i + 1).name("node" + (i + 1)).hostname("localhost").ipAddress("127.0.0.1")
            .port(ports.get(4 * i)).membershipPort(ports.get(4 * i + 1)).apiPort(ports.get(4 * i + 2))
            .proxyPort(ports.get(4 * i + 3));
        if (i == 3) {
          peer.extra("voter", BooleanNode.FALSE);
        }
        peers.add(peer.build());
      }
      Path peersFile = dir.resolve("peers.json");
      Peers.of(peers).dump(peersFile);
      Path logs = Files.createDirectories(Path.of("target", "bench", "logs"));
      for (int i = 1; i <= 3; i++) {
        // as bin/ferry runs a node: the JVM's default collector and heap
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // -Dbench.node.jvm="-XX:StartFlightRecording=filename=/tmp/{node}.jfr" profiles each node
        String jvm = System.getProperty("bench.node.jvm", "").replace("{node}", "node" + i);
        if (!jvm.isBlank()) {
          command.addAll(List.of(jvm.trim().split(" +")));
        }
        command.addAll(List.of("-jar",
            ProcessCluster.jar().toAbsolutePath().toString(), "node", "--peers", peersFile.toString(),
            "--name", "node" + i, "--data", dir.resolve("data").resolve("node" + i).toString()));
        overrides().forEach(setting -> command.addAll(List.of("--set", setting)));
        var builder = new ProcessBuilder(command);
        builder.environment().remove("FERRY_PEERS");
        builder.redirectErrorStream(true).redirectOutput(logs.resolve("node" + i + ".log").toFile());
        processes.add(builder.start());
      }
      JsonObject flags = new JsonObject().put("name", "node4").put("peers", peersFile.toString())
          .put("data_dir", dir.resolve("data").resolve("node4").toString());
      client = Node.start(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost",
          dir, dir)), Map.of()).await();
    }

    /** The leader, as node1 sees it (this JVM's node is not a member, so it hears no heartbeats). */
    String awaitLeader() {
      RaftSettings settings = RaftSettings.from(ConfigLayers.defaults());
      RaftClient node1 = new BusRaftClient(client.vertx(), "node1", null, settings.requestTimeout(),
          settings.membershipTimeout());
      String[] leader = new String[1];
      Eventually.await("the processes to elect a leader", FORM, () -> {
        leader[0] = RaftCluster.await(node1.status(RaftCluster.KV)).leader();
        return leader[0] != null && RaftCluster.await(node1.propose(RaftCluster.KV,
            new KvOp.Put("bench/ready", "1"))).index() > 0;
      });
      return leader[0];
    }

    @Override
    public void close() throws Exception {
      client.close().await();
      for (Process p : processes) {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      try (var paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
