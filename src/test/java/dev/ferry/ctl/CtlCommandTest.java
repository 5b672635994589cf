package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ReferenceCids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * nodes, each with its own real js-ipfs daemon. Text output is compared with the layout of
 * ipfs-cluster-ctl 1.1's formatters ({@code formatters.go}), filled in here from the same
 * answer in JSON ({@code --enc json}) by this test's own rendering of those format strings. Every
 * test lets its pins settle before the next starts; the tests that leave pins failing run last.
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
  /** Node 1's API as a multiaddr, as ipfs-cluster-ctl takes it. */
  private static String host;
  /** The root {@link #addOptionsTakeEffect} pins on node 1 alone, for {@link #pinUpdateDirectModeAndWaitLimitTakeEffect}. */
  private static Cid wrappedRoot;

  @BeforeAll
  static void start() {
    nodes = IpfsCluster.start(dir, 2, i -> new JsonObject().put("pin", new JsonObject()
        .put("pin_timeout_ms", PIN_TIMEOUT_MS)));
    host = "/ip4/127.0.0.1/tcp/" + nodes.nodes().apiPort(1);
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  @Order(1)
  void idPeersVersionAndCommandsPrintAsIpfsClusterCtl() {
    CommandRun id = ok(ctl("id"));
    JsonObject json = new JsonObject(ok(ctl("--enc", "json", "id")).out());
    assertThat(id.out()).isEqualTo(idText(json));
    assertThat(json.getString("peername")).isEqualTo("node1");
    assertThat(json.getString("id")).isEqualTo(nodes.nodes().node(1).peerId().toString());
    assertThat(json.getJsonObject("ipfs").getString("id")).isEqualTo(nodes.ipfs(1).id().await().id());
    assertThat(id.lines().get(0)).isEqualTo(json.getString("id") + " | node1 | Sees 1 other peers");
    // Go's json.MarshalIndent: four spaces, "key": value
    assertThat(ctl("--enc", "json", "id").out()).startsWith("{\n    \"id\": \"" + json.getString("id") + "\",\n");

    CommandRun peers = ok(ctl("peers", "ls"));
    StringBuilder expected = new StringBuilder();
    for (JsonObject peer : jsonObjects(ok(ctl("peers", "ls", "--enc", "json")).out())) {
      expected.append(idText(peer));
    }
    assertThat(peers.out()).isEqualTo(expected.toString()).contains(" | node1 | Sees 1 other peers\n",
        " | node2 | Sees 1 other peers\n");

    assertThat(ok(ctl("version")).out()).isEqualTo(Version.current() + "\n");
    assertThat(new JsonObject(ok(ctl("--enc=json", "version")).out()).getString("version")).isEqualTo(Version.current());
    assertThat(ok(ctl("commands")).lines()).contains("ferry ctl id", "ferry ctl peers ls", "ferry ctl peers rm",
        "ferry ctl add", "ferry ctl pin add", "ferry ctl pin update", "ferry ctl status", "ferry ctl recover",
        "ferry ctl health graph", "ferry ctl health bandwidth", "ferry ctl ipfs gc", "ferry ctl commands");
  }

  @Test
  @Order(2)
  void hostTakesUrlsMultiaddrsAndListsThatFailOver() {
    int dead = Ports.free(1).get(0);
    String url = "http://127.0.0.1:" + nodes.nodes().apiPort(2);
    assertThat(ok(CommandRun.of("ctl", "--host", url, "id")).lines().get(0)).endsWith(" | node2 | Sees 1 other peers");
    CommandRun failover = ok(CommandRun.of("ctl", "-l", "/ip4/127.0.0.1/tcp/" + dead + "," + host, "--debug", "id"));
    assertThat(failover.lines().get(0)).endsWith(" | node1 | Sees 1 other peers");
    assertThat(failover.err()).contains("GET http://127.0.0.1:" + dead + "/id", "GET http://127.0.0.1:"
        + nodes.nodes().apiPort(1) + "/id");
    assertThat(ok(CommandRun.of("ctl", "--host", "/dns4/localhost/tcp/" + nodes.nodes().apiPort(1), "-t", "30",
        "version")).out()).isEqualTo(Version.current() + "\n");
    assertThat(ok(ctl("--timeout", "1m30s", "version")).out()).isEqualTo(Version.current() + "\n");

    // no answer: IPFS Cluster's api.Error with code 0, on stdout, exit 1
    CommandRun unreachable = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + dead, "id");
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.out()).startsWith("An error occurred:\n  Code: 0\n  Message: GET http://127.0.0.1:" + dead
        + "/id: ").contains("give its address with --host");
    CommandRun garbage = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/udp/9094", "id");
    assertThat(garbage.code()).isEqualTo(1);
    assertThat(garbage.err()).startsWith("error parsing host multiaddress: '/ip4/127.0.0.1/udp/9094': expected");
    assertThat(CommandRun.of("ctl", "--host", "/p2p/12D3KooWLTubUxNCqr2aRTrZgGEM3BAn8vcH7AXvB3p6PHAMkbJU", "id").err())
        .contains("ferry has no libp2p-http API");
    assertThat(CommandRun.of("ctl", "--host", "ftp://example", "id").err()).startsWith("error parsing host multiaddress");
    assertThat(ctl("--timeout", "soon", "id").code()).isEqualTo(2);
    assertThat(ctl("--enc", "yaml", "id").code()).isEqualTo(2);
  }

  @Test
  @Order(3)
  void pinAddWaitsThenPrintsTheStatusAndLsStatusRecoverRmFollow() {
    Cid cid = nodes.content(1, "pinned by ctl");

    CommandRun added = ok(ctl("pin", "add", cid.toString(), "--name", "doc", "-r", "2", "--wait", "--wt", "60s"));

    assertThat(added.out()).isEqualTo(statusText(statusJson(cid)));
    assertThat(added.lines()).hasSize(3);
    assertThat(added.lines().get(0)).isEqualTo(cid + " | doc:");
    // the API keys peer_map by peer ID, so which node comes first depends on the nodes' keys
    assertThat(added.lines().subList(1, 3)).anySatisfy(line -> assertThat(line).matches(String.format(
        "    > %-20s : PINNED \\| \\S+ \\| Attempts: \\d+ \\| Priority: false", "node1")));
    assertThat(nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid)).as("both daemons pin it").isTrue();

    JsonObject pin = new JsonObject(ok(ctl("pin", "ls", cid.toString(), "--enc", "json")).out());
    String pinLine = ok(ctl("pin", "ls", cid.toString())).out();
    assertThat(pinLine).isEqualTo(pinText(pin))
        .startsWith(cid + " | doc | PIN | Repl. Factor: 2--2 | Allocations: [")
        .contains(" | Recursive | Metadata: no | Exp: ∞ | Added: ");
    assertThat(ok(ctl("pin", "ls")).out()).contains(pinLine);
    assertThat(ok(ctl("pin", "ls", "--filter", "pin,meta-pin")).out()).contains(pinLine);

    String status = ok(ctl("status", cid.toString())).out();
    assertThat(status).isEqualTo(statusText(statusJson(cid)));
    assertThat(ok(ctl("status")).out()).contains(status);
    assertThat(ok(ctl("status", "--filter", "pinned")).out()).contains(status);
    assertThat(ok(ctl("status", "--filter", "pin_error,unpin_error")).out()).doesNotContain(cid.toString());
    Cid other = nodes.content(2, "another");
    ok(ctl("pin", "add", other.toString(), "--rmin", "1", "--rmax", "2", "--wait"));
    assertThat(ok(ctl("status", cid.toString(), other.toString())).out()).contains(status).contains(other + ":\n");
    assertThat(ok(ctl("status", "--local", cid.toString())).lines())
        .anySatisfy(line -> assertThat(line).startsWith(String.format("    > %-20s : PINNED | ", "node1")));
    assertThat(ok(ctl("recover", cid.toString())).out()).isEqualTo(statusText(statusJson(cid)));

    CommandRun removed = ok(ctl("pin", "rm", cid.toString(), "--no-status"));
    assertThat(removed.out()).isEqualTo(pinLine);
    Eventually.await("both daemons to drop the pin", WAIT, () -> !nodes.pinnedOn(1, cid) && !nodes.pinnedOn(2, cid));
    ok(ctl("pin", "rm", other.toString(), "--wait"));
    assertThat(ok(ctl("pin", "ls")).out()).doesNotContain(cid.toString()).doesNotContain(other.toString());
  }

  @Test
  @Order(4)
  void pinAddWithoutWaitPrintsTheStatusOrWithNoStatusThePin() {
    Cid cid = nodes.content(2, "one copy");

    CommandRun added = ok(ctl("pin", "add", cid.toString(), "--rmin", "1", "--rmax", "1", "--ns"));
    JsonObject pin = new JsonObject(ok(ctl("--enc", "json", "pin", "ls", cid.toString())).out());
    assertThat(added.out()).isEqualTo(pinText(pin)).startsWith(cid + " |  | PIN | Repl. Factor: 1--1 | ");

    Cid everywhere = nodes.content(2, "on every node");
    CommandRun status = ok(ctl("pin", "add", "/ipfs/" + everywhere, "--replication", "-1"));
    assertThat(status.lines().get(0)).isEqualTo(everywhere + ":");
    assertThat(ok(ctl("pin", "ls", everywhere.toString())).out())
        .contains(" | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | ");
    awaitPinned(cid);
    awaitPinned(everywhere);

    CommandRun badPath = ctl("pin", "add", "QmNotACid");
    assertThat(badPath.code()).isEqualTo(1);
    assertThat(badPath.err()).startsWith("error : invalid path \"/ipfs/QmNotACid\": not a CID");
    assertThat(ctl("pin", "add", "/ipfs/" + cid, "--metadata", "novalue").err())
        .isEqualTo("error parsing metadata: metadata were not in the format key=value\n");
    assertThat(ctl("pin", "add", cid.toString(), "--allocations", "node9").err())
        .startsWith("error decoding allocations: some peer IDs could not be decoded");
    assertThat(ctl("pin", "add", cid.toString(), "--expire-in", "tomorrow").err())
        .startsWith("error parsing expire-in: invalid duration 'tomorrow'");
    assertThat(ctl("pin", "update", "nope", cid.toString()).err()).startsWith("error parsing from Cid: not a CID");
    assertThat(ctl("status", "--filter", "bogus").err()).isEqualTo("error parsing filter flag: invalid filter name\n");
    assertThat(ctl("peers", "rm", "node2").err()).startsWith("error parsing peer ID: not a libp2p peer ID: 'node2'");
    assertThat(ctl("pin", "add").code()).isEqualTo(2);
  }

  @Test
  @Order(5)
  void addUploadsFilesPrintsAddedLinesAndHonoursQuietAndNoStream() throws Exception {
    Path a = Files.writeString(dir.resolve("a.txt"), "file a " + System.nanoTime());
    Path b = Files.writeString(dir.resolve("b.txt"), "file b, longer " + System.nanoTime());

    CommandRun one = ok(ctl("add", a.toString(), "--rmin", "2", "--rmax", "2"));
    assertThat(one.lines()).hasSize(1);
    assertThat(one.lines().get(0)).matches("added \\w+ a\\.txt");
    Cid cid = Cid.parse(one.lines().get(0).split(" ")[1]);
    awaitPinned(cid);
    assertThat(nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid)).as("both daemons pin " + cid).isTrue();

    assertThat(ok(ctl("add", "-q", a.toString())).out()).isEqualTo(cid + "\n");
    JsonArray buffered = new JsonArray(ok(ctl("--enc", "json", "add", "--no-stream", "--name", "custom",
        a.toString())).out());
    assertThat(buffered).hasSize(1);
    assertThat(buffered.getJsonObject(0).getString("cid")).isEqualTo(cid.toString());
    assertThat(buffered.getJsonObject(0).getString("name")).isEqualTo("custom");

    CommandRun quieter = ok(ctl("add", "-Q", "--wait", a.toString(), b.toString()));
    assertThat(quieter.lines()).hasSize(1);
    Cid last = Cid.parse(quieter.lines().get(0));
    assertThat(statusText(statusJson(last))).contains(": PINNED | ");

    CommandRun directory = ctl("add", dir.toString());
    assertThat(directory.code()).isEqualTo(1);
    assertThat(directory.err()).isEqualTo("error : " + dir + " is a directory, but Recursive option is not set\n");
    CommandRun missing = ctl("add", dir.resolve("no-such-file").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("error : lstat " + dir.resolve("no-such-file") + ": no such file or "
        + "directory\n");
    assertThat(ctl("add").err()).isEqualTo("error : need at least one path\n");
    assertThat(ctl("add", "--format", "car", a.toString(), b.toString()).err())
        .isEqualTo("error : only a single CAR file can be added and wrap-with-directory is not supported\n");
  }

  @Test
  @Order(6)
  void anErrorTheApiAnswersIsPrintedAsIpfsClusterCtlPrintsItWithExitCode2() {
    String unknown = missingContent().toString();
    CommandRun notPinned = ctl("pin", "ls", unknown);
    assertThat(notPinned.code()).isEqualTo(2);
    assertThat(notPinned.out()).isEqualTo("An error occurred:\n  Code: 404\n  Message: no pin for " + unknown
        + " in the pinset\n");
    JsonObject json = new JsonObject(ctl("--enc", "json", "pin", "ls", unknown).out());
    assertThat(json.getInteger("code")).isEqualTo(404);
  }

  @Test
  @Order(6)
  void healthCommandsAndRecoverPrintWhatTheNodeServes() {
    // ipfs gc: ipfsGcPrintsWhatEachPeersDaemonCollected
    assertThat(ok(ctl("health", "graph")).out()).startsWith("digraph cluster {\n").endsWith("}");
    assertThat(ok(ctl("health", "metrics")).lines()).contains("numpin", "ping", "pinqueue", "tag:group");
    assertThat(ok(ctl("health", "metrics", "numpin")).lines()).hasSize(2)
        .allSatisfy(line -> assertThat(line).matches("12D3KooW\\w+ \\| numpin: -?\\d+ \\| Expires in: .+"));
    // both nodes ping: no alert (a line, if one came, would be "<peer>: ping. Expired at: ...")
    assertThat(ok(ctl("health", "alerts")).out()).isEmpty();
    assertThat(ok(ctl("health", "bandwidth")).lines()).singleElement().asString()
        .matches(" +/ferry/circuit: In: .+\\. Out: .+\\. RateIn: [\\d.]+B/s\\. RateOut: [\\d.]+B/s");
    // as IPFS Cluster's RecoverAll, only the pins some peer retried: nothing is in error yet
    assertThat(ok(ctl("recover")).out()).isEmpty();
  }

  @Test
  @Order(7)
  void addOptionsTakeEffect() throws Exception {
    Path big = Files.write(dir.resolve("big.bin"), content(50_000));   // 196 chunks of 256 bytes: past one level
    Path small = Files.write(dir.resolve("small.bin"), content(3000));
    // node1 holds the blocks it adds: its own daemon pins them, with nothing to fetch
    String node1 = nodes.nodes().node(1).peerId().toString();

    // chunker, trickle layout, CIDv1 (raw leaves) and a wrapping directory make the CIDs js-ipfs makes so
    CommandRun wrapped = ok(ctl("--debug", "add", "-q", "-w", "--local", "--layout", "trickle", "-s", "size-256",
        "--cid-version", "1", "--name", "wrapped", "--expire-in", "1h", "--metadata", "team=docs",
        "--allocations", node1, "--rmin", "1", "--rmax", "1", big.toString()));
    List<Cid> expected = ReferenceCids.of(big, Map.of("chunker", "size-256", "trickle", "true", "cid-version", "1",
        "wrap-with-directory", "true"));
    assertThat(wrapped.lines()).containsExactly(expected.get(0).toString(), expected.get(1).toString());
    assertThat(expected.get(0)).isNotEqualTo(ReferenceCids.of(big, Map.of("chunker", "size-256", "cid-version", "1"))
        .get(0));   // trickle is not balanced for this many chunks
    assertThat(wrapped.err()).contains("&local=true&", "&layout=trickle&", "&wrap-with-directory=true&");
    Cid root = expected.get(1);
    wrappedRoot = root;
    JsonObject pin = new JsonObject(ok(ctl("--enc", "json", "pin", "ls", root.toString())).out());
    assertThat(pin.getString("name")).isEqualTo("wrapped");
    assertThat(pin.getJsonObject("metadata").getMap()).isEqualTo(Map.of("team", "docs"));
    assertThat(pin.getJsonArray("user_allocations").getList()).containsExactly(node1);
    assertThat(pin.getJsonArray("allocations").getList()).containsExactly(node1);
    assertThat(Duration.between(OffsetDateTime.now(), OffsetDateTime.parse(pin.getString("expire_at"))))
        .isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
    awaitPinned(root);

    // raw leaves under a CIDv0 root with 1 KiB chunks, not pinned
    Cid loose = Cid.parse(ok(ctl("add", "-Q", "--raw-leaves", "--chunker", "size-1024", "--no-pin",
        small.toString())).out().strip());
    assertThat(loose).isEqualTo(ReferenceCids.of(small, Map.of("chunker", "size-1024", "raw-leaves", "true")).get(0));
    assertThat(loose.version()).isZero();
    assertThat(ctl("pin", "ls", loose.toString()).code()).isEqualTo(2);
    JsonObject peers = statusJson(loose).getJsonObject("peer_map");   // 200, as IPFS Cluster: unpinned everywhere
    assertThat(peers.fieldNames()).hasSize(2)
        .allSatisfy(peer -> assertThat(peers.getJsonObject(peer).getString("status")).isEqualTo("unpinned"));
    // another hash (implies CIDv1): one raw block named by its SHA-512
    byte[] text = ("hashed " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    Path hashed = Files.write(dir.resolve("hashed.txt"), text);
    assertThat(ok(ctl("add", "-q", "--hash", "sha2-512", "--no-pin", hashed.toString())).out())
        .isEqualTo(ReferenceCids.rawSha2512(text) + "\n");

    // a CAR file is imported as it is, its root pinned under the file's name
    Cid carRoot = nodes.content(1, "in a car");
    Path car = Files.write(dir.resolve("one.car"), nodes.daemon(1).exportCar(carRoot.toString()));
    assertThat(ok(ctl("add", "-q", "--format", "car", car.toString())).out()).isEqualTo(carRoot + "\n");
    assertThat(new JsonObject(ok(ctl("--enc", "json", "pin", "ls", carRoot.toString())).out()).getString("name"))
        .isEqualTo("one.car");
    awaitPinned(carRoot);
  }

  @Test
  @Order(8)
  void pinUpdateDirectModeAndWaitLimitTakeEffect() {
    // the wrapped root of addOptionsTakeEffect is allocated to node1 alone: its update goes there too
    Cid from = wrappedRoot;
    Cid to = nodes.content(1, "the update");
    CommandRun updated = ok(ctl("pin", "update", from.toString(), to.toString(), "--name", "updated", "--ns"));
    JsonObject pin = new JsonObject(ok(ctl("--enc", "json", "pin", "ls", to.toString())).out());
    assertThat(updated.out()).startsWith(to + " | updated | PIN | ");
    assertThat(pin.getString("pin_update")).isEqualTo(from.toString());
    assertThat(pin.getJsonArray("allocations").getList()).containsExactly(nodes.nodes().node(1).peerId().toString());
    assertThat(ok(ctl("pin", "ls", from.toString())).out()).startsWith(from + " | wrapped | ");   // it stays
    awaitPinned(to);

    Cid block = nodes.content(1, "pinned directly");
    ok(ctl("pin", "add", block.toString(), "--mode", "direct", "-r", "2", "--wait", "--ns"));
    assertThat(new JsonObject(ok(ctl("--enc", "json", "pin", "ls", block.toString())).out()).getString("mode"))
        .isEqualTo("direct");
    assertThat(nodes.pinnedDirectlyOn(1, block) && nodes.pinnedDirectlyOn(2, block)).as("both daemons pin it "
        + "directly").isTrue();
    assertThat(nodes.pinnedOn(1, block) || nodes.pinnedOn(2, block)).as("recursively").isFalse();

    // a status lists every peer, the one the pin is not allocated to REMOTE; --wait counts the peers that
    // reached PINNED (by default the replication minimum of them), as ipfs-cluster-ctl's WaitFor does
    Cid once = nodes.content(1, "one copy, waited for");
    assertThat(ok(ctl("pin", "add", once.toString(), "--rmin", "1", "--rmax", "1", "--wait", "--wt", "60s")).lines())
        .hasSize(3).satisfiesExactlyInAnyOrder(line -> assertThat(line).startsWith(once.toString()),
            line -> assertThat(line).matches("    > \\S+ +: PINNED \\| .+"),
            line -> assertThat(line).matches("    > \\S+ +: REMOTE \\| .+ \\| Attempts: 0 \\| Priority: false"));
    assertThat(ok(ctl("pin", "add", block.toString(), "--mode", "direct", "-r", "2", "--wait", "--wait-limit", "1"))
        .out()).contains(": PINNED | ");
  }

  @Test
  @Order(9)
  void waitEndsWithThePinErrorOrAfterTheWaitTimeoutWithExitCode62() {
    String slow = missingContent().toString();
    CommandRun timedOut = ctl("pin", "add", slow, "--wait", "--wait-timeout", "2s");
    assertThat(timedOut.code()).isEqualTo(62);
    assertThat(timedOut.err()).isEqualTo("error waiting for pin status: context deadline exceeded\n");

    String failing = missingContent().toString();
    CommandRun failed = ctl("pin", "add", failing, "--replication", "1", "-w");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).isEqualTo("error waiting for pin status: error has occurred while attempting to reach "
        + "status: pinned\n");
    assertThat(ok(ctl("status", failing)).out()).contains(": PIN_ERROR: ");
    // recover retries it: it is listed with its node's status after the retry, as ipfs-cluster-ctl prints it
    List<String> recovered = ok(ctl("recover")).lines();
    int at = recovered.indexOf(failing + ":");
    assertThat(at).as(String.join("\n", recovered)).isNotNegative();
    assertThat(recovered.get(at + 1)).matches("    > \\S+ +: (PIN_QUEUED|PINNING) \\| .+ \\| Attempts: [01] \\| Priority: false");
    assertThat(recovered).noneMatch(line -> line.matches("    > \\S+ +: (PINNED|REMOTE) .*"));
  }

  @Test
  @Order(10)
  void ipfsGcPrintsWhatEachPeersDaemonCollected() {
    Cid garbage = nodes.garbage(2, "collected by ctl");

    CommandRun gc = ok(ctl("ipfs", "gc"));

    // textFormatPrintGlobalRepoGC: per peer (by name), its "  > CIDs:" and one "    - CID" line each
    List<String> lines = gc.lines();
    assertThat(lines).contains(String.format("%-15s", "node1"), String.format("%-15s", "node2"), "  > CIDs:",
        "    - " + garbage);
    assertThat(lines.indexOf("    - " + garbage)).isGreaterThan(lines.indexOf(String.format("%-15s", "node2")));
    assertThat(ok(ctl("ipfs", "gc", "--local")).lines()).startsWith(String.format("%-15s", "node1"), "  > CIDs:");
  }

  @Test
  @Order(11)
  void addRecursiveUploadsADirectoryTreeAndPinsItsRoot() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("tree").resolve("sub"));
    Files.writeString(tree.getParent().resolve("a.txt"), "tree a " + System.nanoTime());
    Files.writeString(tree.resolve("b.txt"), "tree b " + System.nanoTime());
    Files.writeString(tree.getParent().resolve(".hidden"), "hidden " + System.nanoTime());
    String root = tree.getParent().toString();

    // as ipfs-cluster-ctl prints it: each file, then each directory after its contents, the root last
    List<String> lines = ok(ctl("add", "-r", root)).lines();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).matches("added \\w+ tree/a\\.txt");
    assertThat(lines.get(1)).matches("added \\w+ tree/sub/b\\.txt");
    assertThat(lines.get(2)).matches("added \\w+ tree/sub");
    assertThat(lines.get(3)).matches("added \\w+ tree");
    Cid cid = Cid.parse(lines.get(3).split(" ")[1]);
    awaitPinned(cid);
    assertThat(ok(ctl("pin", "ls", cid.toString())).out()).startsWith(cid + " | tree | PIN | ");

    assertThat(ok(ctl("add", "-r", "-Q", root)).out()).isEqualTo(cid + "\n");
    List<String> hidden = ok(ctl("add", "-r", "--hidden", "-q", root)).lines();
    assertThat(hidden).hasSize(5);
    assertThat(hidden.get(4)).isNotEqualTo(cid.toString());
    ok(ctl("pin", "rm", cid.toString()));
    ok(ctl("pin", "rm", hidden.get(4)));
  }

  // ---- ipfs-cluster-ctl's formatters.go, rendered independently of Formats from the format strings ----

  /** textFormatPrintID. */
  private static String idText(JsonObject id) {
    StringBuilder b = new StringBuilder(String.format("%s | %s | Sees %d other peers\n", id.getString("id"),
        id.getString("peername"), id.getJsonArray("cluster_peers").size() - 1));
    b.append("  > Addresses:\n");
    new TreeSet<>(id.getJsonArray("addresses").getList()).forEach(a -> b.append(String.format("    - %s\n", a)));
    JsonObject ipfs = id.getJsonObject("ipfs");
    b.append(String.format("  > IPFS: %s\n", ipfs.getString("id")));
    new TreeSet<>(ipfs.getJsonArray("addresses").getList()).forEach(a -> b.append(String.format("    - %s\n", a)));
    return b.toString();
  }

  /** textFormatPrintGPInfo. */
  private static String statusText(JsonObject info) {
    StringBuilder b = new StringBuilder(info.getString("cid"));
    if (!info.getString("name", "").isEmpty()) {
      b.append(String.format(" | %s", info.getString("name")));
    }
    b.append(":\n");
    JsonObject peers = info.getJsonObject("peer_map");
    for (String k : new TreeSet<>(peers.fieldNames())) {
      JsonObject v = peers.getJsonObject(k);
      String name = v.getString("peername", "").isEmpty() ? k : v.getString("peername");
      b.append(String.format("    > %-20s : %s", name, v.getString("status").toUpperCase()));
      if (!v.getString("error", "").isEmpty()) {
        b.append(String.format(": %s", v.getString("error")));
      }
      // Go's RFC 3339 with nanoseconds: no trailing zeros in the fraction
      b.append(String.format(" | %s", v.getString("timestamp").replaceAll("(\\.\\d*?)0+(?=Z|[+-]\\d\\d:)", "$1")
          .replace(".Z", "Z")));
      b.append(String.format(" | Attempts: %d", v.getInteger("attempt_count")));
      b.append(String.format(" | Priority: %b\n", v.getBoolean("priority_pin")));
    }
    return b.toString();
  }

  /** textFormatPrintPin, for a recursive data pin with no metadata and no expiry. */
  private static String pinText(JsonObject pin) {
    String repl = pin.getInteger("replication_factor_min") == -1 && pin.getInteger("replication_factor_max") == -1
        ? "Repl. Factor: -1 | Allocations: [everywhere]"
        : String.format("Repl. Factor: %d--%d | Allocations: %s", pin.getInteger("replication_factor_min"),
            pin.getInteger("replication_factor_max"),
            "[" + String.join(" ", new TreeSet<>(pin.getJsonArray("allocations").getList())) + "]");
    String added = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(OffsetDateTime.parse(pin.getString(
        "timestamp")));
    return String.format("%s | %s | %s | ", pin.getString("cid"), pin.getString("name"), "PIN") + repl
        + " | Recursive | Metadata: no | Exp: ∞" + String.format(" | Added: %s\n", added);
  }

  private static JsonObject statusJson(Cid cid) {
    return new JsonObject(ok(ctl("--enc", "json", "status", cid.toString())).out());
  }

  /** Objects printed one after the other, each indented over several lines. */
  private static List<JsonObject> jsonObjects(String out) {
    List<JsonObject> objects = new ArrayList<>();
    for (String object : out.split("(?m)(?<=^})\n")) {
      if (!object.isBlank()) {
        objects.add(new JsonObject(object));
      }
    }
    return objects;
  }

  /** Until every peer of {@code cid} reports it pinned (or remote), as ctl's status shows it. */
  private static void awaitPinned(Cid cid) {
    Eventually.await(cid + " to be pinned on its nodes", WAIT, () -> ctl("status", cid.toString()).lines().stream()
        .skip(1).allMatch(l -> l.contains(": PINNED | ") || l.contains(": REMOTE | ")));
  }

  /** {@code n} bytes of new content, unlike any other call's. */
  private static byte[] content(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  /** A CID of random content that no daemon has. */
  private static Cid missingContent() {
    byte[] digest = new byte[32];
    new SecureRandom().nextBytes(digest);
    return Cid.parse("f01551220" + HexFormat.of().formatHex(digest));   // CIDv1, raw, SHA-256
  }

  private static CommandRun ok(CommandRun run) {
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    return run;
  }

  /** {@code ferry ctl --host <node 1> ARGS...}. */
  private static CommandRun ctl(String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--host", host));
    all.addAll(List.of(args));
    return CommandRun.of(all.toArray(String[]::new));
  }
}
