package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry state export|import} run in-process through the fat jar's command line against
 * real clustered nodes: an export written by hand in IPFS Cluster 1.1's exact format (its
 * {@code api.Pin} JSON, one per line, as {@code ipfs-cluster-service state export} writes it)
 * imports as it is, and an export of a few hundred pins imports onto a fresh cluster with every
 * pin and option the same, or with the replication and allocations that {@code --replication-min},
 * {@code --replication-max} and {@code --allocations} give; of many bad lines only the first are named. The 100,000-pin
 * round trip is {@code pin.StateRoundTripTest}.
 */
@Timeout(300)
class StateCommandTest {
  private static final String FIXTURE = "/state/ipfs-cluster-1.1-export.ndjson";
  private static final int PINS = 300;
  @TempDir
  Path dir;

  @Test
  void anIpfsCluster11ExportImportsAsItIs() throws Exception {
    Path fixture = dir.resolve("export.ndjson");
    try (InputStream in = StateCommandTest.class.getResourceAsStream(FIXTURE)) {
      Files.write(fixture, in.readAllBytes());
    }
    try (JvmCluster cluster = TestCluster.inJvm(1)) {
      String host = host(cluster);
      CommandRun imported = CommandRun.of("state", "import", fixture.toString(), "--host", host, "--debug");
      assertThat(imported.code()).as(imported.err()).isZero();
      assertThat(imported.lines()).contains("imported 3 of 3 pins from " + fixture);
      // the three pins go in one POST /pins/import, each with POST /pins/{cid}'s query as fields (docs/API.md)
      assertThat(imported.err()).containsOnlyOnce("--> POST " + host + "/pins/import\n");

      Map<String, JsonObject> pins = exported(cluster);
      assertThat(pins).containsOnlyKeys("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn",
          "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
      JsonObject site = pins.get("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
      assertThat(site.getString("name")).isEqualTo("website <v2>");
      assertThat(site.getInteger("replication_factor_min")).isEqualTo(1);
      assertThat(site.getInteger("replication_factor_max")).isEqualTo(2);
      assertThat(site.getString("mode")).isEqualTo("recursive");
      assertThat(site.getString("expire_at")).isEqualTo("2099-01-02T15:04:05Z");
      assertThat(site.getJsonObject("metadata").getMap()).isEqualTo(Map.of("owner", "ann", "team", "web"));
      assertThat(site.getJsonArray("origins").getList()).containsExactly(
          "/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWLTubUxNCqr2aRTrZgGEM3BAn8vcH7AXvB3p6PHAMkbJU");
      // IPFS Cluster's peers are not ferry's: the pin is allocated to this cluster's nodes
      assertThat(site.getJsonArray("allocations").getList()).containsExactly(cluster.node(1).peerId().toString());
      JsonObject direct = pins.get("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
      assertThat(direct.getString("mode")).isEqualTo("direct");
      assertThat(direct.getInteger("replication_factor_max")).isEqualTo(1);
      assertThat(direct.getString("name")).isEqualTo("raw block");
      assertThat(pins.get("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").getInteger("replication_factor_min"))
          .isEqualTo(-1);
      pins.values().forEach(pin -> assertThat(pin.getString("type")).isEqualTo("pin"));
    }
  }

  @Test
  void exportThenImportRoundTripsOntoAFreshCluster() throws Exception {
    Path export = dir.resolve("export.ndjson");
    Map<String, JsonObject> before;
    try (JvmCluster source = TestCluster.inJvm(1)) {
      Path seed = dir.resolve("seed.ndjson");
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < PINS; i++) {
        lines.add(new JsonObject().put("cid", cid("round trip " + i)).put("name", "pin " + i)
            .put("replication_factor_min", 1).put("replication_factor_max", 1 + i % 2)
            .put("mode", i % 3 == 0 ? "direct" : "recursive")
            .put("metadata", new JsonObject().put("n", String.valueOf(i))).encode());
      }
      Files.write(seed, lines);
      CommandRun seeded = CommandRun.of("state", "import", seed.toString(), "--host", host(source),
          "--progress-every", "100", "--parallel", "4", "--batch", "50");
      assertThat(seeded.code()).as(seeded.err()).isZero();
      assertThat(seeded.lines()).contains("imported 100 of 300 pins", "imported 300 of 300 pins from " + seed);

      CommandRun exported = CommandRun.of("state", "export", "--file", export.toString(), "--host", host(source));
      assertThat(exported.code()).as(exported.err()).isZero();
      assertThat(exported.out()).isEqualTo("exported " + PINS + " pins to " + export + "\n");
      before = byCid(Files.readAllLines(export));
      assertThat(before).hasSize(PINS);
      assertThat(CommandRun.of("state", "export", "--host", host(source)).lines()).hasSize(PINS);
    }
    try (JvmCluster fresh = TestCluster.inJvm(2).awaitFullMembership()) {
      CommandRun imported = CommandRun.of("state", "import", export.toString(), "--host", host(fresh));
      assertThat(imported.code()).as(imported.err()).isZero();
      Map<String, JsonObject> after = exported(fresh);
      assertThat(after.keySet()).isEqualTo(before.keySet());
      for (String cid : before.keySet()) {
        assertThat(comparable(after.get(cid))).as(cid).isEqualTo(comparable(before.get(cid)));
      }
      importWithPlacementFlags(fresh);
    }
  }

  /**
   * {@code --replication-min}, {@code --replication-max} and {@code --allocations} replace each
   * pin's own replication and allocations (the file's allocations name node1).
   */
  private void importWithPlacementFlags(JvmCluster cluster) throws Exception {
    String node1 = cluster.node(1).peerId().toString();
    String node2 = cluster.node(2).peerId().toString();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      lines.add(new JsonObject().put("cid", cid("placed " + i)).put("replication_factor_min", 1)
          .put("replication_factor_max", 1).put("allocations", new JsonArray().add(node1)).encode());
    }
    Path file = Files.write(dir.resolve("placed.ndjson"), lines);
    CommandRun both = CommandRun.of("state", "import", file.toString(), "--host", host(cluster),
        "--replication-min", "2", "--replication-max", "2");
    assertThat(both.code()).as(both.err()).isZero();
    Map<String, JsonObject> pins = exported(cluster);
    for (int i = 0; i < 4; i++) {
      JsonObject pin = pins.get(cid("placed " + i));
      assertThat(pin.getInteger("replication_factor_min")).isEqualTo(2);
      assertThat(pin.getInteger("replication_factor_max")).isEqualTo(2);
      assertThat(pin.getJsonArray("allocations").getList()).containsExactlyInAnyOrder(node1, node2);
    }

    CommandRun onNode2 = CommandRun.of("state", "import", file.toString(), "--host", host(cluster),
        "--rmin", "1", "--rmax", "1", "--allocations", node2);
    assertThat(onNode2.code()).as(onNode2.err()).isZero();
    pins = exported(cluster);
    for (int i = 0; i < 4; i++) {
      JsonObject pin = pins.get(cid("placed " + i));
      assertThat(pin.getInteger("replication_factor_max")).isEqualTo(1);
      assertThat(pin.getJsonArray("allocations").getList()).as("the flag's node, not the file's").containsExactly(node2);
      assertThat(pin.getJsonArray("user_allocations").getList()).containsExactly(node2);
    }
    // without the flags, the file's own: one replica, on the node it names
    CommandRun own = CommandRun.of("state", "import", file.toString(), "--host", host(cluster));
    assertThat(own.code()).as(own.err()).isZero();
    assertThat(exported(cluster).get(cid("placed 0")).getJsonArray("allocations").getList()).containsExactly(node1);
  }

  @Test
  void aMalformedLineIsNamedAndNothingIsImported() throws Exception {
    Path bad = dir.resolve("bad.ndjson");
    Files.writeString(bad, new JsonObject().put("cid", cid("good")).encode() + "\n"
        + "{\"cid\": \"QmUNLL\n"
        + "{\"name\": \"no cid\"}\n"
        + "{\"cid\": \"" + cid("shard") + "\", \"type\": \"shard-pin\"}\n", StandardCharsets.UTF_8);
    try (JvmCluster cluster = TestCluster.inJvm(1)) {
      CommandRun run = CommandRun.of("state", "import", bad.toString(), "--host", host(cluster));
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err()).contains("3 malformed line(s), nothing imported", bad + ":2: ", bad + ":3: no \"cid\" string",
          bad + ":4: type \"shard-pin\": ferry does not shard");
      assertThat(exported(cluster)).isEmpty();

      CommandRun refused = CommandRun.of("state", "import", write("refused.ndjson",
          new JsonObject().put("cid", "QmNotACid").encode()).toString(), "--host", host(cluster));
      assertThat(refused.code()).isEqualTo(2);
      assertThat(refused.err()).contains("1 pin(s) refused", "refused.ndjson:1 (QmNotACid): ");
      assertThat(CommandRun.of("state", "import", dir.resolve("missing").toString(), "--host", host(cluster)).err())
          .startsWith("error reading " + dir.resolve("missing"));
      // the node is still there
      assertThat(Http.get(cluster.apiPort(1), "/id").statusCode()).isEqualTo(200);
    }
  }

  /**
   * The import reads its file a line at a time and keeps no list of what it read: of many
   * malformed lines, or many refused pins, it names the first {@link StateCommand#LISTED} and
   * counts the rest.
   */
  @Test
  void manyBadLinesAreCountedAndTheFirstNamed() throws Exception {
    int bad = StateCommand.LISTED + 50;
    List<String> malformed = new ArrayList<>();
    List<String> refusedLines = new ArrayList<>();
    for (int i = 0; i < bad; i++) {
      malformed.add("{\"name\": \"no cid " + i + "\"}");
      refusedLines.add(new JsonObject().put("cid", "QmNotACid" + i).encode());
    }
    refusedLines.add(new JsonObject().put("cid", cid("the good one")).encode());
    Path file = dir.resolve("malformed.ndjson");
    Files.write(file, malformed);
    Path refusals = dir.resolve("refused.ndjson");
    Files.write(refusals, refusedLines);
    try (JvmCluster cluster = TestCluster.inJvm(1)) {
      CommandRun run = CommandRun.of("state", "import", file.toString(), "--host", host(cluster));
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err()).contains(bad + " malformed line(s), nothing imported", file + ":1: no \"cid\" string",
          file + ":" + StateCommand.LISTED + ": ", "... and 50 more").doesNotContain(file + ":" + (StateCommand.LISTED + 1) + ":");

      CommandRun refused = CommandRun.of("state", "import", refusals.toString(), "--host", host(cluster),
          "--parallel", "4", "--batch", "40");
      assertThat(refused.code()).isEqualTo(2);
      assertThat(refused.lines()).contains("imported 1 of " + (bad + 1) + " pins from " + refusals);
      assertThat(refused.err()).contains(bad + " pin(s) refused", "... and 50 more");
      assertThat(refused.err().lines().filter(line -> line.contains("(QmNotACid"))).hasSize(StateCommand.LISTED);
      assertThat(exported(cluster)).containsOnlyKeys(cid("the good one"));
    }
  }

  private Path write(String name, String line) throws IOException {
    return Files.writeString(dir.resolve(name), line + "\n");
  }

  private static String host(JvmCluster cluster) {
    return "http://127.0.0.1:" + cluster.apiPort(1);
  }

  private static Map<String, JsonObject> exported(JvmCluster cluster) {
    CommandRun run = CommandRun.of("state", "export", "--host", host(cluster));
    assertThat(run.code()).as(run.err()).isZero();
    return byCid(run.lines());
  }

  private static Map<String, JsonObject> byCid(List<String> lines) {
    Map<String, JsonObject> pins = new TreeMap<>();
    for (String line : lines) {
      JsonObject pin = new JsonObject(line);
      pins.put(pin.getString("cid"), pin);
    }
    return pins;
  }

  /** A pin without what a fresh cluster sets anew: its allocations and the time it was pinned. */
  private static JsonObject comparable(JsonObject pin) {
    JsonObject copy = pin.copy();
    copy.remove("allocations");
    copy.remove("timestamp");
    return copy;
  }

  private static String cid(String content) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
    byte[] multihash = new byte[digest.length + 2];
    multihash[0] = 0x12;
    multihash[1] = (byte) digest.length;
    System.arraycopy(digest, 0, multihash, 2, digest.length);
    return Cid.v1(Cid.RAW, multihash).toString();
  }
}
