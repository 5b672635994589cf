package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.KuboRpcConnector;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster;
import dev.ferry.testing.TestCluster.JvmCluster;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IPFS proxy of three clustered nodes in this JVM, each with its own real js-ipfs daemon (the
 * daemons connected to each other), called the way a Kubo RPC client calls a daemon. The last test
 * stops node 3's daemon.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IpfsProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String BOUNDARY = "ferry-test-boundary";
  @TempDir
  static Path dir;
  private static final IpfsDaemon[] daemons = new IpfsDaemon[4];
  private static final KuboRpcConnector[] ipfs = new KuboRpcConnector[4];
  private static JvmCluster cluster;

  @BeforeAll
  static void start() {
    List<IpfsDaemon> started = IpfsDaemon.startAll(List.of(dir.resolve("ipfs1"), dir.resolve("ipfs2"), dir.resolve("ipfs3")));
    for (int i = 1; i <= 3; i++) {
      daemons[i] = started.get(i - 1);
    }
    daemons[2].connectTo(daemons[1]);
    daemons[3].connectTo(daemons[1]);
    daemons[3].connectTo(daemons[2]);
    cluster = TestCluster.inJvm(3, i -> new JsonObject().put("ipfs", new JsonObject().put("api",
        daemons[i].api().toString())), i -> Map.of());
    cluster.awaitFullMembership();
    for (int i = 1; i <= 3; i++) {
      ipfs[i] = new KuboRpcConnector(cluster.node(1).vertx(), daemons[i].api());
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    for (IpfsDaemon d : daemons) {
      if (d != null) {
        d.close();
      }
    }
  }

  @Test
  @Order(1)
  void addPinsTheUploadInTheClusterOnItsAllocatedDaemonsOnly() {
    byte[] content = ("added through the proxy " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> added = add(proxy(1), "?replication=2", Map.of("a.txt", content));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    // the daemon's own answer to the same upload (it stores the blocks again, and pins nothing)
    HttpResponse<String> direct = add(daemons[2].api().getPort(), "?pin=false", Map.of("a.txt", content));
    assertThat(added.body()).isEqualTo(direct.body());
    String cid = new JsonObject(added.body().strip()).getString("Hash");

    JsonObject pin = pinService(new JsonObject().put("op", "get").put("cid", cid));
    assertThat(pin.getString("name")).isEqualTo("a.txt");
    List<String> allocations = strings(pin.getJsonArray("allocations").getList());
    assertThat(allocations).hasSize(2);
    for (int i = 1; i <= 3; i++) {
      int n = i;
      if (allocations.contains(cluster.name(i))) {
        Eventually.await("node" + i + "'s daemon to pin " + cid, WAIT, () -> pinnedOn(n, cid));
      }
    }
    for (int i = 1; i <= 3; i++) {
      if (!allocations.contains(cluster.name(i))) {
        assertThat(pinnedOn(i, cid)).as("pinned on node%d, which is not allocated", i).isFalse();
      }
    }
  }

  @Test
  @Order(2)
  void addPinsOnlyTheTopLevelEntriesOfAnUpload() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    String stamp = " " + System.nanoTime();
    files.put("dir/x.txt", ("x" + stamp).getBytes(StandardCharsets.UTF_8));
    files.put("dir/sub/y.txt", ("y" + stamp).getBytes(StandardCharsets.UTF_8));
    files.put("top.txt", ("top" + stamp).getBytes(StandardCharsets.UTF_8));
    Map<String, String> byName = names(add(proxy(2), "", files));
    assertThat(byName).containsKeys("dir", "dir/sub", "dir/x.txt", "dir/sub/y.txt", "top.txt");
    assertThat(isPinned(byName.get("dir"))).isTrue();
    assertThat(isPinned(byName.get("top.txt"))).isTrue();
    assertThat(isPinned(byName.get("dir/sub"))).isFalse();
    assertThat(isPinned(byName.get("dir/x.txt"))).isFalse();

    Map<String, byte[]> wrapped = Map.of("w.txt", ("w" + stamp).getBytes(StandardCharsets.UTF_8));
    Map<String, String> wrappedNames = names(add(proxy(3), "?wrap-with-directory=true", wrapped));
    assertThat(isPinned(wrappedNames.get(""))).as("the wrapping directory").isTrue();
    assertThat(isPinned(wrappedNames.get("w.txt"))).isFalse();
  }

  @Test
  @Order(3)
  void addWithPinFalseOrOnlyHashPinsNothing() {
    String stamp = " " + System.nanoTime();
    String notPinned = names(add(proxy(1), "?pin=false", Map.of("n.txt", ("n" + stamp).getBytes(StandardCharsets.UTF_8))))
        .get("n.txt");
    String hashed = names(add(proxy(1), "?only-hash=true", Map.of("h.txt", ("h" + stamp).getBytes(StandardCharsets.UTF_8))))
        .get("h.txt");
    assertThat(isPinned(notPinned)).isFalse();
    assertThat(isPinned(hashed)).isFalse();
    assertThat(pinnedOn(1, notPinned)).isFalse();
  }

  @Test
  @Order(4)
  void pinCommandsActOnTheClusterPinset() {
    String cid = addedToDaemon1("pinned through the proxy").toString();
    HttpResponse<String> pinned = rpc(proxy(1), "pin/add?arg=" + cid + "&replication=2&name=doc");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    assertThat(new JsonObject(pinned.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid)));

    JsonObject keys = new JsonObject(rpc(proxy(2), "pin/ls").body()).getJsonObject("Keys");
    assertThat(keys.getJsonObject(cid)).isEqualTo(new JsonObject().put("Type", "recursive"));
    assertThat(new JsonObject(rpc(proxy(3), "pin/ls?arg=" + cid + "&names=true").body()))
        .isEqualTo(new JsonObject().put("Keys", new JsonObject().put(cid,
            new JsonObject().put("Type", "recursive").put("Name", "doc"))));
    assertThat(rpc(proxy(3), "pin/ls?stream=true").body().lines().map(JsonObject::new))
        .contains(new JsonObject().put("Type", "recursive").put("Cid", cid));
    assertThat(new JsonObject(rpc(proxy(2), "pin/ls?type=direct").body()).getJsonObject("Keys")).isEmpty();
    Eventually.await("two daemons to pin " + cid, WAIT,
        () -> (pinnedOn(1, cid) ? 1 : 0) + (pinnedOn(2, cid) ? 1 : 0) + (pinnedOn(3, cid) ? 1 : 0) == 2);

    HttpResponse<String> removed = rpc(proxy(3), "pin/rm?arg=" + cid);
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(new JsonObject(removed.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid)));
    HttpResponse<String> gone = rpc(proxy(1), "pin/ls?arg=" + cid);
    assertThat(gone.statusCode()).isEqualTo(500);
    assertThat(new JsonObject(gone.body())).isEqualTo(kuboError("path '" + cid + "' is not pinned", 0));
    Eventually.await("no daemon to pin " + cid, WAIT, () -> !pinnedOn(1, cid) && !pinnedOn(2, cid) && !pinnedOn(3, cid));
  }

  @Test
  @Order(4)
  void aPinWithoutRecursiveIsADirectClusterPinListedAsDirect() {
    String cid = addedToDaemon1("pinned directly through the proxy").toString();
    HttpResponse<String> pinned = rpc(proxy(1), "pin/add?arg=" + cid + "&recursive=false&replication=1");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    assertThat(new JsonObject(pinned.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid)));
    assertThat(pinService(new JsonObject().put("op", "get").put("cid", cid)).getString("mode")).isEqualTo("direct");

    assertThat(new JsonObject(rpc(proxy(2), "pin/ls?type=direct").body()).getJsonObject("Keys").getJsonObject(cid))
        .isEqualTo(new JsonObject().put("Type", "direct"));
    assertThat(new JsonObject(rpc(proxy(2), "pin/ls?type=recursive").body()).getJsonObject("Keys").containsKey(cid))
        .isFalse();
    assertThat(rpc(proxy(3), "pin/ls?arg=" + cid + "&type=recursive").statusCode()).isEqualTo(500);
    Eventually.await("a daemon to pin " + cid + " directly", WAIT, () -> pinnedDirectlyOn(1, cid)
        || pinnedDirectlyOn(2, cid) || pinnedDirectlyOn(3, cid));

    assertThat(rpc(proxy(3), "pin/rm?arg=" + cid).statusCode()).isEqualTo(200);
    Eventually.await("no daemon to pin " + cid, WAIT,
        () -> !pinnedDirectlyOn(1, cid) && !pinnedDirectlyOn(2, cid) && !pinnedDirectlyOn(3, cid));
  }

  @Test
  @Order(4)
  void slashFormsGetPinUpdateAndPutsWithPinActOnTheClusterAsIpfsClusterProxyDoes() {
    String cid = addedToDaemon1("slash form").toString();
    // GET and the argument as the last path segment, as IPFS Cluster's proxy takes them
    HttpResponse<String> pinned = Http.get(proxy(2), "/api/v0/pin/add/" + cid + "?replication=2");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    assertThat(new JsonObject(pinned.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid)));
    assertThat(new JsonObject(Http.get(proxy(3), "/api/v0/pin/ls/" + cid).body()).getJsonObject("Keys")
        .containsKey(cid)).isTrue();
    List<String> allocated = strings(pinService(new JsonObject().put("op", "get").put("cid", cid))
        .getJsonArray("allocations").getList());

    // pin/update acts on the cluster: the new CID where the old one is, then the old one unpinned
    String next = addedToDaemon1("slash form, updated").toString();
    HttpResponse<String> updated = rpc(proxy(1), "pin/update?arg=" + cid + "&arg=" + next);
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    assertThat(new JsonObject(updated.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid, next)));
    JsonObject nextPin = pinService(new JsonObject().put("op", "get").put("cid", next));
    assertThat(strings(nextPin.getJsonArray("allocations").getList())).isEqualTo(allocated);
    assertThat(nextPin.getString("pin_update")).isEqualTo(cid);
    assertThat(isPinned(cid)).isFalse();
    assertThat(Http.send(post(proxy(1), "pin/rm/" + next, HttpRequest.BodyPublishers.noBody())).statusCode())
        .isEqualTo(200);

    // block/put and dag/put with pin=true: stored by the daemon, pinned in the cluster, not on the daemon itself
    HttpResponse<String> put = Http.send(post(proxy(1), "block/put?pin=true&replication=1",
        HttpRequest.BodyPublishers.ofByteArray(multipart(Map.of("b", ("block " + System.nanoTime())
            .getBytes(StandardCharsets.UTF_8))))).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    String blockCid = new JsonObject(put.body().strip()).getString("Key");
    assertThat(isPinned(blockCid)).isTrue();
    HttpResponse<String> dag = Http.send(post(proxy(2), "dag/put?pin=true&replication=1",
        HttpRequest.BodyPublishers.ofByteArray(multipart(Map.of("d", ("{\"at\": " + System.nanoTime() + "}")
            .getBytes(StandardCharsets.UTF_8))))).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY));
    assertThat(dag.statusCode()).as(dag.body()).isEqualTo(200);
    String dagCid = new JsonObject(dag.body().strip()).getJsonObject("Cid").getString("/");
    assertThat(isPinned(dagCid)).isTrue();
    for (String each : List.of(blockCid, dagCid)) {
      assertThat(rpc(proxy(3), "pin/rm?arg=" + each).statusCode()).isEqualTo(200);
    }

    // repo/stat is the sum over the cluster's daemons, as IPFS Cluster's proxy answers it
    JsonObject total = new JsonObject(rpc(proxy(3), "repo/stat").body());
    long storageMax = 0;
    for (int i = 1; i <= 3; i++) {
      storageMax += Long.parseLong(String.valueOf(new JsonObject(rpc(daemons[i].api().getPort(), "repo/stat").body())
          .getValue("StorageMax")));
    }
    assertThat(total.getLong("StorageMax")).isEqualTo(storageMax);
    assertThat(total.getLong("NumObjects")).isPositive();
    assertThat(total.getLong("RepoSize")).isPositive();

    // repo/gc runs on every node's daemon: content left unpinned on daemon 2 is collected through node 1
    Cid loose = Futures.await(ipfs[2].add(Buffer.buffer("loose " + System.nanoTime()), "loose.txt"), WAIT);
    Futures.await(ipfs[2].unpin(loose), WAIT);
    HttpResponse<String> gc = rpc(proxy(1), "repo/gc");
    assertThat(gc.statusCode()).as(gc.body()).isEqualTo(200);
    assertThat(gc.body().lines().map(line -> new JsonObject(line).getJsonObject("Key").getString("/"))
        .map(key -> Cid.parse(key).toString())).contains(loose.toString());
  }

  @Test
  @Order(4)
  void pathsBelowACidAreResolvedByTheDaemonAsIpfsClusterProxyDoes() {
    // a directory on daemon 1, pinned nowhere
    Map<String, String> added = names(add(proxy(1), "?pin=false", Map.of("d/a.txt", ("in a directory "
        + System.nanoTime()).getBytes(StandardCharsets.UTF_8))));
    String fileCid = Cid.parse(added.get("d/a.txt")).toString();
    String dirCid = Cid.parse(added.get("d")).toString();

    HttpResponse<String> pinned = rpc(proxy(1), "pin/add?arg=/ipfs/" + dirCid + "/a.txt&replication=1");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    assertThat(new JsonObject(pinned.body())).isEqualTo(new JsonObject().put("Pins", List.of(fileCid)));
    assertThat(isPinned(fileCid)).isTrue();
    HttpResponse<String> removed = rpc(proxy(2), "pin/rm?arg=" + dirCid + "/a.txt");
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(isPinned(fileCid)).isFalse();

    // an IPNS name published on daemon 1, resolved by it, bare and with a path below it
    String name = daemons[1].publish("/ipfs/" + dirCid);
    HttpResponse<String> named = rpc(proxy(1), "pin/add?arg=/ipns/" + name + "&replication=1");
    assertThat(named.statusCode()).as(named.body()).isEqualTo(200);
    assertThat(new JsonObject(named.body())).isEqualTo(new JsonObject().put("Pins", List.of(dirCid)));
    HttpResponse<String> below = rpc(proxy(1), "pin/add?arg=/ipns/" + name + "/a.txt&replication=1");
    assertThat(below.statusCode()).as(below.body()).isEqualTo(200);
    assertThat(isPinned(fileCid)).isTrue();
    assertThat(rpc(proxy(1), "pin/rm?arg=/ipns/" + name + "/a.txt").statusCode()).isEqualTo(200);
    assertThat(rpc(proxy(1), "pin/rm?arg=/ipns/" + name).statusCode()).isEqualTo(200);
    assertThat(isPinned(dirCid)).isFalse();
  }

  @Test
  @Order(5)
  void forwardedCommandsAnswerAsTheDaemonDoes() {
    int daemon1 = daemons[1].api().getPort();
    assertThat(new JsonObject(rpc(proxy(1), "version").body())).isEqualTo(new JsonObject(rpc(daemon1, "version").body()));
    String id2 = new JsonObject(rpc(daemons[2].api().getPort(), "id").body()).getString("ID");
    assertThat(new JsonObject(rpc(proxy(2), "id").body()).getString("ID")).isEqualTo(id2);

    HttpResponse<String> unknown = rpc(proxy(1), "no/such/command");
    HttpResponse<String> unknownThere = rpc(daemon1, "no/such/command");
    assertThat(unknown.statusCode()).isEqualTo(unknownThere.statusCode()).isGreaterThanOrEqualTo(400);
    assertThat(unknown.body()).isEqualTo(unknownThere.body());
    HttpResponse<String> viaGet = Http.get(proxy(1), "/api/v0/version");
    assertThat(viaGet.statusCode()).isEqualTo(Http.get(daemon1, "/api/v0/version").statusCode()).isEqualTo(405);

    // several MiB each way: both bodies stream through the proxy with backpressure
    byte[] big = new byte[6 * 1024 * 1024 + 17];
    new Random(7).nextBytes(big);
    String cid = names(add(proxy(1), "?pin=false", Map.of("big.bin", big))).get("big.bin");
    HttpResponse<byte[]> cat = Http.sendBytes(post(proxy(1), "cat?arg=" + cid, HttpRequest.BodyPublishers.noBody()));
    assertThat(cat.statusCode()).isEqualTo(200);
    assertThat(cat.body()).isEqualTo(big);
  }

  @Test
  @Order(6)
  void badInputGetsKuboErrorsThatSayWhatIsWrong() {
    assertBadRequest(rpc(proxy(1), "pin/add?arg=QmNotACid"), "not a CID: 'QmNotACid'");
    assertBadRequest(rpc(proxy(2), "pin/ls?arg=bafyNotACid"), "not a CID");
    assertBadRequest(rpc(proxy(3), "pin/rm"), "argument \"ipfs-path\" is required");
    String cid = addedToDaemon1("never pinned").toString();
    assertBadRequest(rpc(proxy(1), "pin/add?arg=" + cid + "&replication=two"), "replication: expected a whole number");
    HttpResponse<String> noSuchPath = rpc(proxy(1), "pin/add?arg=/ipfs/" + cid + "/sub/path");
    assertThat(noSuchPath.statusCode()).as(noSuchPath.body()).isIn(400, 500);
    assertThat(new JsonObject(noSuchPath.body()).getString("Message")).contains("resolve /ipfs/" + cid + "/sub/path");
    assertBadRequest(rpc(proxy(1), "pin/ls?type=sideways"), "invalid type 'sideways'");
    assertBadRequest(add(proxy(1), "?pin=maybe", Map.of("m.txt", new byte[] {1})), "option pin: expected true or false");
    HttpResponse<String> viaDelete = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy(2)
        + "/api/v0/pin/ls")).DELETE());
    assertThat(viaDelete.statusCode()).isEqualTo(405);
    assertThat(new JsonObject(viaDelete.body()).getString("Type")).isEqualTo("error");
    HttpResponse<String> notPinned = rpc(proxy(2), "pin/rm?arg=" + cid);
    assertThat(notPinned.statusCode()).isEqualTo(500);
    assertThat(new JsonObject(notPinned.body())).isEqualTo(kuboError("path '" + cid + "' is not pinned", 0));
  }

  @Test
  @Order(7)
  void anAddTheClusterCannotPinSaysSoInTheStreamErrorTrailer() {
    HttpClient client = cluster.node(1).vertx().createHttpClient();
    try {
      Buffer upload = Buffer.buffer(multipart(Map.of("t.txt", ("t " + System.nanoTime()).getBytes(StandardCharsets.UTF_8))));
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(proxy(1))
          .setURI("/api/v0/add?replication=5").putHeader("Content-Type", "multipart/form-data; boundary=" + BOUNDARY);
      Future<Map.Entry<Integer, MultiMap>> answer = client.request(request)
          .compose(r -> r.send(upload))
          .compose(r -> r.body().map(body -> {
            assertThat(new JsonObject(body.toString().strip()).getString("Name")).isEqualTo("t.txt");
            return Map.entry(r.statusCode(), r.trailers());
          }));
      Map.Entry<Integer, MultiMap> result = Futures.await(answer, WAIT);
      assertThat(result.getKey()).isEqualTo(200);
      assertThat(result.getValue().get("X-Stream-Error"))
          .contains("not pinned in the cluster").contains("replication_min is 5");
    } finally {
      client.close();
    }
  }

  @Test
  @Order(8)
  void aDaemonThatIsDownIsAClearErrorAndTheClusterPinsetStillAnswers() {
    daemons[3].stop();
    HttpResponse<String> id = rpc(proxy(3), "id");
    assertThat(id.statusCode()).isEqualTo(502);
    JsonObject error = new JsonObject(id.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getString("Message")).contains(daemons[3].api().toString()).contains("ipfs.api")
        .contains("start the daemon");
    assertThat(add(proxy(3), "", Map.of("x.txt", new byte[] {1})).statusCode()).isEqualTo(502);
    assertThat(rpc(proxy(3), "pin/ls").statusCode()).isEqualTo(200);
  }

  private static void assertBadRequest(HttpResponse<String> response, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getInteger("Code")).isEqualTo(1);
    assertThat(error.getString("Message")).contains(message);
  }

  private static JsonObject kuboError(String message, int code) {
    return new JsonObject().put("Message", message).put("Code", code).put("Type", "error");
  }

  private static int proxy(int i) {
    return cluster.peer(i).proxyPort().orElseThrow();
  }

  /** A Kubo RPC call without a body: {@code POST /api/v0/<command>}. */
  private static HttpResponse<String> rpc(int port, String command) {
    return Http.send(post(port, command, HttpRequest.BodyPublishers.noBody()));
  }

  /** {@code add} of {@code files} (path to content) as one multipart upload, as Kubo clients send it. */
  private static HttpResponse<String> add(int port, String query, Map<String, byte[]> files) {
    return Http.send(post(port, "add" + query, HttpRequest.BodyPublishers.ofByteArray(multipart(files)))
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY));
  }

  private static HttpRequest.Builder post(int port, String command, HttpRequest.BodyPublisher body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v0/" + command)).POST(body);
  }

  /** One part per file, its path in the file name with '/' escaped, as Kubo's clients write it. */
  private static byte[] multipart(Map<String, byte[]> files) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    files.forEach((path, content) -> {
      body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
          + path.replace("/", "%2F") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
          .getBytes(StandardCharsets.UTF_8));
      body.writeBytes(content);
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    });
    body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  /** The CID of each name in an {@code add} answer. */
  private static Map<String, String> names(HttpResponse<String> added) {
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    Map<String, String> byName = new LinkedHashMap<>();
    added.body().lines().map(JsonObject::new).filter(line -> line.containsKey("Hash"))
        .forEach(line -> byName.put(line.getString("Name"), line.getString("Hash")));
    return byName;
  }

  /** Whether the cluster's pinset holds {@code cid}, asked on the bus. */
  private static boolean isPinned(String cid) {
    Set<String> pinned = Set.copyOf(pinService(new JsonObject().put("op", "list")).getJsonArray("pins").stream()
        .map(p -> ((JsonObject) p).getString("cid")).toList());
    return pinned.contains(Cid.parse(cid).toString());
  }

  /** Content added to daemon 1 and unpinned there again: its blocks stay, no pin says so. */
  private static Cid addedToDaemon1(String text) {
    Cid cid = Futures.await(ipfs[1].add(Buffer.buffer(text + " " + System.nanoTime()), "file.txt"), WAIT);
    Futures.await(ipfs[1].unpin(cid), WAIT);
    return cid;
  }

  private static boolean pinnedOn(int i, String cid) {
    return Futures.await(ipfs[i].pins(), WAIT).contains(Cid.parse(cid));
  }

  private static boolean pinnedDirectlyOn(int i, String cid) {
    Set<Cid> direct = new HashSet<>();
    Futures.await(ipfs[i].pinLsDirect(direct::add), WAIT);
    return direct.contains(Cid.parse(cid));
  }

  private static JsonObject pinService(JsonObject request) {
    return Futures.await(cluster.node(1).vertx().eventBus().<JsonObject>request(Addresses.PIN, request,
        new DeliveryOptions().setSendTimeout(30_000)), WAIT).body();
  }

  private static List<String> strings(List<?> list) {
    return list.stream().map(String::valueOf).toList();
  }
}
