package dev.ferry.testing;

import dev.ferry.peers.Peer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node as a process of the fat jar with the small heap of {@link ProcessCluster#command}
 * ({@code -Xmx256m}), its settings from a {@code --config} file (so an older jar that lacks a
 * setting ignores it rather than refusing to start), its output and a GC log under
 * {@code target/it-logs/}. Stopped by its PID on {@link #close}.
 */
public final class SmallHeapNode implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(90);
  /** A GC log line's heap figures: before and after the collection, in MB. */
  private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\(\\d+M\\)");

  private final Path dir;
  private final Peer peer;
  private final Process process;
  private final Path log;
  private final Path gcLog;

  /** Starts the node with {@code settings} (shaped like conf/node.json) and waits until {@code /health} answers. */
  public SmallHeapNode(String testName, JsonObject settings) {
    try {
      dir = Files.createTempDirectory("ferry-small-heap-");
      Path logs = Path.of("target", "it-logs", dir.getFileName().toString());
      Files.createDirectories(logs);
      log = logs.resolve("node1.log");
      gcLog = logs.resolve("node1-gc.log");
      peer = TestCluster.writePeers(dir.resolve("peers.json"), 1).get(0);
      Path config = dir.resolve("config.json");
      Files.writeString(config, settings.encodePrettily());
      List<String> command = new ArrayList<>(ProcessCluster.command("node", "--peers",
          dir.resolve("peers.json").toString(), "--name", peer.name(), "--data", dir.resolve("data").toString(),
          "--config", config.toString()));
      command.add(1, "-Xlog:gc:file=" + gcLog.toAbsolutePath());
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().remove("FERRY_PEERS");
      builder.redirectErrorStream(true);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Eventually.await(testName + ": node's /health to answer 204", START, () -> {
        if (!process.isAlive()) {
          throw new IllegalStateException("the node exited with " + process.exitValue() + ", see " + log);
        }
        return health().statusCode() == 204;
      });
    } catch (RuntimeException | AssertionError e) {
      close();
      throw e;
    }
  }

  public int apiPort() {
    return peer.apiPort().orElseThrow();
  }

  public int proxyPort() {
    return peer.proxyPort().orElseThrow();
  }

  public Path dataDir() {
    return dir.resolve("data");
  }

  public boolean alive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The largest heap in use before any collection so far, in MB, from the GC log (0 before the first). */
  public int peakHeapMb() {
    try {
      Matcher m = HEAP.matcher(Files.readString(gcLog));
      int peak = 0;
      while (m.find()) {
        peak = Math.max(peak, Integer.parseInt(m.group(1)));
      }
      return peak;
    } catch (IOException e) {
      return 0;
    }
  }

  /** One {@code GET /health} on a connection of its own. */
  public HttpResponse<String> health() {
    return Http.get(apiPort(), "/health");
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    TestCluster.deleteRecursively(dir);
  }
}
