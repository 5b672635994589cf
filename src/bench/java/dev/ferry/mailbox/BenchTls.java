package dev.ferry.mailbox;

import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The nodes' TLS settings for the benchmarks' TLS passes: the files of {@code ferry certs init}
 * in a directory and the engine of {@code -Dbench.tls.engine} ({@code auto}, {@code openssl} or
 * {@code jdk}; {@code tls.engine}), the same in this JVM and in the processes it starts
 * ({@link #jvmFlags} carries the property over). Stateless.
 */
public final class BenchTls {
  static final String ENGINE_PROPERTY = "bench.tls.engine";

  private BenchTls() {}

  /** {@link TestCluster#tls} with this run's engine. */
  public static JsonObject settings(Path certs) {
    JsonObject settings = TestCluster.tls(certs);
    settings.getJsonObject("tls").put("engine", engine());
    return settings;
  }

  /** The JVM flag that gives a benchmark's child process this run's engine. */
  public static List<String> jvmFlags() {
    return List.of("-D" + ENGINE_PROPERTY + "=" + engine());
  }

  /** This run's engine, as the tables name it. */
  public static String engine() {
    return System.getProperty(ENGINE_PROPERTY, "auto");
  }
}
