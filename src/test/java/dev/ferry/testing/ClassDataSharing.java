package dev.ferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An AppCDS archive of the fat jar's classes for the processes the tests start ({@link
 * ProcessCluster#command}): a process started with it maps the classes a node loads from the
 * archive instead of reading, parsing and verifying them from the jar. Three nodes starting
 * together on two cores were up in 7-8 s with it against 15 s without (measured on this machine).
 *
 * <p>The archive is made once for a jar, by one training node started from the jar with
 * {@code -XX:ArchiveClassesAtExit}, alone on loopback in a scratch home, stopped with SIGTERM
 * once it is up (the JVM writes the archive as it exits), and kept in {@code target/cds/} with
 * the jar's path, size and time, so later test runs on the same jar reuse it. If it cannot be
 * made, processes start without it (a line on standard error says why); a JVM that finds the
 * archive unusable starts without it as well, silently ({@code -Xlog:cds*=off}: its warning
 * would land in the output tests read). {@code -Dferry.cds=false} turns it off.
 *
 * <p>Thread-safe: the archive is made under this class's lock, once per JVM at most.
 */
final class ClassDataSharing {
  private static final Path DIR = Path.of("target", "cds");
  private static final Duration TRAINING = Duration.ofSeconds(120);
  private static List<String> flags;

  private ClassDataSharing() {}

  /** The JVM flags that use the archive of {@code jar}, made now if there is none yet; empty without one. */
  static synchronized List<String> flags(Path jar) {
    if (flags == null) {
      flags = Boolean.parseBoolean(System.getProperty("ferry.cds", "true")) ? archiveFor(jar) : List.of();
    }
    return flags;
  }

  private static List<String> archiveFor(Path jar) {
    Path archive = DIR.resolve("ferry.jsa").toAbsolutePath();
    Path stampFile = DIR.resolve("ferry.jsa.jar");
    try {
      String stamp = jar.toAbsolutePath() + " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
      if (!(Files.isRegularFile(archive) && Files.isRegularFile(stampFile)
          && Files.readString(stampFile, StandardCharsets.UTF_8).equals(stamp))) {
        Files.createDirectories(DIR);
        Files.deleteIfExists(stampFile);
        Files.deleteIfExists(archive);
        train(jar, archive);
        Files.writeString(stampFile, stamp, StandardCharsets.UTF_8);
      }
      return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off");
    } catch (IOException | RuntimeException | AssertionError e) {
      System.err.println("ClassDataSharing: no class data archive of " + jar + " (" + e.getMessage()
          + "); node processes start without one");
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** Starts a node from {@code jar} that writes {@code archive} as it exits, waits until it is up, stops it. */
  private static void train(Path jar, Path archive) throws IOException, InterruptedException {
    Path home = Files.createTempDirectory("ferry-cds-");
    Path log = DIR.resolve("training.log");
    List<Integer> ports = Ports.free(4);
    List<String> command = new ArrayList<>(ProcessCluster.jvm());
    command.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-jar", jar.toAbsolutePath().toString(),
        "node", "--name", "cds", "--set", "api.port=" + ports.get(0), "--set", "proxy.port=" + ports.get(1),
        "--set", "cluster.port=" + ports.get(2), "--set", "cluster.membership_port=" + ports.get(3)));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    builder.environment().put("HOME", home.toString());
    builder.environment().remove("FERRY_PEERS");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process node = builder.start();
    try {
      Eventually.await("the training node of the class data archive to be up or gone (" + log + ")", TRAINING,
          () -> !node.isAlive() || logText(log).contains("node cds up"));
      if (!node.isAlive()) {
        throw new IllegalStateException("the training node exited with " + node.exitValue() + ", see " + log);
      }
      node.destroy();
      if (!node.waitFor(TRAINING.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("the training node did not exit within " + TRAINING.toSeconds() + " s");
      }
      if (!Files.isRegularFile(archive)) {
        throw new IllegalStateException("the training node exited without writing " + archive + ", see " + log);
      }
    } finally {
      node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      TestCluster.deleteRecursively(home);
    }
  }

  private static String logText(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
