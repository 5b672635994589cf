package dev.ferry.peers;

import static dev.ferry.peers.Fixtures.withBravo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** peers.json's optional {@code peer_id}: read, checked, kept on dump. */
class PeersPeerIdTest {
  private static final String ID = "12D3KooWCT1x98QjeqtmcJAaAhwCmo8Xcj1YEAVZfKBQx81VW9DC";
  private static final String OTHER = "12D3KooWSLq5mUQJnmJJr1iU9WUEfzYWHCdtTXBUTWz2ytpUawYQ";

  @Test
  void aPeerIdIsReadAndWrittenBack() throws PeersException {
    Peers peers = Peers.parse(withBravo("peer_id", "\"" + ID + "\""), "peers.json");
    assertThat(peers.get("bravo").orElseThrow().peerId()).contains(PeerId.parse(ID));
    assertThat(peers.get("alpha").orElseThrow().peerId()).isEmpty();
    assertThat(peers.get("bravo").orElseThrow().extra()).doesNotContainKey("peer_id");
    assertThat(peers.get("bravo").orElseThrow().toJson().get("peer_id").textValue()).isEqualTo(ID);
    assertThat(peers.get("alpha").orElseThrow().toJson().has("peer_id")).isFalse();
    assertThat(Peers.parse(peers.toJson().toString(), "dumped").replicas()).isEqualTo(peers.replicas());
  }

  @Test
  void aPeerIdThatIsNoneIsRefusedSayingWhereToFindTheRealOne() {
    assertThatThrownBy(() -> Peers.parse(withBravo("peer_id", "\"bravo\""), "peers.json"))
        .isInstanceOf(PeersException.class)
        .hasMessageStartingWith("peers.json: replicas[1].peer_id: not a libp2p peer ID: 'bravo': ")
        .hasMessageEndingWith("(copy it from the node's GET /id, or leave it out)");
    assertThatThrownBy(() -> Peers.parse(withBravo("peer_id", "7"), "peers.json"))
        .hasMessage("peers.json: replicas[1].peer_id: expected a string, got 7");
  }

  @Test
  void twoNodesCannotShareAPeerId() {
    String json = """
        {"replicas": [
          {"pid": 1, "name": "alpha", "hostname": "apollo", "port": 9096, "peer_id": "%s"},
          {"pid": 2, "name": "bravo", "hostname": "artemis", "port": 9196, "peer_id": "%s"},
          {"pid": 3, "name": "charlie", "hostname": "zeus", "port": 9296, "peer_id": "%s"}
        ]}""".formatted(ID, OTHER, ID);
    assertThatThrownBy(() -> Peers.parse(json, "peers.json"))
        .hasMessage("peers.json: replicas[2].peer_id: duplicate peer_id " + ID + " (also replicas[0])");
  }

  @Test
  void theBuilderSetsIt() {
    Peer peer = Peer.builder().pid(1).name("a").hostname("h").port(1).peerId(PeerId.parse(ID)).build();
    assertThat(peer.peerId()).contains(PeerId.parse(ID));
  }
}
