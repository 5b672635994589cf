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
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * and the 256 MiB file (sampled), and its heap after GC once each was fetched. Then the baseline of
 * issue 16: the same file fetched by js-ipfs's bitswap between two js-ipfs daemons ({@link #bitswap}).
 * Prints a Markdown table and writes it to target/bench/ContentBench.md.
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
      double bitswap = bitswap(randomFile(SIZE, 1), big);
      System.out.printf(Locale.ROOT, "js-ipfs bitswap: %.1f MB/s; ferry's fetch (median) %.1fx it%n", bitswap,
          median(fetch) / bitswap);

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
          String.format(Locale.ROOT, "| the same file, js-ipfs bitswap between two js-ipfs daemons (`pin/add`, 1 run) "
              + "| | %.1f MB/s | ferry's fetch / bitswap: %.1fx |", bitswap, median(fetch) / bitswap),
          "",
          String.format(Locale.ROOT, "Medians of %d alternating rounds (ratio: median of each round's ratio, range "
              + "in brackets). node1 in the benchmark's JVM (-Xmx2g) fetches, node2 (a process, -Xmx1g) serves; "
              + "CIDv1, raw leaves, 256 KiB chunks (%d blocks); each block checked (SHA-256) and written to its own "
              + "file, fsynced before the pin is recorded. %d cores; Java %s; load average at the end %.1f.", ROUNDS,
              SIZE / (256 * 1024) + 1, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
              ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
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

  /**
   * Add through the HTTP API ({@code POST /add?no-pin=true}, the embedded store importing, hashing
   * and storing durably) of a {@value #MIB}-byte-multiple file, CIDv0 and CIDv1, against the same
   * file through a real js-ipfs daemon's {@code add} ({@code pin=false}), in alternating rounds; each
   * round a fresh file, and both stores collect their garbage after each add so none dedups.
   */
  @Test
  void addThroughTheApiAgainstJsIpfs() throws Exception {
    Path peersFile = dir.resolve("peers.json");
    int apiPort = TestCluster.writePeers(peersFile, 1).get(0).apiPort().orElseThrow();
    JsonObject flags = new JsonObject().put("name", "node1").put("peers", peersFile.toString())
        .put("data_dir", dir.resolve("node1").toString())
        .put("api", new JsonObject().put("max_add_bytes", 2 * SIZE));  // the file and its multipart framing
    Node node = Node.start(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir,
        dir)), Map.of()).await();
    try (IpfsDaemon daemon = IpfsDaemon.start(dir.resolve("js-ipfs"))) {
      ContentStore store = ContentStore.embedded(node.vertx(), node.config());
      URI api = URI.create("http://127.0.0.1:" + apiPort + "/add?no-pin=true");
      URI js = daemon.api().resolve("/api/v0/add?pin=false");
      Map<String, List<Double>> mbps = new LinkedHashMap<>();
      for (int round = 0; round < ROUNDS; round++) {
        for (int version = 0; version <= 1; version++) {
          Path file = randomFile(SIZE, 100 + round * 2 + version);
          String query = "&cid-version=" + version;
          String ferryCid = timedAdd(URI.create(api + query), file, mbps, "ferry v" + version, "cid");
          store.release(Cid.parse(ferryCid)).await();
          store.collectGarbage().await();
          String jsCid = timedAdd(URI.create(js + query), file, mbps, "js-ipfs v" + version, "Hash");
          post(daemon.api().resolve("/api/v0/repo/gc"));
          assertThat(Cid.parse(ferryCid)).as("the same CID from both").isEqualTo(Cid.parse(jsCid));
          Files.delete(file);
          System.out.printf(Locale.ROOT, "round %d, v%d: ferry %.0f MB/s, js-ipfs %.0f MB/s%n", round + 1, version,
              last(mbps.get("ferry v" + version)), last(mbps.get("js-ipfs v" + version)));
        }
      }
      List<String> rows = new ArrayList<>(List.of(
          "| add of a " + SIZE / MIB + " MiB file | ferry `POST /add` (embedded store) | js-ipfs `add` | ferry / js-ipfs |",
          "|---|---|---|---|"));
      for (int version = 0; version <= 1; version++) {
        List<Double> ferry = mbps.get("ferry v" + version);
        List<Double> jsIpfs = mbps.get("js-ipfs v" + version);
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < ferry.size(); i++) {
          ratios.add(ferry.get(i) / jsIpfs.get(i));
        }
        rows.add(String.format(Locale.ROOT, "| CIDv%d%s | %.0f MB/s (%.0f–%.0f) | %.0f MB/s (%.0f–%.0f) | %.1fx |", version,
            version == 0 ? ", dag-pb leaves" : ", raw leaves", median(ferry), min(ferry), max(ferry), median(jsIpfs),
            min(jsIpfs), max(jsIpfs), median(ratios)));
      }
      rows.add("");
      rows.add(String.format(Locale.ROOT, "Medians of %d alternating rounds (range in brackets; ratio: median of each "
          + "round's ratio). The file is streamed from disk in a multipart body over loopback HTTP; ferry answers once "
          + "every block is stored and fsynced. %d cores; Java %s; load average at the start %.1f.", ROUNDS,
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
      String table = String.join("\n", rows);
      System.out.println("\n" + table + "\n");
      Files.createDirectories(Path.of("target", "bench"));
      Files.writeString(Path.of("target", "bench", "ContentBench-add.md"), table + "\n");
    } finally {
      node.close().await();
    }
  }

  /** Posts {@code file} as a multipart upload, streamed from disk, timed into {@code mbps}; the CID in {@code field}. */
  private static String timedAdd(URI uri, Path file, Map<String, List<Double>> mbps, String series, String field)
      throws Exception {
    String boundary = "bench-" + System.nanoTime();
    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .timeout(LONG).POST(HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            HttpRequest.BodyPublishers.ofFile(file),
            HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"))).build();
    long start = System.nanoTime();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    mbps.computeIfAbsent(series, s -> new ArrayList<>()).add(Files.size(file) / 1e6 / seconds);
    String first = response.body().strip().lines().filter(l -> l.contains(field)).findFirst().orElseThrow();
    return new JsonObject(first).getString(field);
  }

  private static void post(URI uri) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(LONG)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static double last(List<Double> values) {
    return values.get(values.size() - 1);
  }

  /**
   * js-ipfs's bitswap on the same file: one js-ipfs daemon adds {@code file} (CIDv1, raw leaves: the
   * CID node2 holds, checked), a second one, connected to it ({@code swarm/connect}), pins it, which
   * fetches every block over bitswap; the pin is timed. Both daemons are stopped after.
   */
  private double bitswap(Path file, Cid expected) throws Exception {
    try (IpfsDaemon holder = IpfsDaemon.start(dir.resolve("js-ipfs-holder"));
        IpfsDaemon fetcher = IpfsDaemon.start(dir.resolve("js-ipfs-fetcher"))) {
      String cid = timedAdd(holder.api().resolve("/api/v0/add?cid-version=1"), file, new LinkedHashMap<>(), "add",
          "Hash");
      Files.delete(file);
      assertThat(Cid.parse(cid)).as("js-ipfs's CID of the file ferry fetches").isEqualTo(expected);
      fetcher.connectTo(holder);
      long start = System.nanoTime();
      post(fetcher.api().resolve("/api/v0/pin/add?arg=" + cid + "&timeout=" + LONG.toMinutes() / 2 + "m"));  // js-ipfs answers its timeout before ours
      double mbps = SIZE / 1e6 / ((System.nanoTime() - start) / 1e9);
      assertThat(fetcher.pins()).contains(Cid.parse(cid).toString());
      return mbps;
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
