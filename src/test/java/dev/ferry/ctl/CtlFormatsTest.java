package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/**
 * The parts of ctl that need no cluster, against ipfs-cluster-ctl 1.1's behaviour: the answers of
 * routes ferry does not serve yet (metrics, alerts, bandwidth, repo gc, the connectivity graph) in
 * IPFS Cluster's documented JSON shapes, go-humanize's wording, Go durations, {@code --host}.
 */
class CtlFormatsTest {
  private static final String P1 = "QmUBuxVHoNNjfmNpTad36UeaFQv3gXAtCv9r6KhmeqhEhD";
  private static final String P2 = "QmV35LjbEGPfN7KfMAJp43VV2enwXqqQf5esx4vUcgHDQJ";
  private static final String P3 = "QmZ2ckU7G35MYyJgMTwMUnicsGqSy3YUxGBX7qny6MQmJu";
  private static final String I1 = "QmXbiVZd93SLiu9TAm21F2y9JwGiFLydbEVkPBaMR3DZDV";
  private static final String I2 = "QmPFKAGZbUjdzt8BBx8VTWCe9UeUQVcoqHFehSPzN5LSsq";
  private static final String I3 = "QmbU7273zH6jxwDe2nqRmEm2rp5PpqP2xeQr2xCmwbBsuL";

  @Test
  void graphIsTheDotFileIpfsClusterCtlWrites() {
    JsonObject graph = new JsonObject().put("cluster_id", P1)
        .put("cluster_links", new JsonObject().put(P1, new JsonArray().add(P2).add(P3))
            .put(P2, new JsonArray().add(P1).add(P3)).put(P3, new JsonArray().add(P1).add(P2)))
        .put("ipfs_links", new JsonObject().put(I1, new JsonArray().add(I2).add(I3))
            .put(I2, new JsonArray().add(I1).add(I3)).put(I3, new JsonArray().add(I1).add(I2)))
        .put("cluster_to_ipfs", new JsonObject().put(P1, I1).put(P2, I2).put(P3, I3));

    String dot = Dot.of(graph, false);

    // ipfs-cluster-ctl's graph_test.go expects this for the same graph
    String box = "style=\"filled\" colorscheme=\"x11\" fontcolor=\"black\" fontname=\"Arial\" shape=\"box3d\" ";
    String cylinder = "style=\"filled\" colorscheme=\"x11\" fontcolor=\"black\" fontname=\"Arial\" shape=\"cylinder\" ";
    assertThat(dot).isEqualTo(String.join("\n",
        "digraph cluster {",
        "/* The nodes of the connectivity graph */",
        "/* The cluster-service peers */",
        "subgraph  {",
        "rank=\"min\"",
        "C0 [label=< <B>  </B> <BR/> <B> Qm*eqhEhD </B> > group=\"" + P1 + "\" color=\"orange\" " + box
            + "peripheries=\"2\" ]",
        "C1 [label=< <B>  </B> <BR/> <B> Qm*cgHDQJ </B> > group=\"" + P2 + "\" color=\"darkorange3\" " + box + "]",
        "C2 [label=< <B>  </B> <BR/> <B> Qm*6MQmJu </B> > group=\"" + P3 + "\" color=\"darkorange3\" " + box + "]",
        "}",
        "",
        "/* The ipfs peers */",
        "subgraph  {",
        "rank=\"max\"",
        "I0 [label=< <B> IPFS </B> <BR/> <B> Qm*N5LSsq </B> > group=\"" + I2 + "\" color=\"turquoise3\" " + cylinder
            + "]",
        "I1 [label=< <B> IPFS </B> <BR/> <B> Qm*R3DZDV </B> > group=\"" + I1 + "\" color=\"turquoise3\" " + cylinder
            + "]",
        "I2 [label=< <B> IPFS </B> <BR/> <B> Qm*wbBsuL </B> > group=\"" + I3 + "\" color=\"turquoise3\" " + cylinder
            + "]",
        "}",
        "",
        "/* Edges representing active connections in the cluster */",
        "/* The connections among cluster-service peers */",
        "C0 -> C1", "C0 -> C2", "C1 -> C0", "C1 -> C2", "C2 -> C0", "C2 -> C1",
        "",
        "/* The connections between cluster peers and their ipfs daemons */",
        "C0 -> I1", "C1 -> I0", "C2 -> I2",
        "",
        "/* The swarm peer connections among ipfs daemons in the cluster */",
        "I0 -> I1", "I0 -> I2", "I1 -> I0", "I1 -> I2", "I2 -> I1", "I2 -> I0",
        "}"));
  }

  @Test
  void aPeerWithoutADaemonGetsAnErroredNodeAndADottedEdge() {
    JsonObject graph = new JsonObject().put("cluster_id", P1).put("id_to_peername", new JsonObject().put(P1, "alpha"))
        .put("cluster_links", new JsonObject().put(P1, new JsonArray()));

    assertThat(Dot.of(graph, false)).contains("C0 [label=< <B> alpha </B> <BR/> <B> Qm*eqhEhD </B> >",
        "I0 [label=< <B> IPFS </B> <BR/> <B> Errored </B> > group=\"" + P1 + "\" color=\"firebrick1\"",
        "C0 -> I0 [ style=\"dotted\" ]\n");
  }

  @Test
  void metricsAlertsBandwidthAndRepoGcInIpfsClusterShapes() {
    Instant now = Instant.parse("2026-12-02T12:00:00Z");
    long in30s = now.plusSeconds(30).toEpochMilli() * 1_000_000;
    JsonObject freespace = new JsonObject().put("name", "freespace").put("peer", P1).put("value", "82854982")
        .put("expire", in30s).put("valid", true).put("weight", 82854982);
    assertThat(Formats.metric(freespace, now)).isEqualTo(P1 + " | freespace: 83 MB | Expires in: 30 seconds from now\n");
    JsonObject ping = new JsonObject().put("name", "ping").put("peer", P2).put("value", "").put("expire", in30s);
    assertThat(Formats.metric(ping, now)).isEqualTo(P2 + " | ping:  | Expires in: 30 seconds from now\n");

    JsonObject alert = new JsonObject().put("name", "ping").put("peer", P2)
        .put("expire", now.minusSeconds(90).toEpochMilli() * 1_000_000).put("triggered_at", "2026-12-02T11:59:00Z");
    assertThat(Formats.alert(alert, now)).isEqualTo(P2 + ": ping. Expired at: 1 minute ago. Triggered at: 1 minute ago\n");

    JsonObject bandwidth = new JsonObject()
        .put("/ipfs/ping/1.0.0", new JsonObject().put("total_in", 1500).put("total_out", 9).put("rate_in", 1.5)
            .put("rate_out", 0))
        .put("/cluster/1.0", new JsonObject().put("total_in", 2_500_000).put("total_out", 12_000).put("rate_in", 0)
            .put("rate_out", 3.25));
    assertThat(Formats.bandwidth(bandwidth)).isEqualTo(
        String.format("%25s: In: %7s. Out: %7s. RateIn: %.2fB/s. RateOut: %.2fB/s\n", "/cluster/1.0", "2.5 MB", "12 kB",
            0.0, 3.25)
        + String.format("%25s: In: %7s. Out: %7s. RateIn: %.2fB/s. RateOut: %.2fB/s\n", "/ipfs/ping/1.0.0", "1.5 kB",
            "9 B", 1.5, 0.0));

    JsonObject gc = new JsonObject().put("peer_map", new JsonObject()
        .put(P2, new JsonObject().put("peer", P2).put("peername", "bravo").put("error", "daemon down")
            .put("keys", new JsonArray()))
        .put(P1, new JsonObject().put("peer", P1).put("peername", "alpha").put("keys", new JsonArray()
            .add(new JsonObject().put("key", "bafkqaaa")).add(new JsonObject().put("error", "busy")))));
    assertThat(Formats.repoGc(gc)).isEqualTo("alpha          \n  > CIDs:\n    - bafkqaaa\n    - ERROR: busy\n"
        + "bravo           | ERROR: daemon down\n  > CIDs:\n");
  }

  @Test
  void statusAndPinReadIpfsClusterShapesWithPeerIds() {
    JsonObject status = new JsonObject().put("cid", "bafkqaaa").put("name", "").put("peer_map", new JsonObject()
        .put(P2, new JsonObject().put("peername", "").put("status", "pin_error").put("error", "timeout")
            .put("timestamp", "2026-12-02T12:00:00.120000000Z").put("attempt_count", 3).put("priority_pin", true))
        .put(P1, new JsonObject().put("peername", "alpha").put("status", "pinned")
            .put("timestamp", "2026-12-02T13:00:00+01:00").put("attempt_count", 1).put("priority_pin", false)));
    assertThat(Formats.status(status)).isEqualTo("bafkqaaa:\n"
        + String.format("    > %-20s : PINNED | 2026-12-02T13:00:00+01:00 | Attempts: 1 | Priority: false\n", "alpha")
        + String.format("    > %-20s : PIN_ERROR: timeout | 2026-12-02T12:00:00.12Z | Attempts: 3 | Priority: true\n",
            P2));

    JsonObject pin = new JsonObject().put("cid", "bafkqaaa").put("name", "n").put("type", "pin").put("mode", "direct")
        .put("allocations", new JsonArray().add(P2).add(P1)).put("replication_factor_min", 1)
        .put("replication_factor_max", 3).put("max_depth", 2).put("metadata", new JsonObject().put("k", "v"))
        .put("expire_at", "2027-01-01T00:00:00Z").put("timestamp", "2026-12-02T12:00:00.5Z");
    assertThat(Formats.pin(pin)).isEqualTo("bafkqaaa | n | PIN-DIRECT | Repl. Factor: 1--3 | Allocations: [" + P1 + " "
        + P2 + "] | Recursive-2 | Metadata: yes | Exp: 2027-01-01 00:00:00 | Added: 2026-12-02 12:00:00\n");
  }

  @Test
  void humanizeWordsAsGoHumanize() {
    assertThat(List.of(Humanize.bytes(0), Humanize.bytes(9), Humanize.bytes(10), Humanize.bytes(999),
        Humanize.bytes(1000), Humanize.bytes(82_854_982), Humanize.bytes(1_500_000_000L)))
        .containsExactly("0 B", "9 B", "10 B", "999 B", "1.0 kB", "83 MB", "1.5 GB");
    Instant now = Instant.parse("2026-12-02T12:00:00Z");
    assertThat(Humanize.time(now, now)).isEqualTo("now");
    assertThat(Humanize.time(now.minusSeconds(1), now)).isEqualTo("1 second ago");
    assertThat(Humanize.time(now.plusSeconds(3 * 3600), now)).isEqualTo("3 hours from now");
    assertThat(Humanize.time(now.minus(Duration.ofDays(9)), now)).isEqualTo("1 week ago");
    assertThat(Humanize.time(now.minus(Duration.ofDays(400)), now)).isEqualTo("1 year ago");
  }

  @Test
  void durationsReadAsGoReadsThemAndTimeoutAlsoAsSeconds() {
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("300ms")).isEqualTo(Duration.ofMillis(300));
    assertThat(GoDuration.parse("0")).isZero();
    assertThat(new GoDuration.Timeout().convert("30")).isEqualTo(Duration.ofSeconds(30));
    assertThat(new GoDuration.Timeout().convert("2m")).isEqualTo(Duration.ofMinutes(2));
    for (String bad : List.of("", "5", "1x", "m", "-1s", "1h 30m")) {
      assertThatThrownBy(() -> GoDuration.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class)
          .hasMessageContaining("invalid duration");
    }
  }

  @Test
  void hostsAreMultiaddrsOrUrlsAndHttpsPicksTheScheme() throws CtlException {
    assertThat(Endpoints.parse("/ip4/10.0.0.1/tcp/9094, /dns4/node.example/tcp/9094/https,http://a:1", false, false))
        .containsExactly(URI.create("http://10.0.0.1:9094"), URI.create("https://node.example:9094"),
            URI.create("http://a:1"));
    assertThat(Endpoints.parse("/ip6/::1/tcp/9094,http://a:1", true, true))
        .containsExactly(URI.create("https://[::1]:9094"), URI.create("https://a:1"));
    assertThat(Endpoints.parse("/ip4/10.0.0.1/tcp/9094/http", true, true))
        .containsExactly(URI.create("http://10.0.0.1:9094"));
    for (String bad : List.of("/ip4/1.2.3.4/udp/9094", "/ip4/1.2.3.4/tcp/99999", "/ip4/1.2.3.4", "localhost:9094",
        "/unix/tmp/sock", "/ip4/1.2.3.4/tcp/9094/ws")) {
      assertThatThrownBy(() -> Endpoints.parse(bad, false, false)).as(bad).isInstanceOf(CtlException.class)
          .extracting(e -> ((CtlException) e).line()).asString().startsWith("error parsing host multiaddress: '"
              + bad + "'");
    }
  }

  @Test
  void progressBarFillsWithTheBytesSent() {
    assertThat(Progress.render(0, 1000, 10)).isEqualTo("[          ] 0 B / 1.0 kB");
    assertThat(Progress.render(500, 1000, 10)).isEqualTo("[====>     ] 500 B / 1.0 kB");
    assertThat(Progress.render(1000, 1000, 10)).isEqualTo("[==========] 1.0 kB / 1.0 kB");
  }

  @Test
  void jsonIsIndentedAsGoIndentsIt() {
    JsonObject value = new JsonObject().put("cid", "a<b").put("peers", new JsonArray().add(1).add(true))
        .put("empty", new JsonObject()).put("none", new JsonArray()).put("rate", 1.5).put("x", null);
    assertThat(GoJson.indent(value)).isEqualTo("{\n    \"cid\": \"a\\u003cb\",\n    \"peers\": [\n        1,\n"
        + "        true\n    ],\n    \"empty\": {},\n    \"none\": [],\n    \"rate\": 1.5,\n    \"x\": null\n}");
  }
}
