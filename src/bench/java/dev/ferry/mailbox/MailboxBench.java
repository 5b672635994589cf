package dev.ferry.mailbox;

import dev.ferry.core.NodeConfig;
import dev.ferry.node.Node;
import dev.ferry.registry.Registry;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.PeerJvmFlags;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Mailboxes against the raw Vert.x event bus with the same payload, in the same run: one-way
 * messages/s, request/reply round trips/s and the median round trip at 1 in flight, within one
 * node and across two processes. {@code -Dbench.max_writes_per_flush=N} sets the nodes'
 * {@code tls.max_writes_per_flush} ({@link BenchFlushes}).
 * Run: {@code mvn -B -Pbench verify -Dbench=MailboxBench}. Prints a table and writes it to
 * {@code target/bench/mailbox.md}. With {@code -Dbench.tls=true} the two-process half runs again
 * with the event bus's TLS, and a second table compares the two.
 */
class MailboxBench {
  private static final int ONE_WAY = 200_000;
  private static final int ROUND_TRIPS = 40_000;
  private static final int IN_FLIGHT = 64;
  /** Round trips one at a time, for the latency at low load. */
  private static final int SEQUENTIAL = 2_000;
  private static final int RUNS = 7;
  private static final String PAYLOAD = "x".repeat(128);
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** {@code -Dbench.tls=true}: the two-process half once more with the event bus's TLS, and a TLS/plaintext table. */
  private static final boolean TLS = Boolean.getBoolean("bench.tls");
  private static final String TLS_WHERE = "two processes, TLS";

  /** A record payload of the same size, to show the cost of Jackson. */
  public record Sample(String text, int n) {}

  private final List<String> rows = new ArrayList<>();
  /** Raw and mailbox medians by where|what, for the TLS table. */
  private final Map<String, double[]> medians = new LinkedHashMap<>();

  @Test
  void mailboxesAgainstTheRawEventBus() throws Exception {
    try (var local = TestCluster.inJvm(1)) {
      Node node = local.node(1);
      Mailbox echo = EchoServices.start(node).await();
      Address viaRegistry = Registry.of(node.vertx()).lookup(EchoServices.MAILBOX_NAME).await();
      measureAll("one node", node.vertx(), viaRegistry);
      echo.close();
    }
    twoProcesses("two processes", Optional.empty());
    if (TLS) {
      // the same, with the event bus's TLS (certificates as 'ferry certs init' makes them)
      Path certs = Files.createTempDirectory("ferry-bench-certs-");
      Certificates.init(certs, List.of(NodeIdentity.local("node1"), NodeIdentity.local("node2")), Duration.ofDays(1),
          false);
      twoProcesses(TLS_WHERE, Optional.of(certs));
    }
    report();
  }

  /** The cross-process half: this JVM's node and a {@link BenchPeer} process, with the bus's TLS when {@code certs}. */
  private void twoProcesses(String where, Optional<Path> certs) throws Exception {
    Path dir = Files.createTempDirectory("ferry-bench-");
    Path peers = dir.resolve("peers.json");
    var entries = TestCluster.writePeers(peers, 2);
    Process peer = startPeer(peers, entries.get(1).name(), dir, certs);
    try {
      var flags = new JsonObject().put("peers", peers.toString()).put("name", entries.get(0).name())
          .put("data_dir", dir.resolve("n1").toString());
      flags.mergeIn(BenchFlushes.settings(), true);
      certs.ifPresent(c -> flags.mergeIn(BenchTls.settings(c), true));
      Node node = Node.start(NodeConfig.resolve(new NodeConfig.Sources(
          Optional.empty(), Map.of(), flags, "localhost", dir, dir)), Map.of()).await();
      node.vertx().eventBus().registerDefaultCodec(Sample.class, new RecordCodec<>(Sample.class));
      Eventually.await("the peer's echo mailbox to be registered", Duration.ofSeconds(60), () -> {
        try {
          return Registry.of(node.vertx()).lookup(EchoServices.MAILBOX_NAME).await() != null;
        } catch (RuntimeException e) {
          return false;
        }
      });
      Address remote = Registry.of(node.vertx()).lookup(EchoServices.MAILBOX_NAME).await();
      measureAll(where, node.vertx(), remote);
      node.close().await();
    } finally {
      // SIGTERM first, so a flight recording in the peer is written out
      peer.destroy();
      if (!peer.waitFor(30, TimeUnit.SECONDS)) {
        peer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private void measureAll(String where, Vertx vertx, Address echo) {
    Mailboxes mailboxes = Mailboxes.of(vertx);
    // warm-up, untimed: every path with every payload, long enough for the JIT to settle (a
    // shorter one left the first comparison up to a third off in either direction)
    Sample sample = new Sample(PAYLOAD.substring(20), 42);
    for (int i = 0; i < 2; i++) {
      oneWayRaw(vertx, PAYLOAD, ONE_WAY);
      oneWayMailbox(mailboxes, echo, PAYLOAD, ONE_WAY);
      oneWayRaw(vertx, sample, ONE_WAY);
      oneWayMailbox(mailboxes, echo, sample, ONE_WAY);
      roundTripsRaw(vertx, ROUND_TRIPS);
      roundTripsMailbox(vertx, echo, PAYLOAD, ROUND_TRIPS);
      medianLatencyRaw(vertx);
      medianLatencyMailbox(vertx, echo);
    }

    compare(where, "one-way msgs/s, 128 B string", "msgs/s",
        () -> ONE_WAY / seconds(oneWayRaw(vertx, PAYLOAD, ONE_WAY)),
        () -> ONE_WAY / seconds(oneWayMailbox(mailboxes, echo, PAYLOAD, ONE_WAY)));
    compare(where, "one-way msgs/s, record vs 128 B string", "msgs/s",
        () -> ONE_WAY / seconds(oneWayRaw(vertx, PAYLOAD, ONE_WAY)),
        () -> ONE_WAY / seconds(oneWayMailbox(mailboxes, echo, sample, ONE_WAY)));
    compare(where, "one-way msgs/s, record vs record with a Jackson codec", "msgs/s",
        () -> ONE_WAY / seconds(oneWayRaw(vertx, sample, ONE_WAY)),
        () -> ONE_WAY / seconds(oneWayMailbox(mailboxes, echo, sample, ONE_WAY)));
    compare(where, "request/reply round trips/s, " + IN_FLIGHT + " in flight", "rt/s",
        () -> ROUND_TRIPS / seconds(roundTripsRaw(vertx, ROUND_TRIPS)),
        () -> ROUND_TRIPS / seconds(roundTripsMailbox(vertx, echo, PAYLOAD, ROUND_TRIPS)));
    compare(where, "request/reply p50 latency µs, 1 in flight", "µs",
        () -> medianLatencyRaw(vertx), () -> medianLatencyMailbox(vertx, echo));
  }

  /** Median of {@link #RUNS} runs of each, alternating, so drift hits both alike. */
  private void compare(String where, String what, String unit, Supplier<Double> raw, Supplier<Double> mailbox) {
    Instant started = Instant.now();
    double[] r = new double[RUNS];
    double[] m = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      r[i] = raw.get();
      m[i] = mailbox.get();
    }
    double rawMedian = median(r);
    double mailboxMedian = median(m);
    medians.put(where + "|" + what, new double[] {rawMedian, mailboxMedian});
    String row = String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.2fx |", where, what, rawMedian,
        mailboxMedian, mailboxMedian / rawMedian);
    rows.add(row);
    // the times, to find the measurement in a flight recording
    System.out.println(row + "  (" + unit + ", " + started + " to " + Instant.now() + ")");
  }

  private static long oneWayRaw(Vertx vertx, Object payload, int count) {
    return onContext(vertx, done -> {
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        vertx.eventBus().send(EchoServices.RAW_ADDRESS, payload);
      }
      // the consumer answers a request only after every earlier message from this sender
      vertx.eventBus().request(EchoServices.RAW_ADDRESS, "END",
              new DeliveryOptions().setSendTimeout(TIMEOUT.toMillis()))
          .onSuccess(x -> done.complete(System.nanoTime() - start)).onFailure(done::fail);
    });
  }

  private static long oneWayMailbox(Mailboxes mailboxes, Address echo, Object payload, int count) {
    return onContext(mailboxes.vertx(), done -> {
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        echo.send(payload);
      }
      echo.request("END", TIMEOUT).onSuccess(x -> done.complete(System.nanoTime() - start)).onFailure(done::fail);
    });
  }

  private static long roundTripsRaw(Vertx vertx, int count) {
    var options = new DeliveryOptions().setSendTimeout(TIMEOUT.toMillis());
    return roundTrips(vertx, count, () -> vertx.eventBus().request(EchoServices.RAW_ADDRESS, PAYLOAD, options));
  }

  private static long roundTripsMailbox(Vertx vertx, Address echo, Object payload, int count) {
    return roundTrips(vertx, count, () -> echo.request(payload, TIMEOUT));
  }

  private static double medianLatencyRaw(Vertx vertx) {
    var options = new DeliveryOptions().setSendTimeout(TIMEOUT.toMillis());
    return medianLatency(vertx, () -> vertx.eventBus().request(EchoServices.RAW_ADDRESS, PAYLOAD, options));
  }

  private static double medianLatencyMailbox(Vertx vertx, Address echo) {
    return medianLatency(vertx, () -> echo.request(PAYLOAD, TIMEOUT));
  }

  /** {@link #SEQUENTIAL} requests, each sent when the one before was answered; the median round trip in µs. */
  private static double medianLatency(Vertx vertx, Supplier<Future<?>> request) {
    double[] micros = new double[SEQUENTIAL];
    onContext(vertx, done -> {
      long start = System.nanoTime();
      int[] answered = {0};
      long[] sentAt = {System.nanoTime()};
      Runnable[] next = new Runnable[1];
      next[0] = () -> request.get().onComplete(x -> {
        long now = System.nanoTime();
        if (x.failed()) {
          done.fail(x.cause());
          return;
        }
        micros[answered[0]] = (now - sentAt[0]) / 1e3;
        if (++answered[0] == SEQUENTIAL) {
          done.complete(now - start);
        } else {
          sentAt[0] = now;
          next[0].run();
        }
      });
      next[0].run();
    });
    return median(micros);
  }

  /** {@code count} requests, {@link #IN_FLIGHT} at a time, from one context; the nanoseconds taken. */
  private static long roundTrips(Vertx vertx, int count, Supplier<Future<?>> request) {
    return onContext(vertx, done -> {
      long start = System.nanoTime();
      int[] sent = {0};
      int[] answered = {0};
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        if (sent[0] < count) {
          sent[0]++;
          request.get().onComplete(x -> {
            if (++answered[0] == count) {
              done.complete(System.nanoTime() - start);
            } else {
              next[0].run();
            }
          });
        }
      };
      for (int i = 0; i < IN_FLIGHT; i++) {
        next[0].run();
      }
    });
  }

  /** Runs {@code body} on a fresh event-loop context and waits for the nanoseconds it reports. */
  private static long onContext(Vertx vertx, Consumer<Promise<Long>> body) {
    Promise<Long> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> body.accept(done));
    return done.future().toCompletionStage().toCompletableFuture().orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static Process startPeer(Path peers, String name, Path dir, Optional<Path> certs) throws Exception {
    List<String> command = new ArrayList<>(List.of(BenchPeer.javaBinary().toString(), "-Xmx512m"));
    command.addAll(PeerJvmFlags.get());
    command.addAll(BenchTls.jvmFlags());
    command.addAll(BenchFlushes.jvmFlags());
    // the same --add-opens / --add-exports this JVM got for Hazelcast
    List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
    for (int i = 0; i < jvmArgs.size(); i++) {
      String arg = jvmArgs.get(i);
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
        if (!arg.contains("=") && i + 1 < jvmArgs.size()) {
          command.add(jvmArgs.get(++i));
        }
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchPeer.class.getName(),
        peers.toString(), name, dir.resolve(name).toString()));
    certs.ifPresent(c -> command.add(c.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve(name + ".log").toFile());
    Process process = builder.start();
    var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    // JVM flags such as a flight recording may print first
    String line = out.readLine();
    for (int skipped = 0; line != null && !"READY".equals(line) && skipped < 20; skipped++) {
      line = out.readLine();
    }
    if (!"READY".equals(line)) {
      process.destroyForcibly();
      throw new IllegalStateException("the bench peer did not start; see " + dir.resolve(name + ".log"));
    }
    return process;
  }

  private void report() throws Exception {
    String table = "| where | what | raw event bus | ferry mailboxes | ratio |\n|---|---|---|---|---|\n"
        + String.join("\n", rows) + "\n";
    if (TLS) {
      StringBuilder tls = new StringBuilder("\nTLS: tls.engine " + BenchTls.engine()
          + "\n\n| what | raw bus: plaintext | TLS | TLS/plaintext | mailboxes: plaintext "
          + "| TLS | TLS/plaintext |\n|---|---|---|---|---|---|---|\n");
      medians.forEach((key, plain) -> {
        String[] parts = key.split("\\|", 2);
        double[] secure = medians.get(TLS_WHERE + "|" + parts[1]);
        if (parts[0].equals("two processes") && secure != null) {
          tls.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2fx | %,.0f | %,.0f | %.2fx |%n", parts[1],
              plain[0], secure[0], secure[0] / plain[0], plain[1], secure[1], secure[1] / plain[1]));
        }
      });
      table += tls;
    }
    Path out = Path.of("target", "bench", "mailbox.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.out.println();
    System.out.println(table);
  }
}
