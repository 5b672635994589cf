package dev.ferry.mailbox;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code -Dbench.max_writes_per_flush=N}: the nodes' {@code tls.max_writes_per_flush} for a
 * benchmark run, the same in this JVM and in the processes it starts ({@link #jvmFlags} carries
 * it over); unset, the nodes keep conf/node.json's. 1 is Vert.x's own way (a flush per message),
 * so runs with 1 and without show what batching the bus's writes changes. Stateless.
 */
public final class BenchFlushes {
  static final String PROPERTY = "bench.max_writes_per_flush";

  private BenchFlushes() {}

  /** Settings shaped like node.json that set it, or none. */
  public static JsonObject settings() {
    String value = System.getProperty(PROPERTY);
    return value == null ? new JsonObject()
        : new JsonObject().put("tls", new JsonObject().put("max_writes_per_flush", Integer.parseInt(value)));
  }

  /** The JVM flag that gives a benchmark's child process this run's setting. */
  public static List<String> jvmFlags() {
    String value = System.getProperty(PROPERTY);
    return value == null ? List.of() : List.of("-D" + PROPERTY + "=" + value);
  }

  /** This run's setting, as the tables name it. */
  public static String describe() {
    return System.getProperty(PROPERTY, "conf/node.json's");
  }
}
