package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Futures;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.NodeScript;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives src/test/js/ipfs-cluster.test.mjs (Node's test runner with the real npm client
 * {@code @nftstorage/ipfs-cluster} 5.0.1, unmodified) against two clustered nodes, each on its own
 * real js-ipfs daemon: every method of the client works against ferry as against IPFS Cluster. On
 * the same nodes, src/test/js/kubo-rpc.test.mjs (npm {@code kubo-rpc-client} 7.1.0) through node1's
 * IPFS proxy, with its js-ipfs daemon behind it.
 */
@Timeout(300)
class IpfsClusterClientTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void everyMethodOfTheNpmClientWorks() throws Exception {
    try (IpfsCluster nodes = IpfsCluster.start(dir, 2, i -> new JsonObject())) {
      Cid exported = nodes.content(1, "exported as a CAR for addCAR");
      Path car = Files.write(dir.resolve("content.car"), nodes.daemon(1).exportCar(exported.toString()));
      Cid held = nodes.content(1, "held by node1's daemon, pinned by the client");

      var result = NodeScript.run("src/test/js/ipfs-cluster.test.mjs", Map.of(
          "FERRY_API_1", "http://127.0.0.1:" + nodes.nodes().apiPort(1) + "/",
          "FERRY_API_2", "http://127.0.0.1:" + nodes.nodes().apiPort(2) + "/",
          "FERRY_PEER_1", nodes.nodes().node(1).peerId().toString(),
          "FERRY_PEER_2", nodes.nodes().node(2).peerId().toString(),
          "FERRY_DAEMON_1", Futures.await(nodes.ipfs(1).id(), WAIT).id(),
          "FERRY_CAR", car.toString(),
          "FERRY_CAR_ROOT", exported.toString(),
          "FERRY_HELD", held.toString()), 240, line -> { });

      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains("pass 9").contains("fail 0");

      // kubo-rpc-client through node1's IPFS proxy, with node1's js-ipfs daemon behind it
      var kubo = NodeScript.run("src/test/js/kubo-rpc.test.mjs", Map.of(
          "FERRY_PROXY", "http://127.0.0.1:" + nodes.nodes().peer(1).proxyPort().orElseThrow() + "/api/v0",
          "FERRY_PEER_ID", Futures.await(nodes.ipfs(1).id(), WAIT).id(),
          "FERRY_DAEMON", "js-ipfs"), 120, line -> { });
      assertThat(kubo.exitCode()).as(kubo.output()).isZero();
      assertThat(kubo.output()).contains("pass 7").contains("fail 0");
    }
  }
}
