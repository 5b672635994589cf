package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.Addresses;
import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeKey;
import dev.ferry.peers.PeerId;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node's peer ID across restarts, and the peer IDs of nodes that are down. */
@Timeout(120)
class PeerIdentityTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void theNodeKeepsItsPeerIdAcrossRestartsAndOthersKeepItWhileItIsDown() throws IOException {
    try (var cluster = TestCluster.inJvm(2).awaitFullMembership()) {
      PeerId two = cluster.node(2).peerId();
      Path key = cluster.dataDir(2).resolve(NodeKey.FILE);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
      assertThat(two).isEqualTo(NodeKey.loadOrCreate(cluster.dataDir(2)).peerId());
      assertThat(idOf(cluster, 2)).isEqualTo(two.toString());
      assertThat(cluster.node(1).peerIds().peerId("node2")).contains(two);
      Path met = cluster.dataDir(1).resolve(KnownPeerIds.FILE);
      Eventually.await("node1 to keep node2's peer ID in " + met, WAIT,
          () -> holds(met, two.toString()));

      // a member that does not answer is listed by its peer ID (which it told when it joined), with the error
      Firewall firewall = new Firewall(cluster);
      firewall.dropMessagesTo(1, address -> address.startsWith(Addresses.nodePrefix("node2")));
      JsonObject silent = Http.get(cluster.apiPort(1), "/peers").body().lines().map(JsonObject::new)
          .filter(l -> "node2".equals(l.getString("peername"))).findFirst().orElseThrow();
      assertThat(silent.getString("id")).isEqualTo(two.toString());
      assertThat(silent.getString("error")).isNotBlank();
      assertThat(silent.getJsonObject("ipfs").getString("error")).contains("node node2 did not say");
      firewall.heal();

      cluster.stop(2);
      assertThat(cluster.node(1).peerIds().resolve(two.toString())).contains("node2");
      cluster.stop(1);
      cluster.restart(1);
      assertThat(cluster.node(1).members().isUp("node2")).isFalse();
      assertThat(cluster.node(1).peerIds().peerId("node2")).as("node2, down, known after node1's restart")
          .contains(two);

      cluster.restart(2);
      cluster.awaitFullMembership();
      assertThat(cluster.node(2).peerId()).isEqualTo(two);
      assertThat(idOf(cluster, 2)).isEqualTo(two.toString());

      // a key others can read stops the start, saying what to do
      cluster.stop(2);
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
      assertThatThrownBy(() -> cluster.restart(2)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("chmod 600 " + key);
    }
  }

  private static boolean holds(Path file, String text) {
    try {
      return Files.readString(file).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private static String idOf(TestCluster cluster, int i) {
    return new JsonObject(Http.get(cluster.apiPort(i), "/id").body()).getString("id");
  }
}
