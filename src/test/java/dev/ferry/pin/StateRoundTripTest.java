package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's state round trip at its size: {@value #PINS} generated pins (varied names, modes,
 * replication and metadata; some with allocations naming a node of the cluster, some naming a
 * peer it does not have) go through {@code ferry state import} into three in-JVM nodes, out with
 * {@code ferry state export}, into a fresh cluster and out again. Every pin keeps its fields; an
 * allocation naming a node of the cluster is kept, one naming another peer is dropped
 * (docs/CTL.md), so on the fresh cluster, whose nodes are new peers, every pin is allocated
 * afresh. {@code StateBench} (src/bench) measures the same round trip.
 */
@Timeout(300)
public class StateRoundTripTest {
  static final int PINS = 100_000;
  private static final Duration FORM = Duration.ofSeconds(60);
  /** A peer of no cluster here: an allocation to it is dropped on import. */
  private static final String FOREIGN_PEER = "12D3KooWLTubUxNCqr2aRTrZgGEM3BAn8vcH7AXvB3p6PHAMkbJU";
  /** What a fresh cluster sets anew for an imported pin. */
  private static final List<String> SET_ANEW = List.of("allocations", "timestamp", "user_allocations");

  @TempDir
  Path dir;

  @Test
  void aHundredThousandPinsRoundTripOntoAFreshCluster() throws IOException {
    Path seed = dir.resolve("seed.ndjson");
    Path first = dir.resolve("export-1.ndjson");
    Path second = dir.resolve("export-2.ndjson");
    try (JvmCluster source = cluster()) {
      String node3 = source.node(3).peerId().toString();
      try (BufferedWriter out = Files.newBufferedWriter(seed, StandardCharsets.UTF_8)) {
        for (int i = 0; i < PINS; i++) {
          out.write(seeded(i, node3).encode());
          out.write('\n');
        }
      }
      long started = System.nanoTime();
      CommandRun imported = imported(source, seed, PINS);
      System.out.printf("StateRoundTripTest: %,d pins imported in %.1f s%n", PINS, (System.nanoTime() - started) / 1e9);
      assertThat(imported.lines()).contains("imported 50000 of " + PINS + " pins");
      exported(source, first, PINS);
      checkAgainstSeed(first, node3, PINS);
    }
    try (JvmCluster fresh = cluster()) {
      imported(fresh, first, PINS);
      exported(fresh, second, PINS);
      sameExports(first, second, peers(fresh), PINS);
    }
  }

  /** The peer IDs of {@code cluster}'s three nodes. */
  public static Set<String> peers(JvmCluster cluster) {
    return Set.of(cluster.node(1).peerId().toString(), cluster.node(2).peerId().toString(),
        cluster.node(3).peerId().toString());
  }

  /**
   * Three nodes in this JVM, replication 2, once the pinset takes writes on each. They write no
   * pinset backup when they stop ({@code raft.backups=0}): three backups of every pin per cluster
   * took seconds, and backups are {@code StateBackupTest}'s.
   */
  public static JvmCluster cluster() {
    JvmCluster cluster = TestCluster.inJvm(3, i -> List.of("pin.replication_min=2", "pin.replication_max=2",
            "raft.backups=0"))
        .awaitFullMembership();
    Eventually.await("the pinset to take writes on every node", FORM, () -> {
      for (int i = 1; i <= 3; i++) {
        int status = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(i)
            + "/pins/" + PinSetTest.cid(-1))).DELETE()).statusCode();
        if (status != 404) {
          return false;
        }
      }
      return true;
    });
    return cluster;
  }

  /**
   * Pin {@code i} of a generated export: its own name, a mode, replication and metadata; every
   * 10th allocated to {@code node} (a node of the cluster), every 10th from the 5th to a foreign peer.
   */
  public static JsonObject seeded(int i, String node) {
    JsonObject pin = new JsonObject().put("cid", PinSetTest.cid(i)).put("type", "pin")
        .put("name", i % 7 == 0 ? "" : "pin " + i + (i % 5 == 0 ? " <ü & v2>" : ""))
        .put("mode", i % 3 == 0 ? "direct" : "recursive")
        .put("replication_factor_min", i % 4 == 0 ? -1 : 1 + i % 2)
        .put("replication_factor_max", i % 4 == 0 ? -1 : 2 + i % 2);
    if (i % 2 == 0) {
      pin.put("metadata", new JsonObject().put("n", String.valueOf(i)).put("team", "t" + i % 10));
    }
    if (i % 10 == 0) {
      pin.put("allocations", new JsonArray().add(node));
    } else if (i % 10 == 5) {
      pin.put("allocations", new JsonArray().add(FOREIGN_PEER));
    }
    return pin;
  }

  /**
   * Every pin of {@code export} carries its generated fields ({@link #seeded}, {@code node} the
   * cluster's node 3) and allocations as documented; all {@code pins} are there.
   */
  public static void checkAgainstSeed(Path export, String node, int pins) throws IOException {
    Map<String, Integer> numbers = new HashMap<>(pins * 2);
    for (int i = 0; i < pins; i++) {
      numbers.put(PinSetTest.cid(i), i);
    }
    long lines = 0;
    try (BufferedReader in = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines++;
        JsonObject pin = new JsonObject(line);
        Integer n = numbers.get(pin.getString("cid"));
        assertThat(n).as("exported a pin never imported: " + line).isNotNull();
        JsonObject want = seeded(n, node);
        for (String field : List.of("name", "mode", "replication_factor_min", "replication_factor_max", "type")) {
          assertThat(pin.getValue(field)).as(field + " of " + line).isEqualTo(want.getValue(field));
        }
        // a pin without metadata is exported with "metadata": null, as IPFS Cluster writes it
        JsonObject metadata = pin.getJsonObject("metadata") == null ? new JsonObject() : pin.getJsonObject("metadata");
        assertThat(metadata).as("metadata of " + line).isEqualTo(want.getJsonObject("metadata", new JsonObject()));
        List<Object> allocations = pin.getJsonArray("allocations").getList();
        int max = want.getInteger("replication_factor_max");
        if (max == -1) {
          assertThat(allocations).as("a pin on every node names no allocations (docs/API.md): " + line).isEmpty();
        } else {
          assertThat(allocations).as(line).isNotEmpty().doesNotContain(FOREIGN_PEER).hasSizeLessThanOrEqualTo(max);
        }
        if (n % 10 == 0) {
          if (max != -1) {
            assertThat(allocations).as("a pin allocated to a node of the cluster: " + line).contains(node);
          }
          assertThat(pin.getJsonArray("user_allocations").getList()).as(line).containsExactly(node);
        } else {
          assertThat(pin.getValue("user_allocations")).as("no allocation kept: " + line).isNull();
        }
      }
    }
    assertThat(lines).as("pins exported").isEqualTo(pins);
  }

  /**
   * The two exports line by line (both in CID order): equal but for what a fresh cluster sets
   * anew ({@link #SET_ANEW}); on the second, every pin is allocated to {@code nodes} (a pin on
   * every node, replication -1, to none: docs/API.md) and keeps no user allocation (those of the
   * first named the first cluster's nodes). The number of pins.
   */
  public static long sameExports(Path first, Path second, Set<String> nodes, int pins) throws IOException {
    long n = 0;
    try (BufferedReader a = Files.newBufferedReader(first, StandardCharsets.UTF_8);
        BufferedReader b = Files.newBufferedReader(second, StandardCharsets.UTF_8)) {
      String left = a.readLine();
      String right = b.readLine();
      for (; left != null && right != null; left = a.readLine(), right = b.readLine()) {
        n++;
        JsonObject after = new JsonObject(right);
        assertThat(comparable(after)).as("pin %d after the round trip:%n  %s%n  %s", n, left, right)
            .isEqualTo(comparable(new JsonObject(left)));
        List<Object> allocations = after.getJsonArray("allocations").getList();
        if (after.getInteger("replication_factor_max") == -1) {
          assertThat(allocations).as("a pin on every node names none: " + right).isEmpty();
        } else {
          assertThat(allocations).as(right).isNotEmpty().allMatch(nodes::contains);
        }
        assertThat(after.getValue("user_allocations")).as(right).isNull();
      }
      assertThat(left).as("the first export goes on after %d pins", n).isNull();
      assertThat(right).as("the second export goes on after %d pins", n).isNull();
    }
    assertThat(n).isEqualTo(pins);
    return n;
  }

  private static JsonObject comparable(JsonObject pin) {
    JsonObject copy = pin.copy();
    SET_ANEW.forEach(copy::remove);
    return copy;
  }

  /** {@code ferry state import} of {@code file} into node 1 with {@code options}: all {@code pins} imported. */
  public static CommandRun imported(JvmCluster cluster, Path file, int pins, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of("state", "import", file.toString(), "--host", host(cluster),
        "--progress-every", "10000"));
    args.addAll(List.of(options));
    CommandRun run = CommandRun.of(args.toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.lines()).contains("imported " + pins + " of " + pins + " pins from " + file);
    return run;
  }

  /** {@code ferry state export --file} from node 1: {@code pins} exported. */
  public static void exported(JvmCluster cluster, Path file, int pins) {
    CommandRun run = CommandRun.of("state", "export", "--file", file.toString(), "--host", host(cluster));
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("exported " + pins + " pins to " + file + "\n");
  }

  private static String host(JvmCluster cluster) {
    return "http://127.0.0.1:" + cluster.apiPort(1);
  }
}
