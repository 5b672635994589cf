package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.peers.PeerId;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API as IPFS Cluster 1.1's Go client decodes it, on two clustered nodes with real js-ipfs
 * daemons: every answer is read with IPFS Cluster's rules (peer IDs parse as libp2p peer IDs,
 * status and pin type strings are IPFS Cluster's, times are RFC 3339, multiaddrs are multiaddrs),
 * and every pin option of its Go client's query does what IPFS Cluster does with it.
 */
@Timeout(300)
class IpfsClusterApiTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** IPFS Cluster's api.TrackerStatus strings. */
  private static final Set<String> STATUSES = Set.of("undefined", "cluster_error", "pin_error", "unpin_error", "pinned",
      "pinning", "unpinning", "unpinned", "remote", "pin_queued", "unpin_queued", "sharded", "unexpectedly_unpinned");
  /** A multiaddr: one or more /protocol/value parts. */
  private static final Pattern MULTIADDR = Pattern.compile("(/[a-z0-9-]+(/[^/]+)?)+");
  private static final String NEVER_PINNED = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  /** A time as Go's time.Time reads it from JSON: RFC 3339 with seconds and a zone (Java's own parser also takes less). */
  private static final Pattern RFC_3339 = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})");
  /** Go's zero time.Time. */
  private static final String NO_TIME = "0001-01-01T00:00:00Z";

  @TempDir
  static Path dir;
  private static IpfsCluster nodes;

  @BeforeAll
  static void start() {
    // expiry looked for often, so an expired pin goes within the test's wait; a pin of content nobody
    // has fails soon (and is not retried by itself within a test), so there is something to recover
    nodes = IpfsCluster.start(dir, 2, i -> new JsonObject().put("pin", new JsonObject()
        .put("expiry_interval_ms", 500).put("pin_timeout_ms", 3_000).put("recover_interval_ms", 600_000)));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void idAndPeersAreIpfsClusterIdObjects() {
    JsonObject id = ok(Http.get(api(1), "/id"));
    decodeId(id);
    assertThat(id.getString("peername")).isEqualTo("node1");
    List<JsonObject> peers = lines(Http.get(api(1), "/peers"));
    assertThat(peers).hasSize(2).allSatisfy(IpfsClusterApiTest::decodeId);
  }

  @Test
  void aPinWithEveryOptionOfTheGoClientIsStoredAndAnsweredAsApiPin() {
    Cid cid = nodes.content(1, "every option " + System.nanoTime());
    // as api.PinOptions.ToQuery writes it, with node2 asked for by name (a peer ID is accepted too)
    String query = "?replication-min=1&replication-max=1&name=doc&mode=recursive&shard-size=0"
        + "&user-allocations=node2&expire-at=2099-01-02T15:04:05Z&meta-owner=ann&meta-project=ferry"
        + "&origins=" + nodes.daemon(1).p2pAddress();
    JsonObject pin = ok(post(1, "/pins/" + cid + query));
    decodePin(pin);
    assertThat(pin.getString("cid")).isEqualTo(cid.toString());
    assertThat(pin.getString("name")).isEqualTo("doc");
    assertThat(pin.getJsonArray("allocations").getList()).containsExactly(peerId(2));
    assertThat(pin.getJsonArray("user_allocations").getList()).containsExactly(peerId(2));
    assertThat(pin.getString("expire_at")).isEqualTo("2099-01-02T15:04:05Z");
    assertThat(pin.getJsonObject("metadata")).isEqualTo(new JsonObject().put("owner", "ann").put("project", "ferry"));
    assertThat(pin.getJsonArray("origins").getList()).containsExactly(nodes.daemon(1).p2pAddress());
    assertThat(ok(Http.get(api(2), "/allocations/" + cid))).isEqualTo(pin);

    Eventually.await("node2 to pin it", WAIT, () -> nodes.pinnedOn(2, cid));
    JsonObject status = ok(Http.get(api(1), "/pins/" + cid));
    decodeGlobalPinInfo(status);
    JsonObject node2 = status.getJsonObject("peer_map").getJsonObject(peerId(2));
    assertThat(node2.getString("peername")).isEqualTo("node2");
    assertThat(node2.getString("status")).isEqualTo("pinned");
    assertThat(node2.getString("ipfs_peer_id")).isEqualTo(Futures.await(nodes.ipfs(2).id(), WAIT).id());
    assertThat(status.getJsonObject("metadata").getString("owner")).isEqualTo("ann");

    // the user allocation is a peer ID now, and pin update lands where the old pin is
    Cid next = nodes.content(1, "the next version " + System.nanoTime());
    JsonObject updated = ok(post(1, "/pins/" + next + "?pin-update=" + cid));
    assertThat(updated.getString("pin_update")).isEqualTo(cid.toString());
    assertThat(updated.getJsonArray("allocations").getList()).containsExactly(peerId(2));
    Eventually.await("node2 to pin the update", WAIT, () -> nodes.pinnedOn(2, next));
    assertThat(ok(post(1, "/pins/" + next + "?user-allocations=" + peerId(1) + "&replication=1"))
        .getJsonArray("allocations").getList()).containsExactly(peerId(1));
    delete(1, "/pins/" + next);
    delete(1, "/pins/" + cid);
  }

  @Test
  void aCidNotInThePinsetIsUnpinnedOnEveryNode() {
    JsonObject status = ok(Http.get(api(2), "/pins/" + NEVER_PINNED));
    decodeGlobalPinInfo(status);
    assertThat(status.getJsonObject("peer_map").fieldNames()).containsExactlyInAnyOrder(peerId(1), peerId(2));
    status.getJsonObject("peer_map").forEach(peer ->
        assertThat(((JsonObject) peer.getValue()).getString("status")).isEqualTo("unpinned"));
    assertThat(ok(Http.get(api(2), "/pins/" + NEVER_PINNED + "?local=true")).getJsonObject("peer_map").fieldNames())
        .containsExactly(peerId(2));
  }

  @Test
  void recoverStatusAndAllocationsTakeIpfsClustersQueryOptions() {
    Cid cid = nodes.content(1, "recovered " + System.nanoTime());
    decodePin(ok(post(2, "/pins/ipfs/" + cid + "?replication=-1")));
    Eventually.await("both nodes to pin it", WAIT, () -> nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid));

    // as IPFS Cluster's RecoverAll: the pins some peer retried, with those peers' statuses alone
    Cid nowhere = nodes.cidOf("content nobody has " + System.nanoTime());
    ok(post(2, "/pins/" + nowhere + "?replication=1&user-allocations=node1"));
    Eventually.await("node1's pin of content nobody has to fail", WAIT, () -> "pin_error".equals(
        ok(Http.get(api(2), "/pins/" + nowhere)).getJsonObject("peer_map").getJsonObject(peerId(1)).getString("status")));
    assertThat(lines(Http.send(request(2, "/pins/recover?local=true").POST(HttpRequest.BodyPublishers.noBody()))))
        .as("node2 has nothing to retry").isEmpty();
    List<JsonObject> recovered = lines(Http.send(request(2, "/pins/recover").POST(HttpRequest.BodyPublishers.noBody())));
    assertThat(recovered).allSatisfy(IpfsClusterApiTest::decodeGlobalPinInfo)
        .extracting(s -> s.getString("cid")).containsExactly(nowhere.toString());
    JsonObject retried = recovered.get(0).getJsonObject("peer_map");
    assertThat(retried.fieldNames()).containsExactly(peerId(1));
    assertThat(retried.getJsonObject(peerId(1)).getString("status")).isIn("pin_queued", "pinning");
    assertThat(retried.getJsonObject(peerId(1)).getInteger("attempt_count")).isLessThanOrEqualTo(1);
    delete(2, "/pins/" + nowhere);
    JsonObject local = ok(Http.send(request(1, "/pins/" + cid + "/recover?local=true")
        .POST(HttpRequest.BodyPublishers.noBody())));
    assertThat(local.getJsonObject("peer_map").fieldNames()).containsExactly(peerId(1));

    List<JsonObject> all = lines(Http.get(api(1), "/pins?filter=pinned,queued&local=true"));
    assertThat(all).allSatisfy(IpfsClusterApiTest::decodeGlobalPinInfo);
    assertThat(lines(Http.get(api(1), "/allocations?filter=pin"))).allSatisfy(IpfsClusterApiTest::decodePin)
        .extracting(p -> p.getString("cid")).contains(cid.toString());
    assertThat(Http.get(api(1), "/allocations?filter=shard-pin,meta-pin").body()).isEmpty();
    assertError(Http.get(api(1), "/allocations?filter=bogus"), 400, "filter: unknown pin type 'bogus'");
    assertThat(Http.get(api(1), "/pins?cids=" + cid + "&an-option-ferry-does-not-know=1").statusCode()).isEqualTo(200);
    delete(2, "/pins/ipfs/" + cid);
  }

  @Test
  void aPathBelowACidIsResolvedByTheDaemon() {
    // a directory on node1's daemon, added through ferry without a cluster pin
    String boundary = "dir-boundary";
    String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
        + "inside a directory " + System.nanoTime() + "\r\n--" + boundary + "--\r\n";
    HttpResponse<String> added = Http.send(request(1, "/add?wrap-with-directory=true&no-pin=true&cid-version=1")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    List<JsonObject> entries = lines(added);
    String file = entries.get(0).getString("cid");
    String directory = entries.get(1).getString("cid");

    JsonObject pin = ok(post(1, "/pins/ipfs/" + directory + "/a.txt?replication=1"));
    decodePin(pin);
    assertThat(pin.getString("cid")).isEqualTo(file);

    // an IPLD path: the daemon walks a DAG-CBOR node's fields to the link at its end
    String node = nodes.daemon(1).dagPut("{\"docs\": {\"latest\": {\"/\": \"" + file + "\"}}, \"n\": 1}");
    assertThat(ok(post(1, "/pins/ipfs/" + node + "/docs/latest?replication=1")).getString("cid")).isEqualTo(file);
    delete(2, "/pins/" + file);

    // an IPNS name, published on node1's daemon (js-ipfs resolves /ipns/<its ID> to zQm..., a CIDv0 in a multibase)
    String v0 = nodes.daemon(1).addFiles(Map.of("v0.txt", ("named " + System.nanoTime()).getBytes()), "pin=false")
        .get(0).getString("Hash");
    String name = nodes.daemon(1).publish("/ipfs/" + v0);
    JsonObject named = ok(post(1, "/pins/ipns/" + name + "?replication=1&name=by-ipns"));
    decodePin(named);
    assertThat(named.getString("cid")).isEqualTo(v0);
    assertThat(ok(Http.send(request(1, "/pins/ipns/" + name).DELETE())).getString("cid")).isEqualTo(v0);
    assertThat(Http.get(api(1), "/allocations/" + v0).statusCode()).isEqualTo(404);
    // and a path below one
    nodes.daemon(1).publish("/ipfs/" + directory);
    assertThat(ok(post(1, "/pins/ipns/" + name + "/a.txt?replication=1")).getString("cid")).isEqualTo(file);
    delete(1, "/pins/ipns/" + name + "/a.txt");
    // js-ipfs resolves no /ipld/ paths (Kubo does): its refusal comes back as an error naming the path
    HttpResponse<String> ipld = post(1, "/pins/ipld/" + node + "/docs/latest");
    assertThat(ipld.statusCode()).as(ipld.body()).isGreaterThanOrEqualTo(400);
    assertThat(new JsonObject(ipld.body()).getString("message")).contains("/ipld/" + node);
  }

  @Test
  void anExpiredPinIsRemoved() {
    Cid cid = nodes.content(1, "short-lived " + System.nanoTime());
    JsonObject pin = ok(post(1, "/pins/" + cid + "?expire-in=1s&replication=1"));
    assertThat(Instant.parse(pin.getString("expire_at"))).isBefore(Instant.now().plusSeconds(2));
    Eventually.await("the expired pin to leave the pinset", WAIT,
        () -> Http.get(api(2), "/allocations/" + cid).statusCode() == 404);
  }

  @Test
  void aRepoGcIsAGlobalRepoGcOfEveryPeer() {
    JsonObject gc = ok(post(2, "/ipfs/gc"));
    JsonObject peers = gc.getJsonObject("peer_map");
    assertThat(peers).hasSize(2);
    for (String peer : peers.fieldNames()) {
      PeerId.parse(peer);
      JsonObject repoGc = peers.getJsonObject(peer);
      assertThat(repoGc.getString("peer")).isEqualTo(peer);
      assertThat(repoGc.getString("peername")).isIn("node1", "node2");
      repoGc.getJsonArray("keys").forEach(key -> Cid.parse(((JsonObject) key).getString("key")));
    }
  }

  @Test
  void bandwidthIsABandwidthByProtocolOfTheCircuitsBytes() {
    Cid cid = nodes.content(1, "bandwidth");
    JsonObject first = ok(Http.get(api(2), "/health/bandwidth"));
    ok(post(2, "/pins/" + cid + "?replication=-1"));
    Eventually.await("node2 to pin it", WAIT, () -> nodes.pinnedOn(2, cid));
    JsonObject second = ok(Http.get(api(2), "/health/bandwidth"));
    for (JsonObject answer : List.of(first, second)) {
      assertThat(answer.fieldNames()).containsExactly("/ferry/circuit");
      JsonObject circuits = answer.getJsonObject("/ferry/circuit");
      assertThat(circuits.getLong("total_in")).isNotNegative();
      assertThat(circuits.getLong("total_out")).isNotNegative();
      assertThat(circuits.getDouble("rate_in")).isNotNegative();
      assertThat(circuits.getDouble("rate_out")).isNotNegative();
    }
    assertThat(second.getJsonObject("/ferry/circuit").getLong("total_in"))
        .isGreaterThanOrEqualTo(first.getJsonObject("/ferry/circuit").getLong("total_in"));
    delete(1, "/pins/" + cid);
  }

  @Test
  void badOptionsAndWhatFerryDoesNotDoAreJsonErrorsSayingSo() {
    assertError(post(1, "/pins/" + NEVER_PINNED + "?replication-min=3&replication-max=2"), 400,
        "replication-min (3) must not exceed replication-max (2)");
    assertError(post(1, "/pins/" + NEVER_PINNED + "?shard-size=1048576"), 400, "sharding is not supported");
    assertError(post(1, "/pins/" + NEVER_PINNED + "?user-allocations=nobody"), 400, "user-allocations: 'nobody'");
    assertError(post(1, "/pins/" + NEVER_PINNED + "?expire-in=soon"), 400, "expire-in");
    assertError(post(1, "/pins/" + NEVER_PINNED + "?mode=deep"), 400, "mode: expected recursive or direct");
    assertError(Http.get(api(1), "/pins/" + NEVER_PINNED + "?local=perhaps"), 400, "local: expected true or false");
    assertError(Http.get(api(1), "/no/such/route"), 404, "");
    assertError(Http.send(request(1, "/pins/" + NEVER_PINNED).PUT(HttpRequest.BodyPublishers.noBody())), 405, "");
  }

  /** An api.ID: peer IDs, multiaddrs, the daemon's peer ID. */
  private static void decodeId(JsonObject id) {
    PeerId.parse(id.getString("id"));
    id.getJsonArray("cluster_peers").forEach(peer -> PeerId.parse((String) peer));
    id.getJsonArray("addresses").forEach(address -> assertThat((String) address).matches(MULTIADDR));
    JsonObject ipfs = id.getJsonObject("ipfs");
    PeerId.parse(ipfs.getString("id"));
    ipfs.getJsonArray("addresses").forEach(address -> assertThat((String) address).matches(MULTIADDR));
    assertThat(id.getString("error")).isEmpty();
  }

  /** An api.Pin. */
  private static void decodePin(JsonObject pin) {
    assertThat(pin.fieldNames()).containsExactlyInAnyOrder("replication_factor_min", "replication_factor_max", "name",
        "mode", "shard_size", "user_allocations", "expire_at", "metadata", "pin_update", "origins", "cid", "type",
        "allocations", "max_depth", "reference", "timestamp");
    Cid.parse(pin.getString("cid"));
    assertThat(pin.getString("type")).isEqualTo("pin");
    assertThat(pin.getString("mode")).isIn("recursive", "direct");
    assertThat(pin.getInteger("max_depth")).isEqualTo(pin.getString("mode").equals("direct") ? 0 : -1);
    assertThat(pin.getLong("shard_size")).isZero();
    pin.getJsonArray("allocations").forEach(peer -> PeerId.parse((String) peer));
    if (pin.getJsonArray("user_allocations") != null) {
      pin.getJsonArray("user_allocations").forEach(peer -> PeerId.parse((String) peer));
    }
    time(pin.getString("expire_at"));
    time(pin.getString("timestamp"));
    multiaddrs(pin, "origins");
    assertThat(pin.getValue("reference")).isNull();
  }

  /** An api.GlobalPinInfo with its PinInfoShorts. */
  private static void decodeGlobalPinInfo(JsonObject status) {
    Cid.parse(status.getString("cid"));
    assertThat(status.getString("name")).isNotNull();
    status.getJsonArray("allocations").forEach(peer -> PeerId.parse((String) peer));
    time(status.getString("created"));
    multiaddrs(status, "origins");
    JsonObject peerMap = status.getJsonObject("peer_map");
    assertThat(peerMap.fieldNames()).isNotEmpty();
    for (Map.Entry<String, Object> entry : peerMap) {
      PeerId.parse(entry.getKey());
      JsonObject info = (JsonObject) entry.getValue();
      assertThat(info.getString("peername")).isIn("node1", "node2");
      assertThat(info.getString("status")).isIn(STATUSES);
      time(info.getString("timestamp"));
      assertThat(info.getString("error")).isNotNull();
      assertThat(info.getInteger("attempt_count")).isNotNegative();
      assertThat(info.getBoolean("priority_pin")).isNotNull();
      if (info.getString("ipfs_peer_id") != null) {
        PeerId.parse(info.getString("ipfs_peer_id"));
      }
    }
  }

  private static void time(String text) {
    assertThat(text).matches(RFC_3339);
    if (!NO_TIME.equals(text)) {
      OffsetDateTime.parse(text);
    }
  }

  /** A []api.Multiaddr: null, or multiaddrs (each ending in a peer ID where it names one). */
  private static void multiaddrs(JsonObject object, String field) {
    if (object.getJsonArray(field) != null) {
      object.getJsonArray(field).forEach(address -> {
        assertThat((String) address).matches(MULTIADDR);
        if (((String) address).contains("/p2p/")) {
          PeerId.parse(((String) address).substring(((String) address).lastIndexOf('/') + 1));
        }
      });
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getInteger("code")).isEqualTo(status);
    assertThat(error.getString("message")).contains(message);
  }

  private static JsonObject ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static List<JsonObject> lines(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body().lines().map(JsonObject::new).toList();
  }

  private static String peerId(int i) {
    return nodes.nodes().node(i).peerId().toString();
  }

  private static int api(int i) {
    return nodes.nodes().apiPort(i);
  }

  private static HttpRequest.Builder request(int node, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api(node) + path));
  }

  private static HttpResponse<String> post(int node, String path) {
    return Http.send(request(node, path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static void delete(int node, String path) {
    assertThat(Http.send(request(node, path).DELETE()).statusCode()).isEqualTo(200);
  }

}
