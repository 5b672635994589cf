package dev.ferry.pin;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.DiscardingDaemon;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pin ingest over the HTTP API ({@code POST /pins/{cid}?replication=2}) on three node processes of
 * the fat jar, each with a stand-in IPFS daemon in this JVM that answers {@code pin/add},
 * {@code pin/rm} and {@code pin/ls} at once ({@link DiscardingDaemon}), so the figures are ferry's
 * own cost: after a warm-up of the same calls (its pins removed again), the rate and latency of the
 * first pins and of as many after the pinset has grown,
 * next to the floor measured in the same run, a Raft write over the same HTTP API ({@code PUT
 * /kv/{key}}) at the same concurrency; then how long the streamed listings of the whole pinset
 * take to their first line and to their end.
 *
 * <p>Run: {@code mvn -B -Pbench verify -Dbench=PinBench}; {@code -Dbench.pins.window=10000},
 * {@code -Dbench.pins.grown=50000}, {@code -Dbench.inflight=64} change the sizes. The table is
 * printed and written to {@code target/bench/PinBench.md}.
 */
@Timeout(3600)
class PinBench {
  private static final int WINDOW = Integer.getInteger("bench.pins.window", 10_000);
  private static final int GROWN = Integer.getInteger("bench.pins.grown", 50_000);
  private static final int IN_FLIGHT = Integer.getInteger("bench.inflight", 64);
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 5_000);
  private static final Duration FORM = Duration.ofSeconds(120);
  private static final String HOST = "127.0.0.1";

  private final List<String> rows = new ArrayList<>();

  @Test
  void ingestStaysFlatAsThePinsetGrows() throws Exception {
    DiscardingDaemon[] daemons = {null, new DiscardingDaemon(), new DiscardingDaemon(), new DiscardingDaemon()};
    Vertx vertx = Vertx.vertx();
    try (ProcessCluster cluster = TestCluster.processes(3, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemons[i].api().toString())))) {
      int[] ports = {cluster.apiPort(1), cluster.apiPort(2), cluster.apiPort(3)};
      WebClient client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
      awaitPinsetWrites(ports);

      // warm-up: the same paths, so the first measured window is not the JIT's cold start; the
      // warm-up's pins are removed again, so the pinset starts empty
      run(vertx, WARM_UP, n -> kvPut(client, ports, n));
      run(vertx, WARM_UP, n -> client.request(HttpMethod.POST, ports[n % 3], HOST, "/pins/" + cid(-2 - n)
          + "?replication=2").send().compose(PinBench::ok));
      run(vertx, WARM_UP, n -> client.request(HttpMethod.DELETE, ports[n % 3], HOST, "/pins/" + cid(-2 - n)).send()
          .compose(PinBench::ok));
      Load floor = run(vertx, WINDOW, n -> kvPut(client, ports, n));
      Load first = run(vertx, WINDOW, n -> pin(client, ports, n));
      run(vertx, GROWN - WINDOW, n -> pin(client, ports, WINDOW + n));
      Load grown = run(vertx, WINDOW, n -> pin(client, ports, GROWN + n));
      int pinned = GROWN + WINDOW;
      row("Raft write over HTTP (`PUT /kv`), the floor", floor, floor);
      row("pins 1–" + WINDOW, first, floor);
      row("pins " + (GROWN + 1) + "–" + pinned, grown, floor);
      rows.add(String.format(Locale.ROOT, "\nrate of pins %d–%d ÷ rate of pins 1–%d: **%.2f**", GROWN + 1, pinned,
          WINDOW, grown.perSecond() / first.perSecond()));

      Stream allocations = stream(ports[1], "/allocations");
      Stream statuses = stream(ports[1], "/pins");
      rows.add(String.format(Locale.ROOT, "`GET /allocations` of %,d pins: %,d lines, first after %.0f ms, all "
          + "after %.0f ms", pinned, allocations.lines(), allocations.firstMillis(), allocations.allMillis()));
      rows.add(String.format(Locale.ROOT, "`GET /pins` of %,d pins: %,d lines, first after %.0f ms, all after "
          + "%.0f ms", pinned, statuses.lines(), statuses.firstMillis(), statuses.allMillis()));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (int i = 1; i <= 3; i++) {
        daemons[i].close();
      }
    }
    report();
  }

  private static Future<Void> kvPut(WebClient client, int[] ports, int n) {
    return client.request(HttpMethod.PUT, ports[n % 3], HOST, "/kv/bench/" + (n % 1000))
        .sendBuffer(Buffer.buffer("x".repeat(100))).compose(PinBench::ok);
  }

  private static Future<Void> pin(WebClient client, int[] ports, int n) {
    return client.request(HttpMethod.POST, ports[n % 3], HOST, "/pins/" + cid(n) + "?replication=2").send()
        .compose(PinBench::ok);
  }

  private static Future<Void> ok(io.vertx.ext.web.client.HttpResponse<Buffer> response) {
    return response.statusCode() == 200 ? Future.succeededFuture()
        : Future.failedFuture(response.statusCode() + " " + response.bodyAsString());
  }

  /** A CIDv1 (raw, SHA-256) of its own for each {@code n}. */
  private static String cid(int n) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("bench pin " + n).getBytes(StandardCharsets.UTF_8));
      return Cid.parse("f01551220" + HexFormat.of().formatHex(digest)).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Until every node's API takes pins (the pinset's group has a leader that has committed). */
  private static void awaitPinsetWrites(int[] ports) {
    Eventually.await("the pinset to take writes on every node", FORM, () -> Arrays.stream(ports).allMatch(port ->
        Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pins/" + cid(-1))).DELETE())
            .statusCode() == 404));
  }

  private void row(String what, Load load, Load floor) {
    rows.add(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %.1f | %.1f | %.2f | %d |", what, load.ops(),
        load.perSecond(), load.percentile(0.50), load.percentile(0.99), load.perSecond() / floor.perSecond(),
        load.failures()));
    System.out.println(rows.get(rows.size() - 1));
  }

  /** A listing read as it streams in: its lines, when the first arrived and when the last did. */
  private record Stream(long lines, double firstMillis, double allMillis) {}

  private static Stream stream(int port, String path) throws IOException, InterruptedException {
    long start = System.nanoTime();
    HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofMinutes(10)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    long lines = 0;
    double first = Double.NaN;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (lines++ == 0) {
          first = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    return new Stream(lines, first, (System.nanoTime() - start) / 1e6);
  }

  /** {@code count} calls, {@link #IN_FLIGHT} at a time, each caller calling again as soon as its call answered. */
  private static Load run(Vertx vertx, int count, IntFunction<Future<Void>> call) throws Exception {
    Promise<Load> done = Promise.promise();
    vertx.runOnContext(v -> new Object() {
      final long start = System.nanoTime();
      final long[] latencies = new long[count];
      int next;
      int finished;
      long failures;

      void begin() {
        for (int i = 0; i < Math.min(IN_FLIGHT, count); i++) {
          one();
        }
      }

      void one() {
        int n = next++;
        long began = System.nanoTime();
        Future<Void> answer;
        try {
          answer = call.apply(n);
        } catch (RuntimeException e) {
          answer = Future.failedFuture(e);   // counted as a failure rather than a call that never ends
        }
        answer.onComplete(ar -> {
          latencies[n] = System.nanoTime() - began;
          if (ar.failed()) {
            failures++;
          }
          if (++finished == count) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            done.complete(new Load(count, failures, (System.nanoTime() - start) / 1e9, sorted));
          } else if (next < count) {
            one();
          }
        });
      }
    }.begin());
    return done.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
  }

  private record Load(long ops, long failures, double seconds, long[] latencies) {
    double perSecond() {
      return ops / seconds;
    }

    double percentile(double p) {
      return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1e6;
    }
  }

  private void report() throws IOException {
    List<String> table = new ArrayList<>(List.of(
        "| what | calls | per s | p50 ms | p99 ms | ÷ floor | failed |",
        "|---|---:|---:|---:|---:|---:|---:|"));
    table.addAll(rows);
    String text = String.join("\n", table) + "\n\ncores: " + Runtime.getRuntime().availableProcessors() + ", "
        + IN_FLIGHT + " in flight over 3 nodes' APIs, replication 2, stand-in daemons that answer at once, warm-up "
        + WARM_UP + " Raft writes, pins and unpins\n";
    System.out.println("\n" + text);
    Path out = Path.of("target", "bench", "PinBench.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }
}
