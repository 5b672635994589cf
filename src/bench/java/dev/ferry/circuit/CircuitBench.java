package dev.ferry.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.NodeConfig;
import dev.ferry.mailbox.BenchTls;
import dev.ferry.node.Node;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.PeerJvmFlags;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Circuits against raw TCP between two processes on loopback: bulk MB/s through 1 and 8 circuits
 * (node1 in this JVM sending to the built-in discard service of node2, a {@link BenchRemote}
 * process) next to 1 and 8 plain Vert.x NetSocket connections to node2's TCP sink, in the same run
 * (alternating rounds; medians, and the CPU time both processes spend per MB); then the heap each
 * of 10,000 idle circuits costs on either side. Prints a Markdown table and
 * writes it to target/bench/CircuitBench.md.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=CircuitBench}; {@code -Dbench.tls=true} measures
 * everything once more with the nodes' TLS (event bus and circuit link) in the same run.
 */
@Timeout(1800)
public class CircuitBench {
  private static final int MIB = 1024 * 1024;
  private static final long TOTAL = Long.getLong("bench.bytes", 512L * MIB);
  private static final long WARMUP = Long.getLong("bench.warmup", 128L * MIB);
  private static final int FRAGMENT = Integer.getInteger("bench.fragment", 256 * 1024);
  private static final int IDLE_CIRCUITS = Integer.getInteger("bench.idle", 10_000);
  private static final int OPENING_AT_ONCE = 64;
  private static final int PARALLEL = 8;
  /** Alternating rounds of all four throughput measurements; the table shows their medians. */
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  private static final Duration LONG = Duration.ofMinutes(5);
  /** {@code -Dbench.tls=true}: everything once more with the nodes' TLS, in the same run. */
  private static final boolean TLS = Boolean.getBoolean("bench.tls");

  @TempDir Path dir;

  @Test
  void circuitsAgainstRawTcp() throws Exception {
    String table = measure(Optional.empty());
    if (TLS) {
      // the same again with the nodes' TLS (bus and circuit link), certificates as 'ferry certs init' makes them
      Path certs = dir.resolve("certs");
      Certificates.init(certs, List.of(NodeIdentity.local("node1"), NodeIdentity.local("node2")), Duration.ofDays(1),
          false);
      table += "\n\nWith TLS (event bus and circuit link, tls.engine " + BenchTls.engine()
          + "; raw TCP stays plaintext):\n\n" + measure(Optional.of(certs));
    }
    System.out.println("\n" + table + "\n");
    Files.createDirectories(Path.of("target", "bench"));
    Files.writeString(Path.of("target", "bench", "CircuitBench.md"), table + "\n");
  }

  /** One pass: node1 here and node2 in a {@link BenchRemote} process, with TLS when {@code certs}; the table. */
  private String measure(Optional<Path> certs) throws Exception {
    Path dir = Files.createDirectories(this.dir.resolve(certs.isPresent() ? "tls" : "plain"));
    List<Integer> ports = Ports.free(9);
    Path peersFile = dir.resolve("peers.json");
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      peers.add(Peer.builder().pid(i + 1).name("node" + (i + 1)).description("bench").hostname("localhost")
          .ipAddress("127.0.0.1").domain("localdomain").port(ports.get(4 * i)).membershipPort(ports.get(4 * i + 1))
          .apiPort(ports.get(4 * i + 2)).proxyPort(ports.get(4 * i + 3)).build());
    }
    Peers.of(peers).dump(peersFile);
    int tcpPort = ports.get(8);
    Process remote = launchRemote(dir, peersFile, tcpPort, certs);
    Node node = null;
    try {
      JsonObject flags = new JsonObject().put("name", "node1").put("peers", peersFile.toString())
          .put("data_dir", dir.resolve("node1").toString());
      certs.ifPresent(c -> flags.mergeIn(BenchTls.settings(c)));
      node = Node.start(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir)),
          Map.of()).await();
      Circuits circuits = Circuits.of(node.vertx());
      Node self = node;
      Eventually.await("node2's circuit service", LONG, () -> {
        try {
          circuits.startRemotePeer("echo", "node2").await(5, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      Vertx vertx = node.vertx();
      // the remote opens its TCP sink only after its node is up: a first round could find it closed
      Eventually.await("node2's TCP sink", LONG, () -> {
        try {
          vertx.createNetClient().connect(tcpPort, "127.0.0.1").compose(NetSocket::close).await(5, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });

      tcp(vertx, tcpPort, 1, WARMUP);
      circuitsThroughput(circuits, 1, WARMUP);
      Rounds one = new Rounds();
      Rounds eight = new Rounds();
      for (int round = 0; round < ROUNDS; round++) {
        one.add(costed(self, () -> tcp(vertx, tcpPort, 1, TOTAL)), costed(self, () -> circuitsThroughput(circuits, 1, TOTAL)));
        eight.add(costed(self, () -> tcp(vertx, tcpPort, PARALLEL, TOTAL)),
            costed(self, () -> circuitsThroughput(circuits, PARALLEL, TOTAL)));
      }
      Idle idle = idleCircuits(self, circuits);

      String table = String.join("\n",
          "| measurement | raw TCP (NetSocket) | circuits | circuits / TCP |",
          "|---|---|---|---|",
          one.row("bulk, 1 stream"),
          eight.row("bulk, 8 parallel streams"),
          one.cpuRow("CPU per MB, both processes, 1 stream"),
          eight.cpuRow("CPU per MB, both processes, 8 streams"),
          String.format(Locale.ROOT, "| heap per idle circuit, %,d open | | opener %,d B, acceptor %,d B, both ends %,d B | |",
              IDLE_CIRCUITS, idle.opener(), idle.acceptor(), idle.opener() + idle.acceptor()),
          String.format(Locale.ROOT, "| opening %,d circuits (%d at a time) | | %.1f s (%.0f /s) | |", IDLE_CIRCUITS,
              OPENING_AT_ONCE, idle.openSeconds(), IDLE_CIRCUITS / idle.openSeconds()),
          "",
          String.format(Locale.ROOT, "Medians of %d alternating rounds (ratio: median of each round's ratio; "
              + "range in brackets); %d MiB per measurement after %d MiB of warm-up, %d KiB fragments, "
              + "window %d KiB per circuit; %d cores; Java %s.", ROUNDS, TOTAL / MIB, WARMUP / MIB, FRAGMENT / 1024,
              circuits.config().windowBytes() / 1024, Runtime.getRuntime().availableProcessors(),
              System.getProperty("java.version")));
      assertThat(one.circuits).allMatch(run -> run.mbps() > 0);
      return table;
    } finally {
      if (node != null) {
        node.close().await();
      }
      // SIGTERM first, so a flight recording in the peer is written
      remote.destroy();
      if (!remote.waitFor(30, TimeUnit.SECONDS)) {
        remote.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * One measurement: MB/s, and the CPU time both processes used per MB meanwhile (which depends far
   * less than MB/s on what else runs on a shared machine).
   */
  private record Run(double mbps, double cpuMsPerMb) {}

  private static Run costed(Node node, Supplier<Double> measurement) {
    long cpuBefore = BenchRemote.cpuNanos() + remoteCpu(node);
    double mbps = measurement.get();
    long cpu = BenchRemote.cpuNanos() + remoteCpu(node) - cpuBefore;
    return new Run(mbps, cpu / 1e6 / (TOTAL / 1e6));
  }

  /** Paired measurements, one pair per round, so that a change in the machine's load hits both alike. */
  private static final class Rounds {
    final List<Run> tcp = new ArrayList<>();
    final List<Run> circuits = new ArrayList<>();

    void add(Run tcpRun, Run circuitRun) {
      tcp.add(tcpRun);
      circuits.add(circuitRun);
      System.out.printf(Locale.ROOT, "round: raw TCP %.0f MB/s %.2f CPU ms/MB, circuits %.0f MB/s %.2f CPU ms/MB%n",
          tcpRun.mbps(), tcpRun.cpuMsPerMb(), circuitRun.mbps(), circuitRun.cpuMsPerMb());
    }

    String row(String what) {
      List<Double> ratios = ratios(Run::mbps);
      return String.format(Locale.ROOT, "| %s | %.0f MB/s | %.0f MB/s | %.2fx (%.2f–%.2f) |", what,
          median(tcp.stream().map(Run::mbps).toList()), median(circuits.stream().map(Run::mbps).toList()),
          median(ratios), ratios.stream().mapToDouble(d -> d).min().orElse(0),
          ratios.stream().mapToDouble(d -> d).max().orElse(0));
    }

    String cpuRow(String what) {
      return String.format(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2fx |", what,
          median(tcp.stream().map(Run::cpuMsPerMb).toList()), median(circuits.stream().map(Run::cpuMsPerMb).toList()),
          median(ratios(Run::cpuMsPerMb)));
    }

    private List<Double> ratios(ToDoubleFunction<Run> of) {
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < tcp.size(); i++) {
        ratios.add(of.applyAsDouble(circuits.get(i)) / of.applyAsDouble(tcp.get(i)));
      }
      return ratios;
    }

    private static double median(List<Double> values) {
      List<Double> sorted = values.stream().sorted().toList();
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
  }

  /** MB/s of {@code total} bytes over {@code streams} NetSocket connections, until the sink confirms all. */
  public static double tcp(Vertx vertx, int port, int streams, long total) {
    Buffer chunk = Buffer.buffer(new byte[FRAGMENT]);
    long each = total / streams;
    long start = System.nanoTime();
    List<Future<Void>> done = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      done.add(vertx.createNetClient().connect(port, "127.0.0.1").compose(socket -> {
        Promise<Void> confirmed = Promise.promise();
        socket.handler(b -> confirmed.tryComplete());
        socket.write(Buffer.buffer().appendLong(each));
        pump(socket::write, socket::writeQueueFull, h -> socket.drainHandler(h), chunk, each);
        return confirmed.future().eventually(socket::close);
      }));
    }
    Future.all(done).await();
    return mbps(total, start);
  }

  /** MB/s of {@code total} bytes over {@code streams} circuits, each from its own peer to its own discard peer. */
  private static double circuitsThroughput(Circuits circuits, int streams, long total) {
    Buffer chunk = Buffer.buffer(new byte[FRAGMENT]);
    long each = total / streams;
    List<LocalPeer> senders = new ArrayList<>();
    List<Circuit> open = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      LocalPeer me = circuits.startLocalPeer("echo").await();
      senders.add(me);
      PeerRef sink = circuits.startRemotePeer("discard", "node2").await();
      open.add(me.newCircuitToPeer(sink, null).await());
    }
    long start = System.nanoTime();
    List<Future<Fragment>> done = new ArrayList<>();
    for (Circuit c : open) {
      Promise<Fragment> report = Promise.promise();
      c.reads().handler(report::tryComplete);
      c.context().runOnContext(v -> {
        pump(f -> c.write(Fragment.of(0, f)), c::writeQueueFull, c::drainHandler, chunk, each)
            .onSuccess(x -> c.write(Fragment.of(0).withSubject(Builtins.REPORT)));
      });
      done.add(report.future());
    }
    for (Future<Fragment> f : done) {
      assertThat(Long.parseLong(f.await().arg("bytes"))).isEqualTo(each / FRAGMENT * FRAGMENT);
    }
    double result = mbps(open.size() * (each / FRAGMENT * FRAGMENT), start);
    senders.forEach(p -> p.close("bench over").await());
    return result;
  }

  private record Idle(long opener, long acceptor, double openSeconds) {}

  /** Heap per idle circuit on each side: used heap after GC with {@code IDLE_CIRCUITS} open, minus before. */
  private static Idle idleCircuits(Node node, Circuits circuits) throws Exception {
    LocalPeer me = circuits.startLocalPeer("echo").await();
    PeerRef sink = circuits.startRemotePeer("discard", "node2").await();
    long localBefore = BenchRemote.usedHeap();
    long remoteBefore = remoteHeap(node);
    long start = System.nanoTime();
    List<Circuit> open = new ArrayList<>();
    for (int batch = 0; batch < IDLE_CIRCUITS; batch += OPENING_AT_ONCE) {
      List<Future<Circuit>> opening = IntStream.range(batch, Math.min(IDLE_CIRCUITS, batch + OPENING_AT_ONCE))
          .mapToObj(i -> me.newCircuitToPeer(sink, null)).toList();
      opening.forEach(f -> open.add(f.await()));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long localAfter = BenchRemote.usedHeap();
    long remoteAfter = remoteHeap(node);
    assertThat(open).hasSize(IDLE_CIRCUITS);
    assertThat(circuits.localPeer(me.id()).orElseThrow().openCircuits()).isEqualTo(IDLE_CIRCUITS);
    me.close("bench over").await();
    return new Idle((localAfter - localBefore) / IDLE_CIRCUITS, (remoteAfter - remoteBefore) / IDLE_CIRCUITS, seconds);
  }

  private static long remoteCpu(Node node) {
    return node.vertx().eventBus().<Long>request("bench.cpu.node2", null).await().body();
  }

  private static long remoteHeap(Node node) {
    return node.vertx().eventBus().<Long>request("bench.heap.node2", null).await().body();
  }

  /** Writes {@code total} bytes in chunks as fast as the stream's write queue allows; completes when all are queued. */
  private static Future<Void> pump(Function<Buffer, Future<Void>> write,
      BooleanSupplier full, Consumer<Handler<Void>> onDrain,
      Buffer chunk, long total) {
    Promise<Void> done = Promise.promise();
    long[] left = {total / chunk.length()};
    Runnable[] go = new Runnable[1];
    go[0] = () -> {
      while (left[0] > 0 && !full.getAsBoolean()) {
        left[0]--;
        write.apply(chunk);
      }
      if (left[0] == 0) {
        done.tryComplete();
      } else {
        onDrain.accept(v -> go[0].run());
      }
    };
    go[0].run();
    return done.future();
  }

  private static double mbps(long bytes, long startNanos) {
    return bytes / 1e6 / ((System.nanoTime() - startNanos) / 1e9);
  }

  /** Starts node2 of {@code peersFile} as a {@link BenchRemote} process with its data in {@code dir}/node2. */
  public static Process launchRemote(Path dir, Path peersFile, int tcpPort, Optional<Path> certs) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-")).toList());
    command.addAll(PeerJvmFlags.get());
    command.addAll(BenchTls.jvmFlags());
    command.addAll(List.of("-cp", ProcessCluster.jar().toAbsolutePath() + File.pathSeparator
            + Path.of("target", "test-classes").toAbsolutePath(),
        BenchRemote.class.getName(), peersFile.toString(), "node2", dir.resolve("node2").toString(),
        Integer.toString(tcpPort)));
    certs.ifPresent(c -> command.add(c.toString()));
    Path log = Files.createDirectories(Path.of("target", "bench")).resolve("bench-remote.log");
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
