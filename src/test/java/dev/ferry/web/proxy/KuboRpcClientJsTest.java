package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.NodeScript;
import dev.ferry.testing.TestCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives src/test/js/kubo-rpc.test.mjs (Node's test runner, the npm kubo-rpc-client 7.1.0)
 * against the IPFS proxy of a real node with no IPFS daemon: its embedded store answers the Kubo
 * RPC subset the client uses.
 */
@Timeout(180)
class KuboRpcClientJsTest {
  private static final long STORAGE_MAX = 50_000_000;

  @Test
  void kuboRpcClientWorksAgainstTheProxyOfANodeWithoutADaemon() throws Exception {
    try (var cluster = TestCluster.inJvm(1, i -> List.of("ipfs.storage_max=" + STORAGE_MAX))) {
      cluster.awaitFullMembership();
      var result = NodeScript.run("src/test/js/kubo-rpc.test.mjs", Map.of(
          "FERRY_PROXY", "http://127.0.0.1:" + cluster.peer(1).proxyPort().orElseThrow() + "/api/v0",
          "FERRY_PEER_ID", cluster.node(1).peerId().toString(),
          "FERRY_STORAGE_MAX", String.valueOf(STORAGE_MAX)), 120, line -> { });
      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains("pass 7").contains("fail 0");
    }
  }
}
