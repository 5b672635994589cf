package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health/graph}'s graph from ID objects of every kind a peer can answer: an embedded
 * store, a Kubo daemon, a daemon that failed, a peer that is down, and one that answered with an
 * error; as IPFS Cluster's {@code ConnectGraph} records each.
 */
class ConnectGraphTest {
  @Test
  void eachPeerAndDaemonIsRecordedAsIpfsClusterRecordsIt() {
    JsonObject graph = ConnectGraph.of("A", List.of(
        new ConnectGraph.Peer("A", id("A", "a", List.of("A", "B", "C", "E"), new JsonObject().put("id", "A")), List.of()),
        new ConnectGraph.Peer("E", id("E", "e", List.of("A", "E"), new JsonObject().put("id", "E")), List.of()),
        new ConnectGraph.Peer("B", id("B", "b", List.of("A", "B"), new JsonObject().put("id", "QmKubo")
            .put("addresses", new JsonArray()).put("error", "")), List.of("QmOther", "QmFar")),
        new ConnectGraph.Peer("C", id("C", "c", List.of("C"), new JsonObject().put("addresses", new JsonArray())
            .put("error", "connection refused")), List.of("QmOther")),
        new ConnectGraph.Peer("D", null, null),
        new ConnectGraph.Peer("F", new JsonObject().put("id", "F").put("error", "timed out"), List.of())));

    assertThat(graph.getString("cluster_id")).isEqualTo("A");
    assertThat(graph.getJsonObject("cluster_links")).isEqualTo(new JsonObject().put("A", List.of("B", "C", "E"))
        .put("E", List.of("A")).put("B", List.of("A")).put("C", List.of()).put("D", List.of()).put("F", List.of()));
    assertThat(graph.getJsonObject("id_to_peername")).isEqualTo(new JsonObject().put("A", "a").put("E", "e")
        .put("B", "b").put("C", "c"));
    assertThat(graph.getJsonObject("cluster_trust_links").fieldNames()).containsExactly("A", "E", "B", "C", "D", "F");
    assertThat(graph.getJsonObject("cluster_to_ipfs")).isEqualTo(new JsonObject().put("A", "A").put("E", "E")
        .put("B", "QmKubo"));
    // embedded stores link to each other; a Kubo daemon to its swarm peers, whoever they are
    assertThat(graph.getJsonObject("ipfs_links")).isEqualTo(new JsonObject().put("A", List.of("E"))
        .put("E", List.of("A")).put("QmKubo", List.of("QmOther", "QmFar")));
  }

  private static JsonObject id(String id, String name, List<String> sees, JsonObject ipfs) {
    return new JsonObject().put("id", id).put("peername", name).put("cluster_peers", new JsonArray(sees))
        .put("error", "").put("ipfs", ipfs);
  }
}
