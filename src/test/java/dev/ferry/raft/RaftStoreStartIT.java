package dev.ferry.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fat jar with a Raft store it cannot start from: it exits non-zero, says which file, and keeps it. */
@Timeout(180)
class RaftStoreStartIT {
  @Test
  void aNodeWhoseStoreCannotStartExitsNonZeroNamingTheFileAndKeepsIt(@TempDir Path home)
      throws IOException, InterruptedException {
    Path data = home.resolve("data");
    Path store = data.resolve("raft").resolve("kv.db");
    Files.createDirectories(store.getParent());
    byte[] corrupt = "not an SQLite database, but it may be someone's only copy".repeat(100)
        .getBytes(StandardCharsets.UTF_8);
    Files.write(store, corrupt);
    List<Integer> ports = Ports.free(4);
    var builder = new ProcessBuilder(ProcessCluster.command("--name", "solo", "--data", data.toString(),
        "--set", "api.port=" + ports.get(0), "--set", "proxy.port=" + ports.get(1),
        "--set", "cluster.port=" + ports.get(2), "--set", "cluster.membership_port=" + ports.get(3)));
    builder.directory(home.toFile());
    builder.environment().put("HOME", home.toString());
    builder.environment().remove("FERRY_PEERS");
    Path log = home.resolve("solo.log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    try {
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the node exits (no process left without ports): "
          + Files.readString(log)).isTrue();
      String output = Files.readString(log);
      assertThat(process.exitValue()).as(output).isNotZero();
      assertThat(output).contains("raft group kv", store.toString());
      assertThat(Files.readAllBytes(store)).as("the store is kept as it was").isEqualTo(corrupt);
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
