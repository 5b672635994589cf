package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeKey;
import dev.ferry.peers.PeerId;
import dev.ferry.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Name ↔ peer ID: peers.json's peer_id, what earlier runs met, what members tell. */
class KnownPeerIdsTest {
  private static final PeerId SELF = NodeKey.generate().peerId();
  private static final PeerId BRAVO = NodeKey.generate().peerId();
  private static final PeerId CHARLIE = NodeKey.generate().peerId();

  @TempDir Path dir;

  private NodeConfig alpha() throws IOException {
    Files.writeString(dir.resolve("peers.json"), """
        {"replicas": [
          {"pid": 1, "name": "alpha", "ip_address": "127.0.0.1", "port": 7001},
          {"pid": 2, "name": "bravo", "ip_address": "127.0.0.1", "port": 7002, "peer_id": "%s"},
          {"pid": 3, "name": "charlie", "ip_address": "127.0.0.1", "port": 7003}
        ]}""".formatted(BRAVO));
    JsonObject flags = new JsonObject().put("name", "alpha").put("peers", dir.resolve("peers.json").toString())
        .put("data_dir", dir.resolve("data").toString());
    Files.createDirectories(dir.resolve("data"));
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  @Test
  void peersJsonsPeerIdsAndItsOwnAreKnownAtOnceAndNamesOrPeerIdsResolve() throws IOException {
    KnownPeerIds known = KnownPeerIds.load(alpha(), SELF);
    assertThat(known.all()).isEqualTo(Map.of("alpha", SELF, "bravo", BRAVO));
    assertThat(known.name(BRAVO)).contains("bravo");
    assertThat(known.resolve("bravo")).contains("bravo");
    assertThat(known.resolve(BRAVO.toString())).contains("bravo");
    assertThat(known.resolve(SELF.toString())).contains("alpha");
    // listed in peers.json but never met: known by name only
    assertThat(known.resolve("charlie")).contains("charlie");
    assertThat(known.peerId("charlie")).isEmpty();
    assertThat(known.resolve(CHARLIE.toString())).isEmpty();
    assertThat(known.resolve("nobody")).isEmpty();
  }

  @Test
  void whatMembersTellIsKeptInTheDataDirForTheNextRun() throws IOException {
    Vertx vertx = Vertx.vertx();
    try {
      KnownPeerIds known = KnownPeerIds.load(alpha(), SELF);
      known.persistWith(vertx);
      known.learn("charlie", CHARLIE);
      assertThat(known.resolve(CHARLIE.toString())).contains("charlie");
      Path file = dir.resolve("data").resolve(KnownPeerIds.FILE);
      Eventually.await("charlie's peer ID in " + file, Duration.ofSeconds(10),
          () -> readable(file).contains(CHARLIE.toString()));
      assertThat(KnownPeerIds.load(alpha(), SELF).peerId("charlie")).contains(CHARLIE);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aMemberThatSaysAnotherPeerIdThanPeersJsonWins() throws IOException {
    KnownPeerIds known = KnownPeerIds.load(alpha(), SELF);
    PeerId replaced = NodeKey.generate().peerId();
    known.learn("bravo", replaced);
    assertThat(known.peerId("bravo")).contains(replaced);
    assertThat(known.name(BRAVO)).isEmpty();
  }

  @Test
  void anUnreadableFileOfEarlierRunsIsIgnored() throws IOException {
    NodeConfig config = alpha();
    Files.writeString(config.dataDir().resolve(KnownPeerIds.FILE), "{not json");
    assertThat(KnownPeerIds.load(config, SELF).all()).isEqualTo(Map.of("alpha", SELF, "bravo", BRAVO));
    Files.writeString(config.dataDir().resolve(KnownPeerIds.FILE),
        new JsonObject().put("charlie", CHARLIE.toString()).put("delta", "garbage").encode());
    assertThat(KnownPeerIds.load(config, SELF).all()).containsEntry("charlie", CHARLIE).doesNotContainKey("delta");
  }

  private static String readable(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
