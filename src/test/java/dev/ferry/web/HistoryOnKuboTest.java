package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.KuboRpcConnector;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's history of a node that keeps its content in a daemon (a real js-ipfs, at
 * {@code ipfs.api}): its store is Kubo, with the daemon's used and maximum bytes, as the members
 * panel shows them.
 */
@Timeout(120)
class HistoryOnKuboTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aNodeOnADaemonSamplesTheDaemonsUsedAndMaximumSpace(@TempDir Path dir) {
    try (IpfsDaemon daemon = IpfsDaemon.start(dir.resolve("ipfs"));
        TestCluster.JvmCluster cluster = TestCluster.inJvm(1, i -> new JsonObject()
            .put("ipfs", new JsonObject().put("api", daemon.api().toString()))
            .put("dashboard", new JsonObject().put("sample_interval_ms", 200)), i -> Map.of())) {
      KuboRpcConnector ipfs = new KuboRpcConnector(cluster.node(1).vertx(), daemon.api());
      IpfsConnector.RepoStat stat = Futures.await(ipfs.repoStat(), WAIT);
      Eventually.await("node1's samples of its daemon's space", WAIT, () -> {
        JsonObject node = history(cluster).getJsonObject("nodes").getJsonObject("node1");
        return node != null && last(node, "store.max") != null && last(node, "store.used") != null;
      });
      JsonObject node = history(cluster).getJsonObject("nodes").getJsonObject("node1");
      assertThat(node.getJsonObject("store")).isEqualTo(new JsonObject().put("kind", "kubo")
          .put("api", daemon.api().toString()));
      assertThat(last(node, "store.max")).isEqualTo((double) stat.storageMax());
      assertThat(last(node, "store.used")).isPositive();
      Futures.await(ipfs.close(), WAIT);
    }
  }

  private static JsonObject history(TestCluster.JvmCluster cluster) {
    var answer = Http.get(cluster.apiPort(1), "/dashboard/history");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  /** The newest value of a series, null if it has none. */
  private static Double last(JsonObject node, String name) {
    JsonArray values = node.getJsonObject("series").getJsonArray(name);
    if (values == null || values.isEmpty() || values.getValue(values.size() - 1) == null) {
      return null;
    }
    return values.getDouble(values.size() - 1);
  }
}
