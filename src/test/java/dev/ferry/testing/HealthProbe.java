package dev.ferry.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks a node's {@code GET /health} every few hundred milliseconds from a thread of its own and
 * keeps every probe's outcome and latency, for tests that hold that a node under attack keeps
 * answering in time. Thread-safe.
 */
public final class HealthProbe implements AutoCloseable {
  private static final Duration EVERY = Duration.ofMillis(250);
  /** A probe that takes longer than this is cut (and fails any bound below it). */
  private static final Duration CUT = Duration.ofSeconds(10);

  /** One probe: when it was sent, its HTTP status (or -1 when it failed), how long it took, and what failed. */
  public record Probe(Instant at, int status, Duration latency, String failure) {}

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(CUT).build();
  private final URI health;
  private final List<Probe> probes = new ArrayList<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "health-probe");
    t.setDaemon(true);
    return t;
  });

  public HealthProbe(int apiPort) {
    this.health = URI.create("http://127.0.0.1:" + apiPort + "/health");
    thread.scheduleWithFixedDelay(this::probe, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probe() {
    long start = System.nanoTime();
    Instant at = Instant.now();
    Probe probe;
    try {
      HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(health).timeout(CUT).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      probe = new Probe(at, answer.statusCode(), Duration.ofNanos(System.nanoTime() - start), null);
    } catch (InterruptedException e) {
      // close() cut this probe short: it says nothing about the node
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      probe = new Probe(at, -1, Duration.ofNanos(System.nanoTime() - start), String.valueOf(e));
    }
    synchronized (probes) {
      probes.add(probe);
    }
  }

  /** Every probe so far. */
  public List<Probe> probes() {
    synchronized (probes) {
      return List.copyOf(probes);
    }
  }

  /** The slowest probe so far. */
  public Duration slowest() {
    return probes().stream().map(Probe::latency).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(CUT.toSeconds() + 1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
