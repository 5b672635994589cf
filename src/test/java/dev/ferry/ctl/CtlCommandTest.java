package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.Ports;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry ctl} run in-process through the fat jar's command line against two clustered
 * nodes, each with its own real js-ipfs daemon. Every test lets its pins settle before the next
 * starts (js-ipfs 0.66 sometimes fails one of two fetches that overlap on a daemon); the tests
 * that leave pins failing run last.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Short, so content nobody has becomes a pin_error soon. */
  private static final int PIN_TIMEOUT_MS = 3000;
  @TempDir
  static Path dir;
  private static IpfsCluster nodes;
  private static String host;

  @BeforeAll
  static void start() {
    nodes = IpfsCluster.start(dir, 2, i -> new JsonObject().put("pin", new JsonObject()
        .put("pin_timeout_ms", PIN_TIMEOUT_MS)));
    host = "http://127.0.0.1:" + nodes.nodes().apiPort(1);
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  @Order(1)
  void idVersionAndPeersAreShortLinesOrTheApisJson() {
    CommandRun id = ctl("id");
    assertThat(id.code()).as(id.err()).isZero();
    assertThat(id.out().strip()).isEqualTo("node1 | /ip4/127.0.0.1/tcp/" + nodes.nodes().peer(1).port()
        + " | peers: " + nodes.nodes().node(1).peerId() + ", " + nodes.nodes().node(2).peerId() + " | version "
        + Version.current());
    JsonObject json = new JsonObject(ctl("--enc", "json", "id").out());
    assertThat(json.getString("peername")).isEqualTo("node1");
    assertThat(json.getString("id")).isEqualTo(nodes.nodes().node(1).peerId().toString());
    // the daemon's own identity, through the node's IPFS connector
    var daemon = nodes.ipfs(1).id().await();
    assertThat(json.getJsonObject("ipfs").getString("id")).isEqualTo(daemon.id()).startsWith("12D3KooW");
    assertThat(json.getJsonObject("ipfs").getJsonArray("addresses").getList())
        .containsExactlyElementsOf(daemon.addresses()).isNotEmpty();
    assertThat(json.getJsonObject("ipfs").getString("error")).isEmpty();

    assertThat(ctl("version").out().strip()).isEqualTo(Version.current());
    assertThat(new JsonObject(ctl("--enc=json", "version").out()).getString("version")).isEqualTo(Version.current());

    assertThat(ctl("peers", "ls").lines()).hasSize(2)
        .satisfies(lines -> assertThat(lines.get(0)).startsWith("node1 | "))
        .satisfies(lines -> assertThat(lines.get(1)).startsWith("node2 | "));
    // the global options may follow the command
    assertThat(ctl("peers", "ls", "--enc", "json").lines()).extracting(l -> new JsonObject(l).getString("peername"))
        .containsExactly("node1", "node2");
    // each member's daemon, asked by that member
    assertThat(ctl("peers", "ls", "--enc", "json").lines())
        .extracting(l -> new JsonObject(l).getJsonObject("ipfs").getString("id"))
        .containsExactly(nodes.ipfs(1).id().await().id(), nodes.ipfs(2).id().await().id());
  }

  @Test
  @Order(2)
  void pinAddWaitsUntilEveryAllocatedNodeHasPinnedThenLsStatusRecoverAndRm() {
    Cid cid = nodes.content(1, "pinned by ctl");
    String expected = cid + " | doc | node1: pinned, node2: pinned";

    CommandRun added = ctl("pin", "add", cid.toString(), "--name", "doc", "--replication", "2", "--wait");

    assertThat(added.code()).as(added.err()).isZero();
    assertThat(added.out().strip()).isEqualTo(expected);
    assertThat(nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid)).as("both daemons pin it").isTrue();

    String pinLine = cid + " | doc | allocations: " + peerIds(1, 2) + " | replication: 2";
    assertThat(ctl("pin", "ls", cid.toString()).out().strip()).isEqualTo(pinLine);
    assertThat(ctl("pin", "ls").lines()).contains(pinLine);
    JsonObject pin = new JsonObject(ctl("pin", "ls", cid.toString(), "--enc", "json").out());
    assertThat(pin.getJsonArray("allocations").getList()).containsExactlyInAnyOrder(peerId(1), peerId(2));
    assertThat(pin.getInteger("replication_factor_min")).isEqualTo(2);

    assertThat(ctl("status", cid.toString()).out().strip()).isEqualTo(expected);
    assertThat(ctl("status").lines()).contains(expected);
    JsonObject status = new JsonObject(ctl("--enc", "json", "status", cid.toString()).out());
    assertThat(status.getJsonObject("peer_map").getJsonObject(peerId(2)).getString("status")).isEqualTo("pinned");
    CommandRun recovered = ctl("recover", cid.toString());
    assertThat(recovered.code()).as(recovered.err()).isZero();
    assertThat(recovered.out().strip()).isEqualTo(expected);

    CommandRun removed = ctl("pin", "rm", cid.toString());
    assertThat(removed.code()).as(removed.err()).isZero();
    assertThat(removed.out().strip()).isEqualTo(cid + " | doc | unpinned");
    Eventually.await("both daemons to drop the pin", WAIT, () -> !nodes.pinnedOn(1, cid) && !nodes.pinnedOn(2, cid));
    CommandRun gone = ctl("pin", "ls", cid.toString());
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err().strip()).isEqualTo("no pin for " + cid + " in the pinset");
  }

  @Test
  @Order(3)
  void pinAddWithoutWaitPrintsThePinOrItsJson() {
    Cid cid = nodes.content(2, "one copy");

    CommandRun added = ctl("pin", "add", cid.toString(), "--rmin", "1", "--rmax", "1");

    assertThat(added.code()).as(added.err()).isZero();
    assertThat(added.out().strip()).startsWith(cid + " | - | allocations: 12D3KooW").endsWith(" | replication: 1");
    awaitPinned(cid);
    Cid other = nodes.content(2, "on every node, as JSON");
    JsonObject pin = new JsonObject(ctl("--enc", "json", "pin", "add", other.toString(), "-r", "-1").out());
    assertThat(pin.getString("cid")).isEqualTo(other.toString());
    assertThat(pin.getJsonArray("allocations")).isEmpty();   // every node
    assertThat(pin.getInteger("replication_factor_max")).isEqualTo(-1);
    awaitPinned(other);
  }

  @Test
  @Order(4)
  void addUploadsFilesThatTheClusterPins() throws Exception {
    Path a = Files.writeString(dir.resolve("a.txt"), "file a " + System.nanoTime());
    Path b = Files.writeString(dir.resolve("b with space.txt"), "file b, longer " + System.nanoTime());

    CommandRun added = ctl("add", a.toString(), b.toString(), "--replication", "2");

    assertThat(added.code()).as(added.err()).isZero();
    assertThat(added.lines()).hasSize(2);
    // IPFS Cluster's defaults: CIDv0, and the size of the file's DAG (its bytes in a dag-pb node)
    assertThat(added.lines().get(0)).matches("Qm\\w+ \\| a\\.txt \\| \\d+ bytes \\| allocations: " + peerIds(1, 2));
    assertThat(added.lines().get(1)).matches("Qm\\w+ \\| b with space\\.txt \\| \\d+ bytes \\| allocations: "
        + peerIds(1, 2));
    List<Cid> cids = new ArrayList<>(added.lines().stream().map(l -> Cid.parse(l.substring(0, l.indexOf(' ')))).toList());

    CommandRun json = ctl("add", "--enc", "json", "--name", "custom", a.toString());
    assertThat(json.code()).as(json.err()).isZero();
    JsonObject line = new JsonObject(json.out());
    assertThat(line.getString("name")).isEqualTo("custom");
    assertThat(line.getString("cid")).isEqualTo(cids.get(0).toString());   // same content, same CID
    assertThat(line.getLong("size")).isGreaterThan(Files.size(a));   // the DAG: the bytes in a dag-pb node
    for (Cid cid : cids) {
      awaitPinned(cid);
      assertThat(nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid)).as("both daemons pin " + cid).isTrue();
    }

    CommandRun missing = ctl("add", dir.resolve("no-such-file").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("cannot add " + dir.resolve("no-such-file") + ": no such file");
  }

  @Test
  @Order(5)
  void failuresSayWhatWentWrongWithExitCode1AndUsageErrorsExit2() {
    String unknown = missingContent().toString();
    // as IPFS Cluster answers a CID it does not track: unpinned on every node
    CommandRun notPinned = ctl("status", unknown);
    assertThat(notPinned.code()).as(notPinned.err()).isZero();
    assertThat(notPinned.out().strip()).isEqualTo(unknown + " | - | node1: unpinned, node2: unpinned");

    CommandRun malformed = ctl("pin", "add", "QmNotACid");
    assertThat(malformed.code()).isEqualTo(1);
    assertThat(malformed.err()).startsWith("not a CID: 'QmNotACid'");

    String nowhere = "http://127.0.0.1:" + Ports.free(1).get(0);
    CommandRun unreachable = CommandRun.of("ctl", "--host", nowhere, "id");
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).startsWith("cannot reach a ferry node at " + nowhere).contains("pass --host URL");

    assertThat(CommandRun.of("ctl").code()).isEqualTo(2);
    assertThat(ctl("pin").code()).isEqualTo(2);
    CommandRun noCid = ctl("pin", "add");
    assertThat(noCid.code()).isEqualTo(2);
    assertThat(noCid.err()).contains("Missing required parameter: 'CID'");
    assertThat(ctl("--enc", "yaml", "id").code()).isEqualTo(2);
    assertThat(ctl("frobnicate").code()).isEqualTo(2);
    assertThat(CommandRun.of("ctl", "--host", "ftp://example", "id").err()).contains("not an http(s) URL");
    assertThat(ctl("pin", "add", unknown, "--wait-timeout", "soon").code()).isEqualTo(2);
  }

  @Test
  @Order(6)
  void waitFailsWhenTheTimeoutPassesAndAtAPinError() {
    String slow = missingContent().toString();
    CommandRun timedOut = ctl("pin", "add", slow, "--wait", "--wait-timeout", "1s");
    assertThat(timedOut.code()).isEqualTo(1);
    assertThat(timedOut.err()).startsWith(slow + " is not pinned on every allocated node after 1s (node1: ");

    String failing = missingContent().toString();
    CommandRun failed = ctl("pin", "add", failing, "--replication", "1", "--wait");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).startsWith(failing + ": pin_error on node").contains("ferry ctl recover " + failing);
  }

  /** Node {@code i}'s peer ID, how the HTTP API names nodes. */
  private static String peerId(int i) {
    return nodes.nodes().node(i).peerId().toString();
  }

  /** The peer IDs of nodes {@code i}, in that order, as ctl lists allocations. */
  private static String peerIds(int... i) {
    return String.join(", ", java.util.Arrays.stream(i).mapToObj(CtlCommandTest::peerId).toList());
  }

  /** Until every node {@code cid} is allocated to reports it pinned, as {@code ctl status} shows it. */
  private static void awaitPinned(Cid cid) {
    Eventually.await(cid + " to be pinned on its nodes", WAIT, () -> ctl("status", cid.toString()).out().strip()
        .matches(".* \\| node\\d: pinned(, node\\d: pinned)*"));
  }

  /** A CID of random content that no daemon has. */
  private static Cid missingContent() {
    byte[] digest = new byte[32];
    new SecureRandom().nextBytes(digest);
    return Cid.parse("f01551220" + HexFormat.of().formatHex(digest));   // CIDv1, raw, SHA-256
  }

  /** {@code ferry ctl --host <node 1> ARGS...}. */
  private static CommandRun ctl(String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--host", host));
    all.addAll(List.of(args));
    return CommandRun.of(all.toArray(String[]::new));
  }

}
