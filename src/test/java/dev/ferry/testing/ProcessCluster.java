package dev.ferry.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Nodes as processes of the fat jar ({@code target/ferry.jar}, or the {@code ferry.jar} system
 * property), each with its own log under {@code target/it-logs/}. Processes are stopped by their
 * PID: SIGTERM for {@link #stop}, SIGKILL for {@link #kill}.
 */
public final class ProcessCluster extends TestCluster {
  private final List<Process> processes = new ArrayList<>();
  private final List<dev.ferry.node.Node> jvmNodes = new ArrayList<>();
  private final Path logs;
  private final int inJvm;

  ProcessCluster(int size, int inJvm, IntFunction<JsonObject> settings) {
    super(size);
    this.settings = settings;
    this.inJvm = inJvm;
    this.logs = Path.of("target", "it-logs", dir.getFileName().toString());
    try {
      Files.createDirectories(logs);
      for (int i = inJvm + 1; i <= size; i++) {
        processes.add(launch(i));
      }
      for (int i = 1; i <= inJvm; i++) {
        jvmNodes.add(dev.ferry.node.Node.start(config(i), Map.of()).await());
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Node {@code i}, one of those started in this JVM. */
  public dev.ferry.node.Node jvmNode(int i) {
    return jvmNodes.get(i - 1);
  }

  /** The fat jar under test. */
  public static Path jar() {
    Path jar = Path.of(System.getProperty("ferry.jar", "target/ferry.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run `mvn package` (or `mvn verify`) first");
    }
    return jar;
  }

  /**
   * The command that runs the fat jar with these arguments, with a heap of 256 MB (the
   * {@code ferry.node.heap} system property, e.g. {@code 2g}, for benchmarks of large states), the
   * serial collector (small and quick to start for tests; {@code -Dferry.node.gc=G1} for the
   * collector {@code bin/ferry} gets by default, in benchmarks of latency) and
   * the flags of {@link PeerJvmFlags} (a flight recording of each node, say), with the jar's
   * classes from a class data archive ({@link ClassDataSharing}, made at the first call).
   */
  public static List<String> command(String... args) {
    Path jar = jar();
    List<String> command = new ArrayList<>(jvm());
    command.addAll(PeerJvmFlags.get());
    command.addAll(ClassDataSharing.flags(jar));
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** The java launcher and the heap and GC flags of every process of the jar. */
  static List<String> jvm() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + System.getProperty("ferry.node.heap", "256m"),
        "-XX:+Use" + System.getProperty("ferry.node.gc", "Serial") + "GC");
  }

  /** Starts node {@code i} again, e.g. after a kill, with the same data directory. */
  public void restart(int i) {
    try {
      processes.set(i - 1 - inJvm, launch(i));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Process process(int i) {
    return processes.get(i - 1 - inJvm);
  }

  /** The log of node {@code i}'s latest run. */
  public Path log(int i) {
    return logs.resolve(name(i) + ".log");
  }

  @Override
  public void stop(int i) {
    Process p = process(i);
    p.destroy();
    waitForExit(p);
  }

  @Override
  public void kill(int i) {
    Process p = process(i);
    p.destroyForcibly();
    waitForExit(p);
  }

  @Override
  public void close() {
    for (var node : jvmNodes) {
      try {
        node.close().await();
      } catch (RuntimeException e) {
        // keep stopping the rest
      }
    }
    for (Process p : processes) {
      if (p.isAlive()) {
        p.destroyForcibly();
        waitForExit(p);
      }
    }
    super.close();
  }

  private Process launch(int i) throws IOException {
    Path config = dir.resolve(name(i) + ".config.json");
    Files.writeString(config, settings.apply(i).encodePrettily());
    ProcessBuilder builder = new ProcessBuilder(command("node", "--config", config.toString(),
        "--peers", peersFile.toString(), "--name", name(i), "--data", dataDir(i).toString()));
    builder.environment().remove("FERRY_PEERS");
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile()));
    return builder.start();
  }

  private static void waitForExit(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
