package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.PeerIds;
import dev.ferry.peers.PeerId;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinReply;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * IPFS Cluster's {@code GlobalPinInfo} as {@link PinJson} writes it, byte for byte: the lines of a
 * streamed {@code GET /pins} are written straight from the records, so they are compared here with
 * the shape written out in full.
 */
class PinJsonTest {
  private static final PeerId NODE1 = PeerId.ofEd25519(key(1));
  private static final PeerId NODE2 = PeerId.ofEd25519(key(2));
  private static final String CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
  private static final String CID2 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

  /** node1 and node2 have peer IDs; node3 is not known, so it is written by name. */
  private final PinJson json = new PinJson(new PeerIds() {
    @Override
    public Optional<PeerId> peerId(String name) {
      return switch (name) {
        case "node1" -> Optional.of(NODE1);
        case "node2" -> Optional.of(NODE2);
        default -> Optional.empty();
      };
    }

    @Override
    public Optional<String> name(PeerId peerId) {
      return Optional.empty();
    }

    @Override
    public Optional<String> resolve(String nameOrPeerId) {
      return Optional.empty();
    }

    @Override
    public Map<String, PeerId> all() {
      return Map.of();
    }
  });

  @Test
  void eachStatusIsOneLineInIpfsClustersShapeAndOrder() {
    Map<String, PinReply.NodeStatus> peers = new LinkedHashMap<>();
    peers.put("node2", new PinReply.NodeStatus("pinned", "", "2026-12-03T08:00:00Z", 1));
    peers.put("node3", new PinReply.NodeStatus("pin_error", "daemon \"x\" down\n", null, 3));
    Pin plain = new Pin(CID, "", 2, 2, List.of("node2", "node3"), "node1", "2026-12-03T07:59:59Z", 7);
    Pin.Extras extras = new Pin.Extras(Pin.Extras.RECURSIVE, List.of(), "", Map.of("z", "last", "a", "first ü"),
        List.of("/ip4/1.2.3.4/tcp/4001"), "");
    Pin full = new Pin(CID2, "a name", 1, 1, List.of("node1"), "node1", "2026-12-03T07:59:58Z", 8, extras);

    String lines = json.globalPinInfoLines(List.of(new PinReply.Status(plain, peers),
        new PinReply.Status(full, Map.of("node1", new PinReply.NodeStatus("pinning", "", "2026-12-03T08:00:01Z", 0)))),
        Map.of("node2", "12D3KooDaemon2", "node1", "")).toString();

    assertThat(lines).isEqualTo("{\"cid\":\"" + CID + "\",\"name\":\"\",\"allocations\":[\"" + NODE2 + "\",\"node3\"],"
        + "\"origins\":null,\"created\":\"2026-12-03T07:59:59Z\",\"metadata\":null,\"peer_map\":{"
        + "\"" + NODE2 + "\":{\"peername\":\"node2\",\"ipfs_peer_id\":\"12D3KooDaemon2\",\"status\":\"pinned\","
        + "\"timestamp\":\"2026-12-03T08:00:00Z\",\"error\":\"\",\"attempt_count\":1,\"priority_pin\":false},"
        + "\"node3\":{\"peername\":\"node3\",\"status\":\"pin_error\",\"timestamp\":null,"
        + "\"error\":\"daemon \\\"x\\\" down\\n\",\"attempt_count\":3,\"priority_pin\":false}}}\n"
        + "{\"cid\":\"" + CID2 + "\",\"name\":\"a name\",\"allocations\":[\"" + NODE1 + "\"],"
        + "\"origins\":[\"/ip4/1.2.3.4/tcp/4001\"],\"created\":\"2026-12-03T07:59:58Z\","
        + "\"metadata\":{\"a\":\"first ü\",\"z\":\"last\"},\"peer_map\":{\"" + NODE1 + "\":{\"peername\":\"node1\","
        + "\"status\":\"pinning\",\"timestamp\":\"2026-12-03T08:00:01Z\",\"error\":\"\",\"attempt_count\":0,"
        + "\"priority_pin\":false}}}\n");
  }

  @Test
  void oneStatusIsTheSameObjectAsItsLineInAListing() {
    Pin pin = new Pin(CID, "n", 2, 2, List.of("node1", "node2"), "node1", "2026-12-03T07:59:59Z", 7);
    PinReply.Status status = new PinReply.Status(pin, Map.of("node1",
        new PinReply.NodeStatus("pinned", "", "2026-12-03T08:00:00Z", 1)));
    Map<String, String> daemons = Map.of("node1", "12D3KooDaemon1");

    String one = json.globalPinInfo(status.toJson(), daemons).toString();

    assertThat(one + "\n").isEqualTo(json.globalPinInfoLines(List.of(status), daemons).toString());
    assertThat(new JsonObject(one).getJsonObject("peer_map").getJsonObject(NODE1.toString()).getString("ipfs_peer_id"))
        .isEqualTo("12D3KooDaemon1");
  }

  @Test
  void aCidThePinsetDoesNotHoldIsUnpinnedOnEveryNodeWithGosZeroTime() {
    String unpinned = json.globalPinInfo(json.unpinned(CID, List.of("node1", "node3"), "2026-12-03T08:00:00Z"), Map.of())
        .toString();

    assertThat(unpinned).isEqualTo("{\"cid\":\"" + CID + "\",\"name\":\"\",\"allocations\":[],\"origins\":null,"
        + "\"created\":\"" + PinJson.NO_TIME + "\",\"metadata\":null,\"peer_map\":{"
        + "\"" + NODE1 + "\":{\"peername\":\"node1\",\"status\":\"unpinned\",\"timestamp\":\"2026-12-03T08:00:00Z\","
        + "\"error\":\"\",\"attempt_count\":0,\"priority_pin\":false},"
        + "\"node3\":{\"peername\":\"node3\",\"status\":\"unpinned\",\"timestamp\":\"2026-12-03T08:00:00Z\","
        + "\"error\":\"\",\"attempt_count\":0,\"priority_pin\":false}}}");
  }

  private static byte[] key(int seed) {
    byte[] key = new byte[PeerId.ED25519_KEY_BYTES];
    Arrays.fill(key, (byte) seed);
    return key;
  }
}
