package dev.ferry.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.NodeConfig;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raft section of conf/node.json and the voters of peers.json. */
class RaftSettingsTest {

  @Test
  void theShippedDefaultsAreValid() {
    RaftSettings s = RaftSettings.from(ConfigLayers.defaults());
    assertThat(s.groups()).containsEntry("kv", "kv");
    assertThat(s.raftConfig().getLeaderHeartbeatTimeoutSecs()).isEqualTo(s.heartbeatTimeoutSecs());
    assertThat(s.clientTimeout(s.requestTimeout())).isGreaterThan(s.forwardTimeout(s.requestTimeout()).multipliedBy(2));
  }

  @Test
  void aBadValueNamesItsKey() {
    JsonObject config = ConfigLayers.defaults();
    config.getJsonObject("raft").put("snapshot_every", 0);
    assertThatThrownBy(() -> RaftSettings.from(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("raft.snapshot_every");
    JsonObject groups = ConfigLayers.defaults();
    groups.getJsonObject("raft").getJsonObject("groups").put("pins", new JsonObject().put("state_machine", "nope"));
    assertThatThrownBy(() -> RaftSettings.from(groups)).hasMessageContaining("raft.groups.pins.state_machine")
        .hasMessageContaining("known: kv, pinset");
    JsonObject dotted = ConfigLayers.defaults();
    dotted.getJsonObject("raft").getJsonObject("groups").put("a.b", new JsonObject().put("state_machine", "kv"));
    assertThatThrownBy(() -> RaftSettings.from(dotted)).hasMessageContaining("raft.groups.a.b");
  }

  @Test
  void votersAreThePeersNotMarkedVoterFalse(@TempDir Path dir) throws Exception {
    Path peers = dir.resolve("peers.json");
    Peers.of(List.of(peer(1, "a").build(), peer(2, "b").extra("voter", BooleanNode.FALSE).build(),
        peer(3, "c").extra("voter", BooleanNode.TRUE).build())).dump(peers);
    assertThat(RaftSettings.voters(config(dir, peers, "a"))).containsExactly("a", "c");

    Peers.of(List.of(peer(1, "a").extra("voter", new TextNode("yes")).build())).dump(peers);
    assertThatThrownBy(() -> RaftSettings.voters(config(dir, peers, "a"))).hasMessageContaining("\"voter\"");
  }

  @Test
  void withoutPeersTheNodeIsTheOnlyVoter(@TempDir Path dir) {
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(),
        new JsonObject().put("name", "solo"), "solo", dir, dir));
    assertThat(RaftSettings.voters(config)).containsExactly("solo");
  }

  private static Peer.Builder peer(int pid, String name) {
    return Peer.builder().pid(pid).name(name).hostname("localhost").ipAddress("127.0.0.1").port(9000 + pid);
  }

  private static NodeConfig config(Path dir, Path peers, String name) {
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(),
        new JsonObject().put("name", name).put("peers", peers.toString()), "localhost", dir, dir));
  }
}
