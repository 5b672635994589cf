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
 * issue 16, in alternating rounds: the 64 MiB file fetched by ferry and by js-ipfs's bitswap between
 * two js-ipfs daemons ({@link Bitswap}; at 256 MiB js-ipfs stalls, docs/BENCHMARKS.md says why).
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
  /**
   * Untimed rounds first, so that what the timed rounds measure is the compiled code, not the JIT
   * compiling it (in a cold JVM C2 took a third of the fetching node's CPU during the first rounds;
   * after one warm-up the fetch still got faster in each timed round, 106, 151, 187 MB/s, so three).
   */
  private static final int WARMUP = Integer.getInteger("bench.warmup.rounds", 3);
  private static final long SAMPLE_MS = 20;
  private static final Duration LONG = Duration.ofMinutes(10);
  /**
   * The add's client: {@code sendfile} ({@link SendfileUpload}, the default) or {@code jdk}
   * ({@code java.net.http}, which costs this JVM about 0.8–1 ms of CPU per MB on its own).
   */
  private static final boolean SENDFILE = !"jdk".equals(System.getProperty("bench.add.client", "sendfile"));
  /** Whether the fetch is compared with js-ipfs's bitswap ({@code -Dbench.bitswap=false}: not, to profile ferry alone). */
  private static final boolean BITSWAP = Boolean.parseBoolean(System.getProperty("bench.bitswap", "true"));

  @TempDir Path dir;

  @Test
  void nodeToNodeFetchAgainstRawTcp() throws Exception {
    double loadAtStart = load();
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
      ContentStore store1 = ContentStore.embedded(node);

      fetch(vertx, store1, small, SMALL);
      for (int round = 0; round < WARMUP; round++) {  // untimed: the JIT compiles the paths the rounds time
        CircuitBench.tcp(vertx, tcpPort, 1, SIZE);
        fetch(vertx, store1, big, SIZE);
      }
      List<Double> tcp = new ArrayList<>();
      List<Double> fetch = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> cpuHere = new ArrayList<>();
      List<Double> cpuThere = new ArrayList<>();
      QuietMachine quiet = new QuietMachine();
      for (int round = 0; round < ROUNDS; round++) {
        quiet.await();
        double raw = CircuitBench.tcp(vertx, tcpPort, 1, SIZE);
        quiet.await();
        Fetched run = fetch(vertx, store1, big, SIZE);
        double fetched = run.mbps();
        System.out.printf(Locale.ROOT, "round %d: raw TCP %.0f MB/s, fetch %.0f MB/s (CPU per MB: node1 %.2f ms, "
            + "node2 %.2f ms)%n", round + 1, raw, fetched, run.cpuHere(), run.cpuThere());
        tcp.add(raw);
        fetch.add(fetched);
        ratios.add(fetched / raw);
        cpuHere.add(run.cpuHere());
        cpuThere.add(run.cpuThere());
      }
      long heapBefore = BenchRemote.usedHeap();
      Fetched smallRun = fetch(vertx, store1, small, SMALL);
      long heapAfterSmall = BenchRemote.usedHeap();
      Fetched bigRun = fetch(vertx, store1, big, SIZE);
      long heapAfterBig = BenchRemote.usedHeap();
      // js-ipfs's bitswap stalls on a 256 MiB file (docs/BENCHMARKS.md: mplex's inbound stream limit),
      // so the comparison is on the smaller file, ferry's fetch of it timed in the same rounds
      List<Double> smallFetch = new ArrayList<>();
      List<Double> bitswap = new ArrayList<>();
      List<Double> overBitswap = new ArrayList<>();
      try (Bitswap js = BITSWAP ? new Bitswap(randomFile(SMALL, 2), small) : null) {
        for (int round = 0; round < ROUNDS && js != null; round++) {
          quiet.await();
          double ferry = fetch(vertx, store1, small, SMALL).mbps();
          quiet.await();
          double swapped = js.fetch();
          System.out.printf(Locale.ROOT, "round %d, %d MiB: ferry's fetch %.0f MB/s, js-ipfs bitswap %.1f MB/s%n",
              round + 1, SMALL / MIB, ferry, swapped);
          smallFetch.add(ferry);
          bitswap.add(swapped);
          overBitswap.add(ferry / swapped);
        }
      }

      String table = String.join("\n",
          "| measurement | raw TCP (NetSocket, 1 stream) | node-to-node fetch | fetch / TCP |",
          "|---|---|---|---|",
          String.format(Locale.ROOT, "| %d MiB file, one other node has it | %.0f MB/s | %.0f MB/s | %.2fx (%.2f–%.2f) |",
              SIZE / MIB, median(tcp), median(fetch), median(ratios), min(ratios), max(ratios)),
          String.format(Locale.ROOT, "| CPU time per MB fetched (process CPU, all threads) | | node1 (fetching) %.2f ms, "
              + "node2 (serving) %.2f ms | |", median(cpuHere), median(cpuThere)),
          String.format(Locale.ROOT, "| peak used heap while fetching (sampled every %d ms) | | %d MiB file: %d MiB; "
              + "%d MiB file: %d MiB | |", SAMPLE_MS, SMALL / MIB, smallRun.peakHeap() / MIB, SIZE / MIB,
              bigRun.peakHeap() / MIB),
          String.format(Locale.ROOT, "| heap after GC (before; after the %d MiB; after the %d MiB fetch) | | %d; %d; "
              + "%d MiB | |", SMALL / MIB, SIZE / MIB, heapBefore / MIB, heapAfterSmall / MIB, heapAfterBig / MIB),
          !BITSWAP ? "| js-ipfs bitswap | | not measured (`-Dbench.bitswap=false`) | |" : String.format(Locale.ROOT, "| %d MiB file: ferry's fetch; js-ipfs bitswap between two js-ipfs daemons "
              + "(`pin/add`) | | %.0f MB/s (%.0f–%.0f); bitswap %.1f MB/s (%.1f–%.1f) | ferry / bitswap: %.1fx "
              + "(%.1f–%.1f) |", SMALL / MIB, median(smallFetch), min(smallFetch), max(smallFetch), median(bitswap),
              min(bitswap), max(bitswap), median(overBitswap), min(overBitswap), max(overBitswap)),
          "",
          String.format(Locale.ROOT, "Medians of %d alternating rounds after %d untimed (ratio: median of each "
              + "round's ratio, range in brackets). node1 in the benchmark's JVM (-Xmx2g) fetches, node2 (a process, "
              + "-Xmx1g) serves; CIDv1, raw leaves, 256 KiB chunks (%d blocks); each block checked (SHA-256) and "
              + "written to its own file, fsynced before the pin is recorded. %d cores; Java %s; load average %.1f "
              + "at the start, %.1f at the end. Each timed round (TCP, ferry, bitswap) started once the machine had been "
              + "quiet for %d ms (at most %.2f cores busy), or after %d s: %d of %d started without it.", ROUNDS, WARMUP,
              SIZE / (256 * 1024) + 1, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
              loadAtStart, load(), QuietMachine.WINDOW.toMillis(), QuietMachine.BUSY_CORES,
              QuietMachine.DEADLINE.toSeconds(), quiet.missed(), quiet.waits()));
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
   * round a fresh file, and both stores collect their garbage after each add so none dedups. The
   * file goes by {@link SendfileUpload} (the kernel's sendfile), so that the client leaves the two
   * cores to the servers; {@code -Dbench.add.client=jdk} sends it through {@code java.net.http}.
   */
  @Test
  void addThroughTheApiAgainstJsIpfs() throws Exception {
    double loadAtStart = load();
    Path peersFile = dir.resolve("peers.json");
    int apiPort = TestCluster.writePeers(peersFile, 1).get(0).apiPort().orElseThrow();
    JsonObject flags = new JsonObject().put("name", "node1").put("peers", peersFile.toString())
        .put("data_dir", dir.resolve("node1").toString())
        .put("api", new JsonObject().put("max_add_bytes", 2 * SIZE));  // the file and its multipart framing
    Node node = Node.start(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir,
        dir)), Map.of()).await();
    try (IpfsDaemon daemon = IpfsDaemon.start(dir.resolve("js-ipfs"))) {
      ContentStore store = ContentStore.embedded(node);
      URI api = URI.create("http://127.0.0.1:" + apiPort + "/add?no-pin=true");
      URI js = daemon.api().resolve("/api/v0/add?pin=false");
      Map<String, List<Double>> mbps = new LinkedHashMap<>();
      for (int round = -WARMUP; round < ROUNDS; round++) {  // warm-up rounds (below 0) untimed, for both JITs
        Map<String, List<Double>> into = round < 0 ? new LinkedHashMap<>() : mbps;
        for (int version = 0; version <= 1; version++) {
          Path file = randomFile(SIZE, 100 + (round + WARMUP) * 2 + version);
          String query = "&cid-version=" + version;
          String ferryCid = timedAdd(URI.create(api + query), file, into, "ferry v" + version, "cid");
          store.release(Cid.parse(ferryCid)).await();
          store.collectGarbage().await();
          String jsCid = timedAdd(URI.create(js + query), file, into, "js-ipfs v" + version, "Hash");
          post(daemon.api().resolve("/api/v0/repo/gc"));
          assertThat(Cid.parse(ferryCid)).as("the same CID from both").isEqualTo(Cid.parse(jsCid));
          Files.delete(file);
          System.out.printf(Locale.ROOT, "%s %d, v%d: ferry %.0f MB/s, js-ipfs %.0f MB/s (CPU per MB of this JVM: "
                  + "ferry add %.2f ms, js-ipfs add %.2f ms)%n",
              round < 0 ? "warm-up" : "round", round < 0 ? round + WARMUP + 1 : round + 1, version,
              last(into.get("ferry v" + version)), last(into.get("js-ipfs v" + version)),
              last(into.get("cpu ferry v" + version)), last(into.get("cpu js-ipfs v" + version)));
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
      for (int version = 0; version <= 1; version++) {
        rows.add(String.format(Locale.ROOT, "| CIDv%d: CPU time per MB of this JVM (process CPU, all threads) | %.2f ms "
            + "(client and node) | %.2f ms (client only) | |", version, median(mbps.get("cpu ferry v" + version)),
            median(mbps.get("cpu js-ipfs v" + version))));
      }
      for (int version = 0; version <= 1; version++) {
        rows.add(String.format(Locale.ROOT, "| CIDv%d: cores busy during the add (the whole machine, `/proc/stat`) | %.2f "
            + "of %d | %.2f of %d | |", version, median(mbps.get("busy ferry v" + version)),
            Runtime.getRuntime().availableProcessors(), median(mbps.get("busy js-ipfs v" + version)),
            Runtime.getRuntime().availableProcessors()));
      }
      rows.add("");
      rows.add(String.format(Locale.ROOT, "Medians of %d alternating rounds after %d untimed (range in brackets; "
          + "ratio: median of each round's ratio). The file is streamed from disk in a multipart body over loopback "
          + "HTTP by " + (SENDFILE ? "sendfile (`SendfileUpload`)" : "`java.net.http`") + "; ferry answers once every block is stored and fsynced. %d cores; Java %s; load average %.1f at the "
          + "start, %.1f at the end.", ROUNDS, WARMUP, Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"), loadAtStart, load()));
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
    long[] ticks = QuietMachine.ticks();
    long start = System.nanoTime();
    long cpu = BenchRemote.cpuNanos();
    SendfileUpload.Response response = SENDFILE ? SendfileUpload.post(uri, file) : jdkPost(uri, file);
    double seconds = (System.nanoTime() - start) / 1e9;
    cpu = BenchRemote.cpuNanos() - cpu;
    mbps.computeIfAbsent("busy " + series, s -> new ArrayList<>()).add(QuietMachine.busyCores(ticks, QuietMachine.ticks()));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    mbps.computeIfAbsent(series, s -> new ArrayList<>()).add(Files.size(file) / 1e6 / seconds);
    // this JVM's CPU: the client's sending and, for ferry, the node's receiving, importing and storing
    mbps.computeIfAbsent("cpu " + series, s -> new ArrayList<>()).add(cpu / 1e6 / (Files.size(file) / 1e6));
    String first = response.body().strip().lines().filter(l -> l.contains(field)).findFirst().orElseThrow();
    return new JsonObject(first).getString(field);
  }

  /** The same upload through the JDK's {@code java.net.http} ({@code -Dbench.add.client=jdk}). */
  private static SendfileUpload.Response jdkPost(URI uri, Path file) throws Exception {
    String boundary = "bench-" + System.nanoTime();
    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .timeout(LONG).POST(HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            HttpRequest.BodyPublishers.ofFile(file),
            HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"))).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    return new SendfileUpload.Response(response.statusCode(), response.body());
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
   * CID node2 holds, checked); a second one, connected to it ({@code swarm/connect}) before each
   * round, pins it in each {@link #fetch}, which fetches every block over bitswap, then unpins it and
   * collects its garbage for the next round. Both daemons stop on {@link #close}.
   */
  private final class Bitswap implements AutoCloseable {
    private final IpfsDaemon holder;
    private final IpfsDaemon fetcher;
    private final String cid;
    private final long size;

    Bitswap(Path file, Cid expected) throws Exception {
      size = Files.size(file);
      holder = IpfsDaemon.start(dir.resolve("js-ipfs-holder"));
      try {
        fetcher = IpfsDaemon.start(dir.resolve("js-ipfs-fetcher"));
      } catch (RuntimeException e) {
        holder.close();
        throw e;
      }
      try {
        cid = timedAdd(holder.api().resolve("/api/v0/add?cid-version=1"), file, new LinkedHashMap<>(), "add", "Hash");
        Files.delete(file);
        assertThat(Cid.parse(cid)).as("js-ipfs's CID of the file ferry fetches").isEqualTo(expected);
      } catch (Exception | AssertionError e) {
        close();
        throw e;
      }
    }

    /** One timed fetch by bitswap (MB/s); the fetcher holds nothing of the file before or after. */
    double fetch() throws Exception {
      fetcher.connectTo(holder);
      long start = System.nanoTime();
      post(fetcher.api().resolve("/api/v0/pin/add?arg=" + cid + "&timeout=" + LONG.toMinutes() / 2 + "m"));  // js-ipfs answers its timeout before ours
      double mbps = size / 1e6 / ((System.nanoTime() - start) / 1e9);
      assertThat(fetcher.pins()).contains(Cid.parse(cid).toString());
      post(fetcher.api().resolve("/api/v0/pin/rm?arg=" + cid));
      post(fetcher.api().resolve("/api/v0/repo/gc"));
      return mbps;
    }

    @Override
    public void close() {
      try (holder; fetcher) {
        // both stopped, the fetcher first
      }
    }
  }

  /** A timed fetch: MB/s, node1's peak used heap, and the CPU time per MB of node1 and of node2 (ms). */
  private record Fetched(double mbps, long peakHeap, double cpuHere, double cpuThere) {}

  /** Pins {@code cid} (fetching every block from node2), timed; then unpins it and collects, for the next round. */
  private static Fetched fetch(Vertx vertx, ContentStore store, Cid cid, long size) {
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
    long cpuHere = BenchRemote.cpuNanos();
    long cpuThere = remoteCpu(vertx);
    long start = System.nanoTime();
    store.pin(cid, LONG).await();
    double mbps = size / 1e6 / ((System.nanoTime() - start) / 1e9);
    cpuHere = BenchRemote.cpuNanos() - cpuHere;
    cpuThere = remoteCpu(vertx) - cpuThere;
    running.set(false);
    store.unpin(cid).await();
    store.release(cid).await();
    assertThat(store.collectGarbage().await().removed()).isNotEmpty();
    double mb = size / 1e6;
    return new Fetched(mbps, peak.get(), cpuHere / 1e6 / mb, cpuThere / 1e6 / mb);
  }

  /** node2's process CPU time (ns), asked of {@link BenchRemote} over the bus. */
  private static long remoteCpu(Vertx vertx) {
    return vertx.eventBus().<Long>request("bench.cpu.node2", null).await().body();
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

  /** The machine's load average over the last minute (the machine is shared: figures are read beside it). */
  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
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
