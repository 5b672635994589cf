package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.JsonOp;
import dev.ferry.raft.RaftClient;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pin service on three clustered nodes in this JVM, run twice: on nodes each with its own real
 * js-ipfs daemon, the daemons connected to each other ({@link PinServiceOnJsIpfsTest}), and on nodes with their
 * embedded stores ({@link PinServiceOnEmbeddedStoresTest}), each of which starts its nodes with {@link #start}. The last test stops a node.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PinServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static IpfsCluster nodes;
  private static JvmCluster cluster;

  static void start(IpfsCluster.Kind kind, Path dir) {
    // short pin timeouts and recovery, so a pin of content nobody has yet fails and is retried quickly;
    // a short grace before the pins of a node that left move, as the last test stops a node and waits for them
    nodes = IpfsCluster.start(kind, dir, 3, i -> new JsonObject().put("pin", new JsonObject()
        .put("pin_timeout_ms", 5_000).put("recover_interval_ms", 1_000).put("list_page_size", 2).put("first_page_size", 1)
        .put("reallocate_after_ms", 1_000)));
    cluster = nodes.nodes();
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
      nodes = null;
    }
  }

  @Test
  @Order(1)
  void aPinIsAllocatedPinnedOnItsNodesAndUnpinnedEverywhere() {
    Cid cid = addedToDaemon1("pinned twice");
    JsonObject pin = pinService(1, new JsonObject().put("op", "pin").put("cid", cid.toString()).put("name", "doc")
        .put("replication_min", 2).put("replication_max", 2));
    List<String> allocations = strings(pin.getJsonArray("allocations").getList());
    assertThat(allocations).hasSize(2);
    assertThat(pin.getString("name")).isEqualTo("doc");

    // asked on another node: every node, both allocated nodes pinned by their own daemons, the other remote
    Eventually.await("both allocated nodes to report pinned", WAIT, () -> {
      JsonObject peers = pinService(3, new JsonObject().put("op", "status").put("cid", cid.toString()))
          .getJsonObject("peer_map");
      return peers.fieldNames().equals(Set.of(cluster.name(1), cluster.name(2), cluster.name(3)))
          && allocations.stream().allMatch(n -> "pinned".equals(peers.getJsonObject(n).getString("status")));
    });
    JsonObject peers = pinService(3, new JsonObject().put("op", "status").put("cid", cid.toString()))
        .getJsonObject("peer_map");
    String other = peers.fieldNames().stream().filter(n -> !allocations.contains(n)).findFirst().orElseThrow();
    assertThat(peers.getJsonObject(other).getString("status")).isEqualTo("remote");
    for (int i = 1; i <= 3; i++) {
      assertThat(pinnedOn(i, cid)).as("pinned on node%d", i).isEqualTo(allocations.contains(cluster.name(i)));
    }

    pinService(2, new JsonObject().put("op", "unpin").put("cid", cid.toString()));
    Eventually.await("no daemon to keep the pin", WAIT, () -> !pinnedOn(1, cid) && !pinnedOn(2, cid) && !pinnedOn(3, cid));
    assertThat(failure(1, new JsonObject().put("op", "get").put("cid", cid.toString())))
        .startsWith(FerryException.NOT_FOUND + ": no pin for " + cid);
  }

  @Test
  @Order(2)
  void badRequestsSayWhatIsWrong() {
    assertThat(failure(1, new JsonObject().put("op", "pin").put("cid", "QmNotACid")))
        .startsWith("bad-request: not a CID: 'QmNotACid'");
    assertThat(failure(2, new JsonObject().put("op", "pin")
        .put("cid", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
        .put("replication_min", 5).put("replication_max", 5)))
        .startsWith("unavailable: replication_min is 5 but only 3 node(s) can take the pin");
    assertThat(failure(3, new JsonObject().put("op", "explode"))).startsWith("bad-request: field op: expected one of");
    assertThat(failure(3, new JsonObject().put("op", "unpin")
        .put("cid", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")))
        .startsWith("not-found: no pin for");
  }

  @Test
  @Order(3)
  void theHttpApiSpeaksIpfsClusterShapes() {
    Cid cid = addedToDaemon1("over http");
    int api = cluster.apiPort(2);
    HttpResponse<String> pinned = post(api, "/pins/" + cid + "?name=web&replication=2");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    JsonObject pin = new JsonObject(pinned.body());
    assertThat(pin.getString("cid")).isEqualTo(cid.toString());
    assertThat(pin.getString("name")).isEqualTo("web");
    assertThat(pin.getInteger("replication_factor_min")).isEqualTo(2);
    assertThat(pin.getInteger("replication_factor_max")).isEqualTo(2);
    assertThat(pin.getJsonArray("allocations")).hasSize(2);
    assertThat(pin.getString("mode")).isEqualTo("recursive");

    // as IPFS Cluster: every peer, the one not allocated the pin remote
    Eventually.await("GET /pins/{cid} to show both nodes pinned", WAIT, () -> {
      JsonObject status = new JsonObject(Http.get(api, "/pins/" + cid).body());
      JsonObject peers = status.getJsonObject("peer_map");
      return peers.size() == 3 && peers.fieldNames().stream().map(n -> peers.getJsonObject(n).getString("status"))
          .sorted().toList().equals(List.of("pinned", "pinned", "remote"));
    });
    String[] lines = Http.get(api, "/pins").body().split("\n");
    assertThat(lines).anySatisfy(line -> assertThat(new JsonObject(line).getString("cid")).isEqualTo(cid.toString()));
    assertThat(new JsonObject(Http.get(api, "/allocations/" + cid).body()).getJsonArray("allocations"))
        .isEqualTo(pin.getJsonArray("allocations"));

    HttpResponse<String> unpinned = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/pins/" + cid))
        .DELETE());
    assertThat(unpinned.statusCode()).as(unpinned.body()).isEqualTo(200);
    HttpResponse<String> gone = Http.get(api, "/allocations/" + cid);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(gone.body()).getString("error")).isEqualTo("not-found");

    HttpResponse<String> badCid = post(api, "/pins/QmNotACid");
    assertThat(badCid.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badCid.body()).getString("message")).contains("not a CID: 'QmNotACid'");
    HttpResponse<String> badReplication = post(api, "/pins/" + cid + "?replication=two");
    assertThat(badReplication.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badReplication.body()).getString("message"))
        .contains("replication: expected a whole number");
  }

  @Test
  @Order(4)
  void aPinWhoseContentAppearsLaterIsRetriedUntilItIsPinned() {
    String text = "appears later " + System.nanoTime();
    Cid cid = nodes.cidOf(text);
    JsonObject pin = pinService(1, new JsonObject().put("op", "pin").put("cid", cid.toString())
        .put("replication_min", 1).put("replication_max", 1));
    String allocated = pin.getJsonArray("allocations").getString(0);
    JsonObject status = new JsonObject().put("op", "status").put("cid", cid.toString());
    Eventually.await("the allocated node to report pin_error", WAIT, () -> "pin_error".equals(
        pinService(2, status).getJsonObject("peer_map").getJsonObject(allocated).getString("status")));

    // the content appears on daemon 1; no recover is asked for
    assertThat(nodes.appears(1, text)).isEqualTo(cid);
    Eventually.await("the allocated node to pin it by itself", WAIT, () -> "pinned".equals(
        pinService(2, status).getJsonObject("peer_map").getJsonObject(allocated).getString("status")));
    assertThat(pinService(3, status).getJsonObject("peer_map").getJsonObject(allocated).getInteger("attempts"))
        .isGreaterThan(1);
    pinService(1, new JsonObject().put("op", "unpin").put("cid", cid.toString()));
  }

  @Test
  @Order(5)
  void pinsAskedForTogetherOnEveryNodeAreAllocatedAlikeOnEveryReplicaAndSpreadEvenly() {
    List<Future<Message<JsonObject>>> asked = new ArrayList<>();
    for (int n = 0; n < 30; n++) {
      asked.add(cluster.node(n % 3 + 1).vertx().eventBus().request(Addresses.PIN, new JsonObject().put("op", "pin")
          .put("cid", PinSetTest.cid(n)).put("replication_min", 1).put("replication_max", 1),
          new DeliveryOptions().setSendTimeout(30_000)));
    }
    long last = 0;
    Map<String, Integer> load = new TreeMap<>();
    for (Future<Message<JsonObject>> answer : asked) {
      JsonObject pin = await(answer).body();
      last = Math.max(last, pin.getLong("index"));
      load.merge(pin.getJsonArray("allocations").getString(0), 1, Integer::sum);
    }
    // each pin was allocated when applied, after the ones before it in the log: 10 on each node
    assertThat(load).containsOnlyKeys(cluster.name(1), cluster.name(2), cluster.name(3));
    assertThat(load.values()).containsOnly(10);
    JsonObject leader = replica(1, last);
    assertThat(leader.getJsonArray("pins")).hasSize(30);
    assertThat(replica(2, last)).isEqualTo(leader);
    assertThat(replica(3, last)).isEqualTo(leader);
    for (int n = 0; n < 30; n++) {
      pinService(n % 3 + 1, new JsonObject().put("op", "unpin").put("cid", PinSetTest.cid(n)));
    }
  }

  /** The pinset as node {@code i}'s own replica holds it once it has applied {@code index}. */
  private static JsonObject replica(int i, long index) {
    return await(RaftClient.forNode(cluster.node(i)).query("pins", new JsonOp(new JsonObject().put("op", "list")),
        Consistency.EVENTUAL, index)).result();
  }

  @Test
  @Order(6)
  void listingsStreamPageByPageFromEachNodesReplicaAndAChangesIndexReadsItEverywhere() {
    List<String> cids = new ArrayList<>();
    long index = 0;
    for (int n = 100; n < 105; n++) {
      cids.add(PinSetTest.cid(n));
      HttpResponse<String> pinned = post(cluster.apiPort(1), "/pins/" + PinSetTest.cid(n) + "?replication=1");
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
      index = Math.max(index, Long.parseLong(pinned.headers().firstValue("X-Ferry-Index").orElseThrow()));
    }
    for (int i = 1; i <= 3; i++) {
      // five pins in a first page of one (pin.first_page_size), then pages of two (pin.list_page_size):
      // every pin once, in CID order
      HttpResponse<String> listed = Http.get(cluster.apiPort(i), "/allocations?min_index=" + index);
      assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
      List<String> lines = listed.body().lines().map(line -> new JsonObject(line).getString("cid")).toList();
      assertThat(lines).as("node%d", i).containsExactlyElementsOf(cids.stream().sorted().toList());
      JsonObject one = new JsonObject(Http.get(cluster.apiPort(i), "/allocations/" + cids.get(0) + "?min_index=" + index)
          .body());
      assertThat(one.getJsonArray("allocations")).hasSize(1);
    }
    JsonObject first = pinService(2, new JsonObject().put("op", "list").put("local", true).put("min_index", index));
    JsonObject second = pinService(2, new JsonObject().put("op", "list").put("local", true).put("min_index", index)
        .put("after", first.getJsonArray("pins").getJsonObject(0).getString("cid")));
    assertThat(first.getJsonArray("pins")).hasSize(1);
    assertThat(second.getJsonArray("pins")).hasSize(2);
    assertThat(second.getBoolean("more")).isTrue();
    HttpResponse<String> bad = Http.get(cluster.apiPort(2), "/allocations?min_index=soon");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("message")).contains("min_index: expected a log index");
    // the read index, asked of a node the pins were not made through, covers them all
    assertThat(pinService(3, new JsonObject().put("op", "read-index")).getLong("index")).isGreaterThanOrEqualTo(index);
    cids.forEach(cid -> pinService(1, new JsonObject().put("op", "unpin").put("cid", cid)));
  }

  /**
   * A read on a node whose replica is behind (the leader holds back its Raft messages to it) first
   * asks for the pinset's read index and answers once its replica has it: with a pin that was made
   * through another node, never the replica's 404 from before.
   */
  @Test
  @Order(6)
  void aReadOnANodeBehindWaitsForThePinsetsReadIndex() {
    String leaderName = await(RaftClient.forNode(cluster.node(1)).status("pins")).leader();
    int leader = List.of(1, 2, 3).stream().filter(i -> cluster.name(i).equals(leaderName)).findFirst().orElseThrow();
    int behind = leader % 3 + 1;
    int via = behind % 3 + 1;
    String cid = PinSetTest.cid(200);
    Firewall firewall = new Firewall(cluster);
    AtomicBoolean askedForIndex = new AtomicBoolean();
    try {
      firewall.dropMessagesTo(leader, Addresses.raftPeer("pins", cluster.name(behind))::equals);
      firewall.intercept(behind, ctx -> {
        if (ctx.body() instanceof JsonObject request && "read-index".equals(request.getString("op"))) {
          askedForIndex.set(true);
        }
        ctx.next();
      });
      HttpResponse<String> pinned = post(cluster.apiPort(via), "/pins/" + cid + "?replication=1");
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);

      CompletableFuture<HttpResponse<String>> read = Http.getAsync(cluster.apiPort(behind), "/allocations/" + cid);
      // the old way answered at once from the replica as it was: a 404
      Eventually.await("node" + behind + " to ask the leader for the read index", WAIT,
          () -> askedForIndex.get() || read.isDone());
      firewall.heal();
      HttpResponse<String> answer = read.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(new JsonObject(answer.body()).getString("cid")).isEqualTo(cid);
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      firewall.heal();
      pinService(via, new JsonObject().put("op", "unpin").put("cid", cid));
    }
  }

  @Test
  @Order(7)
  void statusOfEveryPinStreamsMergedFromEachNodeAndFiltersOnTheServer() {
    List<String> held = List.of(addedToDaemon1("status a").toString(), addedToDaemon1("status b").toString(),
        addedToDaemon1("status c").toString());
    String missing = PinSetTest.cid(200);
    held.forEach(cid -> assertThat(post(cluster.apiPort(1), "/pins/" + cid + "?replication=-1").statusCode()).isEqualTo(200));
    assertThat(post(cluster.apiPort(1), "/pins/" + missing + "?replication=1").statusCode()).isEqualTo(200);
    String ours = "cids=" + String.join(",", held) + "," + missing;
    int api = cluster.apiPort(2);
    // "error" is IPFS Cluster's group of pin_error, unpin_error and cluster_error
    Eventually.await("the three held pins to be pinned everywhere and the missing one to fail", WAIT, () ->
        lines(api, "/pins?filter=pinned&" + ours).size() == 3 && lines(api, "/pins?filter=error&" + ours).stream()
            .map(line -> line.getString("cid")).toList().equals(List.of(missing)));
    List<JsonObject> pinned = lines(api, "/pins?filter=pinned&" + ours);
    assertThat(pinned).extracting(line -> line.getString("cid")).containsExactlyElementsOf(held.stream().sorted().toList());
    pinned.forEach(line -> assertThat(line.getJsonObject("peer_map").fieldNames())
        .containsExactlyInAnyOrder(peerId(1), peerId(2), peerId(3)));

    // the whole pinset in pages of two, each pin once, in CID order, every peer in each peer map (each
    // node streams its statuses once): the missing pin's node in error, the other two remote
    List<JsonObject> every = lines(api, "/pins");
    List<String> all = every.stream().map(line -> line.getString("cid")).toList();
    assertThat(all).containsAll(held).contains(missing).isSorted().doesNotHaveDuplicates();
    assertThat(every).allSatisfy(line -> assertThat(line.getJsonObject("peer_map").fieldNames())
        .containsExactlyInAnyOrder(peerId(1), peerId(2), peerId(3)));
    JsonObject failing = every.stream().filter(line -> line.getString("cid").equals(missing)).findFirst().orElseThrow();
    assertThat(failing.getJsonObject("peer_map").stream().map(e -> ((JsonObject) e.getValue()).getString("status"))
        .sorted().toList()).isIn(List.of("pin_error", "remote", "remote"), List.of("pinning", "remote", "remote"),
            List.of("pin_queued", "remote", "remote"));
    assertThat(every).filteredOn(line -> held.contains(line.getString("cid"))).allSatisfy(line ->
        assertThat(line.getJsonObject("peer_map").stream().map(e -> ((JsonObject) e.getValue()).getString("status")))
            .containsOnly("pinned"));
    // IPFS Cluster's filter keeps the statuses it names: the held pins have no remote peer
    List<JsonObject> remote = lines(api, "/pins?filter=remote");
    assertThat(remote).extracting(line -> line.getString("cid")).contains(missing).doesNotContainAnyElementsOf(held);
    JsonObject remoteOnly = remote.stream().filter(line -> line.getString("cid").equals(missing)).findFirst().orElseThrow();
    assertThat(remoteOnly.getJsonObject("peer_map")).hasSize(2);
    remoteOnly.getJsonObject("peer_map").forEach(e -> {
      JsonObject entry = (JsonObject) e.getValue();
      assertThat(entry.getString("status")).isEqualTo("remote");
      assertThat(entry.getString("timestamp")).as("remote since the pin was made").isEqualTo(remoteOnly.getString("created"));
    });
    for (String query : List.of("/pins?local=true&" + ours, "/pins?local=true")) {
      List<JsonObject> local = lines(api, query);
      assertThat(local).as(query).hasSizeGreaterThanOrEqualTo(4).allSatisfy(line ->
          assertThat(line.getJsonObject("peer_map").fieldNames()).containsExactly(peerId(2)));
    }

    HttpResponse<String> badFilter = Http.get(api, "/pins?filter=pinned,bogus");
    assertThat(badFilter.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badFilter.body()).getString("message")).contains("filter: unknown status 'bogus'");
    assertThat(Http.get(api, "/pins?local=maybe").statusCode()).isEqualTo(400);
    assertThat(Http.get(api, "/pins?cids=QmNotACid").statusCode()).isEqualTo(400);
    held.forEach(cid -> pinService(1, new JsonObject().put("op", "unpin").put("cid", cid)));
    pinService(1, new JsonObject().put("op", "unpin").put("cid", missing));
  }

  /** Node {@code i}'s libp2p peer ID, how the HTTP API names it. */
  private static String peerId(int i) {
    return cluster.node(i).peerId().toString();
  }

  private static List<JsonObject> lines(int api, String path) {
    HttpResponse<String> answer = Http.get(api, path);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return answer.body().lines().map(JsonObject::new).toList();
  }

  @Test
  @Order(8)
  void aDirectPinPinsTheBlockAloneOnItsNodesAndAnUnpinRemovesIt() {
    Cid cid = addedToDaemon1("pinned directly");
    int api = cluster.apiPort(2);
    HttpResponse<String> pinned = post(api, "/pins/" + cid + "?mode=direct&replication=2");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    JsonObject pin = new JsonObject(pinned.body());
    assertThat(pin.getString("mode")).isEqualTo("direct");
    assertThat(pin.getInteger("max_depth")).isZero();
    List<Integer> allocated = allocatedNodes(pin);

    Eventually.await("both allocated nodes to report pinned", WAIT, () -> {
      JsonObject peers = new JsonObject(Http.get(api, "/pins/" + cid).body()).getJsonObject("peer_map");
      return allocated.stream().allMatch(i -> peers.containsKey(peerId(i))
          && "pinned".equals(peers.getJsonObject(peerId(i)).getString("status")));
    });
    for (int i : allocated) {
      assertThat(nodes.pinnedDirectlyOn(i, cid)).as("pinned directly on node%d", i).isTrue();
      assertThat(pinnedOn(i, cid)).as("not recursively on node%d", i).isFalse();
    }
    assertThat(new JsonObject(Http.get(api, "/allocations/" + cid).body()).getString("mode")).isEqualTo("direct");

    HttpResponse<String> unpinned = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/pins/"
        + cid)).DELETE());
    assertThat(unpinned.statusCode()).as(unpinned.body()).isEqualTo(200);
    Eventually.await("no daemon to keep the direct pin", WAIT,
        () -> allocated.stream().noneMatch(i -> nodes.pinnedDirectlyOn(i, cid)));
  }

  @Test
  @Order(9)
  void aPinUpdatePinsTheNewCidWhereTheOldOneIsAndKeepsTheOld() {
    Cid from = addedToDaemon1("version 1");
    Cid to = addedToDaemon1("version 2");
    HttpResponse<String> old = post(cluster.apiPort(1), "/pins/" + from + "?replication=2&name=v1");
    assertThat(old.statusCode()).as(old.body()).isEqualTo(200);
    List<Integer> allocated = allocatedNodes(new JsonObject(old.body()));
    Eventually.await("the old pin on its nodes", WAIT, () -> allocated.stream().allMatch(i -> pinnedOn(i, from)));

    HttpResponse<String> updated = post(cluster.apiPort(3), "/pins/" + to + "?pin-update=" + from + "&name=v2");
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    JsonObject pin = new JsonObject(updated.body());
    assertThat(pin.getString("pin_update")).isEqualTo(from.toString());
    assertThat(allocatedNodes(pin)).isEqualTo(allocated);
    Eventually.await("the new pin on the old one's nodes", WAIT,
        () -> allocated.stream().allMatch(i -> pinnedOn(i, to)));
    assertThat(allocated).allSatisfy(i -> assertThat(pinnedOn(i, from)).as("old pin kept on node%d", i).isTrue());
    pinService(1, new JsonObject().put("op", "unpin").put("cid", from.toString()));
    pinService(1, new JsonObject().put("op", "unpin").put("cid", to.toString()));
  }

  @Test
  @Order(10)
  void aPinWithOriginsFindsContentOnADaemonNoNodeIsConnectedTo(@TempDir Path dir) {
    assumeTrue(nodes.kind() == IpfsCluster.Kind.JS_IPFS, "the embedded store has no libp2p host: origins are "
        + "stored and ignored there (docs/API.md)");
    try (IpfsDaemon outsider = IpfsDaemon.start(dir)) {
      String cid = outsider.addUnpinned(List.of(("from an origin " + System.nanoTime()).getBytes())).get(0);
      HttpResponse<String> pinned = post(cluster.apiPort(1), "/pins/" + cid + "?replication=1&origins="
          + outsider.p2pAddress());
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
      assertThat(new JsonObject(pinned.body()).getJsonArray("origins")).containsExactly(outsider.p2pAddress());
      int allocated = allocatedNodes(new JsonObject(pinned.body())).get(0);
      Eventually.await("the allocated daemon to fetch it from the origin", WAIT,
          () -> pinnedOn(allocated, Cid.parse(cid)));
      pinService(1, new JsonObject().put("op", "unpin").put("cid", cid));
    }
  }

  @Test
  @Order(11)
  void aGarbageCollectionRunsOnEveryNodesDaemonAndKeepsWhatThePinsetPins() {
    Cid kept = addedToDaemon1("kept by the collection");
    assertThat(post(cluster.apiPort(1), "/pins/" + kept + "?replication=-1").statusCode()).isEqualTo(200);
    Eventually.await("every node to pin it", WAIT, () -> pinnedOn(1, kept) && pinnedOn(2, kept) && pinnedOn(3, kept));
    Cid garbage = nodes.garbage(1, "collected");

    HttpResponse<String> collected = post(cluster.apiPort(2), "/ipfs/gc");
    assertThat(collected.statusCode()).as(collected.body()).isEqualTo(200);
    JsonObject peers = new JsonObject(collected.body()).getJsonObject("peer_map");
    assertThat(peers.fieldNames()).containsExactlyInAnyOrder(peerId(1), peerId(2), peerId(3));
    for (int i = 1; i <= 3; i++) {
      JsonObject peer = peers.getJsonObject(peerId(i));
      assertThat(peer.getString("peer")).isEqualTo(peerId(i));
      assertThat(peer.getString("peername")).isEqualTo(cluster.name(i));
      assertThat(peer.containsKey("error")).as(peer.encode()).isFalse();
      assertThat(peer.getJsonArray("keys")).doesNotContain(new JsonObject().put("key", kept.toString()));
    }
    assertThat(peers.getJsonObject(peerId(1)).getJsonArray("keys"))
        .contains(new JsonObject().put("key", garbage.toString()));
    assertThat(pinnedOn(1, kept) && pinnedOn(2, kept) && pinnedOn(3, kept)).as("still pinned everywhere").isTrue();

    HttpResponse<String> local = post(cluster.apiPort(3), "/ipfs/gc?local=true");
    assertThat(local.statusCode()).as(local.body()).isEqualTo(200);
    assertThat(new JsonObject(local.body()).getJsonObject("peer_map").fieldNames()).containsExactly(peerId(3));
    assertThat(post(cluster.apiPort(3), "/ipfs/gc?local=perhaps").statusCode()).isEqualTo(400);
    pinService(1, new JsonObject().put("op", "unpin").put("cid", kept.toString()));
  }

  /** The nodes (by number) a pin in the HTTP API's shape is allocated to. */
  private static List<Integer> allocatedNodes(JsonObject pin) {
    List<String> peerIds = strings(pin.getJsonArray("allocations").getList());
    List<Integer> allocated = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      if (peerIds.contains(peerId(i))) {
        allocated.add(i);
      }
    }
    return allocated;
  }

  @Test
  @Order(20)
  void thePinsOfANodeThatLeavesMoveToALiveNode() {
    Cid cid = addedToDaemon1("moves when a node leaves");
    JsonObject pin = pinService(1, new JsonObject().put("op", "pin").put("cid", cid.toString())
        .put("replication_min", 1).put("replication_max", 2));
    List<String> before = strings(pin.getJsonArray("allocations").getList());
    // stop an allocated node other than node1, which the test talks through
    int leaving = before.contains(cluster.name(2)) ? 2 : 3;
    int survivor = leaving == 2 ? 3 : 2;
    Eventually.await("the pin to be on node" + leaving, WAIT, () -> pinnedOn(leaving, cid));
    cluster.stop(leaving);

    Eventually.await("the pin to move off node" + leaving, WAIT, () -> {
      List<String> now = strings(pinService(1, new JsonObject().put("op", "get").put("cid", cid.toString()))
          .getJsonArray("allocations").getList());
      return !now.contains(cluster.name(leaving)) && now.contains(cluster.name(survivor)) && now.size() == 2;
    });
    Eventually.await("node" + survivor + "'s daemon to pin it", WAIT, () -> pinnedOn(survivor, cid));
  }

  private static HttpResponse<String> post(int port, String path) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static Cid addedToDaemon1(String text) {
    return nodes.content(1, text);
  }

  private static boolean pinnedOn(int i, Cid cid) {
    return nodes.pinnedOn(i, cid);
  }

  private static JsonObject pinService(int i, JsonObject request) {
    return await(cluster.node(i).vertx().eventBus().<JsonObject>request(Addresses.PIN, request,
        new DeliveryOptions().setSendTimeout(30_000))).body();
  }

  private static String failure(int i, JsonObject request) {
    Throwable cause = Futures.cause(cluster.node(i).vertx().eventBus().request(Addresses.PIN, request,
        new DeliveryOptions().setSendTimeout(30_000)), WAIT);
    assertThat(cause).isInstanceOf(ReplyException.class);
    return cause.getMessage();
  }

  private static List<String> strings(List<?> list) {
    return list.stream().map(String::valueOf).toList();
  }

  private static <T> T await(Future<T> future) {
    return Futures.await(future, WAIT);
  }
}
