package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Version;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with no IPFS daemon ({@code ipfs.api} unset, the default) keeps content in its embedded
 * store: the README's quick start ({@code ferry ctl add FILE} pins it), and the IPFS proxy
 * answering from the store, refusing what needs a Kubo daemon in Kubo's error shape.
 */
@Timeout(120)
class StoreProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.inJvm(1);
    cluster.awaitFullMembership();
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void ctlAddPinsAFileWithNothingElseInstalled(@TempDir Path dir) throws IOException {
    Path report = Files.writeString(dir.resolve("report.txt"), "quarterly numbers " + System.nanoTime());

    CommandRun added = ctl("add", report.toString());

    assertThat(added.code()).as(added.err()).isZero();
    String cid = added.out().split(" ")[1];   // "added <cid> <name>", as ipfs-cluster-ctl prints it
    assertThat(added.out()).isEqualTo("added " + cid + " report.txt\n");
    Eventually.await("the node to pin " + cid + " in its embedded store", WAIT,
        () -> ctl("status", cid).out().contains(" : PINNED | "));
    assertThat(new JsonObject(proxy("/api/v0/pin/ls").body()).getJsonObject("Keys").containsKey(cid)).isTrue();
  }

  @Test
  void theProxyDescribesTheStoreAndRefusesWhatNeedsAKuboDaemon() {
    JsonObject id = new JsonObject(proxy("/api/v0/id").body());
    assertThat(id.getString("ID")).isEqualTo(cluster.node(1).peerId().toString());
    assertThat(id.getString("AgentVersion")).isEqualTo("ferry-embedded/" + Version.current());

    RawHttp.Answer refused = proxy("/api/v0/swarm/peers");
    assertThat(refused.status()).isEqualTo(501);
    JsonObject error = new JsonObject(refused.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getString("Message")).contains("/api/v0/swarm/peers needs a Kubo daemon").contains("ipfs.api");
  }

  private static RawHttp.Answer proxy(String path) {
    return RawHttp.send(cluster.peer(1).proxyPort().orElseThrow(), "POST", path);
  }

  private static CommandRun ctl(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "ctl";
    all[1] = "--host";
    all[2] = "http://127.0.0.1:" + cluster.apiPort(1);
    System.arraycopy(args, 0, all, 3, args.length);
    return CommandRun.of(all);
  }
}
