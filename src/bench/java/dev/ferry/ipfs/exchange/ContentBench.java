package dev.ferry.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.BenchRemote;
import dev.ferry.circuit.CircuitBench;
import dev.ferry.circuit.Circuits;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node-to-node fetch of the embedded store: node1 (this JVM) pins a 256 MiB file that only node2 (a
 * {@link BenchRemote} process) holds, so its block exchange fetches every block over a circuit,
 * checks and stores it; against raw TCP between the same two processes ({@link CircuitBench#tcp},
 * 1 stream, 256 KiB chunks) in alternating rounds. Each round unpins the file and collects garbage
 * first, so every fetch starts from nothing. Memory: node1's peak used heap while fetching a 64 MiB
 * and the 256 MiB file (sampled), and its heap after GC once each was fetched. Prints a Markdown
 * table and writes it to target/bench/ContentBench.md.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=ContentBench}.
 */
@Timeout(1800)
class ContentBench {
  private static final int MIB = 1024 * 1024;
  private static final long SIZE = Long.getLong("bench.content.bytes", 256L * MIB);
  private static final long SMALL = SIZE / 4;
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final long SAMPLE_MS = 20;
  private static final Duration LONG = Duration.ofMinutes(10);

  @TempDir Path dir;

  @Test
  void nodeToNodeFetchAgainstRawTcp() throws Exception {
    Path peersFile = dir.resolve("peers.json");
    TestCluster.writePeers(peersFile, 2);
    Path node2Data = dir.resolve("node2");
    Cid big;
    Cid small;
    Vertx importing = Vertx.vertx();
    try {  // node2's store gets both files before it starts
      ContentStore store2 = new ContentStore(importing, node2Data.resolve("ipfs").toAbsolutePath(), Long.MAX_VALUE);
      ImportOptions v1 = ImportOptions.fromKubo(Map.of("cid-version", "1")::get);
      big = add(store2, randomFile(SIZE, 1), v1);
      small = add(store2, randomFile(SMALL, 2), v1);
    } finally {
      importing.close().await();
    }
    int tcpPort = Ports.free(1).get(0);
    Process remote = CircuitBench.launchRemote(dir, peersFile, tcpPort, Optional.empty());
    Node node = null;
    try {
      JsonObject flags = new JsonObject().put("name", "node1").put("peers", peersFile.toString())
          .put("data_dir", dir.resolve("node1").toString());
      node = Node.start(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir,
          dir)), Map.of()).await();
      Vertx vertx = node.vertx();
      Circuits circuits = Circuits.of(vertx);
      Eventually.await("node2's block exchange", LONG, () -> {
        try {
          circuits.startRemotePeer(ExchangeVerticle.SERVICE, "node2").await(5, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      Eventually.await("node2's TCP sink", LONG, () -> {
        try {
          vertx.createNetClient().connect(tcpPort, "127.0.0.1").compose(NetSocket::close).await(5, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      ContentStore store1 = ContentStore.embedded(vertx, node.config());

      fetch(store1, small, SMALL);  // warm-up
      CircuitBench.tcp(vertx, tcpPort, 1, SMALL);
      List<Double> tcp = new ArrayList<>();
      List<Double> fetch = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        double raw = CircuitBench.tcp(vertx, tcpPort, 1, SIZE);
        double fetched = fetch(store1, big, SIZE).mbps();
        System.out.printf(Locale.ROOT, "round %d: raw TCP %.0f MB/s, fetch %.0f MB/s%n", round + 1, raw, fetched);
        tcp.add(raw);
        fetch.add(fetched);
        ratios.add(fetched / raw);
      }
      long heapBefore = BenchRemote.usedHeap();
      Fetched smallRun = fetch(store1, small, SMALL);
      long heapAfterSmall = BenchRemote.usedHeap();
      Fetched bigRun = fetch(store1, big, SIZE);
      long heapAfterBig = BenchRemote.usedHeap();

      String table = String.join("\n",
          "| measurement | raw TCP (NetSocket, 1 stream) | node-to-node fetch | fetch / TCP |",
          "|---|---|---|---|",
          String.format(Locale.ROOT, "| %d MiB file, one other node has it | %.0f MB/s | %.0f MB/s | %.2fx (%.2f–%.2f) |",
              SIZE / MIB, median(tcp), median(fetch), median(ratios), min(ratios), max(ratios)),
          String.format(Locale.ROOT, "| peak used heap while fetching (sampled every %d ms) | | %d MiB file: %d MiB; "
              + "%d MiB file: %d MiB | |", SAMPLE_MS, SMALL / MIB, smallRun.peakHeap() / MIB, SIZE / MIB,
              bigRun.peakHeap() / MIB),
          String.format(Locale.ROOT, "| heap after GC (before; after the %d MiB; after the %d MiB fetch) | | %d; %d; "
              + "%d MiB | |", SMALL / MIB, SIZE / MIB, heapBefore / MIB, heapAfterSmall / MIB, heapAfterBig / MIB),
          "",
          String.format(Locale.ROOT, "Medians of %d alternating rounds (ratio: median of each round's ratio, range "
              + "in brackets). node1 in the benchmark's JVM (-Xmx2g) fetches, node2 (a process, -Xmx1g) serves; "
              + "CIDv1, raw leaves, 256 KiB chunks (%d blocks); each block checked (SHA-256) and written to its own "
              + "file, fsynced before the pin is recorded. %d cores; Java %s.", ROUNDS, SIZE / (256 * 1024) + 1,
              Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
      System.out.println("\n" + table + "\n");
      Files.createDirectories(Path.of("target", "bench"));
      Files.writeString(Path.of("target", "bench", "ContentBench.md"), table + "\n");
      assertThat(fetch).allMatch(mbps -> mbps > 0);
    } finally {
      if (node != null) {
        node.close().await();
      }
      remote.destroy();
      if (!remote.waitFor(30, TimeUnit.SECONDS)) {
        remote.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private record Fetched(double mbps, long peakHeap) {}

  /** Pins {@code cid} (fetching every block from node2), timed; then unpins it and collects, for the next round. */
  private static Fetched fetch(ContentStore store, Cid cid, long size) {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      var memory = ManagementFactory.getMemoryMXBean();
      while (running.get()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(SAMPLE_MS);  // a sampling period, not a wait for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();
    long start = System.nanoTime();
    store.pin(cid, LONG).await();
    double mbps = size / 1e6 / ((System.nanoTime() - start) / 1e9);
    running.set(false);
    store.unpin(cid).await();
    store.release(cid).await();
    assertThat(store.collectGarbage().await().removed()).isNotEmpty();
    return new Fetched(mbps, peak.get());
  }

  private static Cid add(ContentStore store, Path file, ImportOptions options) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return store.add(in, file.getFileName().toString(), options).await();
    } finally {
      Files.delete(file);
    }
  }

  /** A file of random bytes, written in chunks (never held whole). */
  private Path randomFile(long size, long seed) throws Exception {
    Path file = dir.resolve("content-" + seed);
    Random random = new Random(seed);
    byte[] chunk = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
    return file;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(d -> d).min().orElse(0);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(d -> d).max().orElse(0);
  }
}
