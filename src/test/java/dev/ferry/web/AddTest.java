package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.ReferenceCids;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /add} on two clustered nodes, each with its own real js-ipfs daemon: files are added
 * to the daemon of the node asked and pinned on the nodes the cluster allocates them to. The last
 * test stops node 2's daemon.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Small, so a body over it is cheap to send. */
  private static final int MAX_ADD_BYTES = 64 * 1024;
  private static final String BOUNDARY = "test-boundary-7d1";
  @TempDir
  static Path dir;
  private static IpfsCluster nodes;

  @BeforeAll
  static void start() {
    nodes = IpfsCluster.start(dir, 2, i -> new JsonObject().put("api", new JsonObject()
        .put("max_add_bytes", MAX_ADD_BYTES)));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  @Order(1)
  void aFileIsPinnedOnItsAllocatedNodeAndNotKeptOnTheNodeThatAddedIt() {
    String content = "quarterly figures " + System.nanoTime();
    // CIDv1 as the connector's own add makes (IPFS Cluster's default is 0, below)
    HttpResponse<String> response = add(2, "?replication=1&cid-version=1", Map.of("report.txt", content));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonObject> lines = lines(response);
    assertThat(lines).hasSize(1);
    JsonObject added = lines.get(0);
    assertThat(added.fieldNames()).containsExactlyInAnyOrder("name", "cid", "size", "allocations");
    assertThat(added.getString("name")).isEqualTo("report.txt");
    assertThat(added.getLong("size")).isEqualTo(content.length());
    // a fresh cluster: no node holds a pin, so the tie goes to the first name, node1, not the node asked
    assertThat(added.getJsonArray("allocations").getList()).containsExactly(nodes.nodes().node(1).peerId().toString());
    Cid cid = Cid.parse(added.getString("cid"));
    assertThat(cid.version()).isEqualTo(1);
    // the file went to the daemon from its spool file: the daemon saw exactly the bytes uploaded
    assertThat(Futures.await(nodes.ipfs(1).add(Buffer.buffer(content),
        "report.txt"), WAIT)).as("the CID of the same bytes added directly").isEqualTo(cid);

    Eventually.await("node1's daemon to pin it and node2's to drop the pin of its add", WAIT,
        () -> nodes.pinnedOn(1, cid) && !nodes.pinnedOn(2, cid));
    JsonObject pin = new JsonObject(Http.get(nodes.nodes().apiPort(1), "/allocations/" + cid).body());
    assertThat(pin.getString("name")).isEqualTo("report.txt");
  }

  @Test
  @Order(2)
  void severalFilesGetOneLineEachInOrderAndArePinnedEverywhereByDefault() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("a.txt", "first " + System.nanoTime());
    files.put("b.txt", "second, a little longer " + System.nanoTime());

    // CIDv1 with raw leaves: a small file's DAG is its bytes, so its size is the file's
    HttpResponse<String> response = add(1, "?cid-version=1", files);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    List<JsonObject> lines = lines(response);
    assertThat(lines).extracting(l -> l.getString("name")).containsExactly("a.txt", "b.txt");
    assertThat(lines).extracting(l -> l.getLong("size"))
        .containsExactly((long) files.get("a.txt").length(), (long) files.get("b.txt").length());
    assertThat(lines).allSatisfy(l -> assertThat(l.getJsonArray("allocations")).isEmpty());   // every node
    lines.forEach(AddTest::awaitPinnedOnBoth);
  }

  @Test
  @Order(3)
  void aNameInTheQueryNamesThePin() {
    HttpResponse<String> response = add(1, "?name=quarterly%20report&replication=2",
        Map.of("q3.txt", "named " + System.nanoTime()));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject added = lines(response).get(0);
    assertThat(added.getString("name")).isEqualTo("quarterly report");
    JsonObject pin = new JsonObject(Http.get(nodes.nodes().apiPort(2), "/allocations/" + added.getString("cid")).body());
    assertThat(pin.getString("name")).isEqualTo("quarterly report");
    assertThat(pin.getInteger("replication_factor_min")).isEqualTo(2);
    awaitPinnedOnBoth(added);
  }

  @Test
  @Order(4)
  void aBodyWithoutAFileIsABadRequest() {
    String fieldOnly = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nno file here\r\n--"
        + BOUNDARY + "--\r\n";
    assertError(post(1, "", BodyPublishers.ofString(fieldOnly), multipartType()), 400, "bad-request", "no file part");

    HttpResponse<String> json = post(1, "", BodyPublishers.ofString("{\"file\": \"x\"}"), "application/json");
    assertError(json, 400, "bad-request", "expected a multipart/form-data body");
    // before any file came there is no file name to put in front of the message (it began ": expected ...")
    assertThat(new JsonObject(json.body()).getString("message")).startsWith("expected a multipart/form-data body");

    String truncated = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.txt\"\r\n\r\n"
        + "the body ends before its part does";
    HttpResponse<String> response = post(1, "", BodyPublishers.ofString(truncated), multipartType());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("bad-request");

    assertError(add(1, "?replication=most", Map.of("f.txt", "x")), 400, "bad-request", "replication: expected a whole number");
  }

  @Test
  @Order(5)
  void aBodyOverTheLimitIsRefusedWhetherItsLengthIsDeclaredOrNot() {
    byte[] big = multipart(Map.of("big.bin", "x".repeat(MAX_ADD_BYTES + 1)));

    assertError(post(1, "", BodyPublishers.ofByteArray(big), multipartType()), 413, "too-large",
        "at most " + MAX_ADD_BYTES + " bytes (api.max_add_bytes)");
    // chunked: no Content-Length, so the limit is found while reading
    assertError(post(2, "", BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)), multipartType()), 413,
        "too-large", "api.max_add_bytes");

    // the node still serves the next upload
    HttpResponse<String> next = add(1, "", Map.of("small.txt", "after a refused one " + System.nanoTime()));
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    awaitPinnedOnBoth(lines(next).get(0));
  }

  @Test
  @Order(6)
  void ipfsClustersDefaultsGiveACidV0AndStreamChannelsFalseOneJsonArray() {
    String content = "as IPFS Cluster adds it " + System.nanoTime();
    HttpResponse<String> response = add(1, "?stream-channels=false&replication=-1", Map.of("v0.txt", content));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonArray array = new JsonArray(response.body());
    assertThat(array).hasSize(1);
    JsonObject added = array.getJsonObject(0);
    assertThat(added.getString("cid")).startsWith("Qm")
        .isEqualTo(Cid.parse(nodes.daemon(1).cidOfV0(content.getBytes(StandardCharsets.UTF_8))).toString());
    assertThat(added.getLong("size")).isGreaterThan((long) content.length());   // the dag-pb node around the bytes
    awaitPinnedOnBoth(added);
  }

  @Test
  @Order(7)
  void aDirectoryIsAddedByPathsWrappedAndOnlyTheWrapperIsPinned() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("docs/a.txt", "a " + System.nanoTime());
    files.put("docs%2Fb.txt", "b " + System.nanoTime());   // escaped as IPFS Cluster's Go client sends paths
    HttpResponse<String> response = add(2, "?wrap-with-directory=true&cid-version=1&name=site", files);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonObject> lines = lines(response);
    assertThat(lines).extracting(l -> l.getString("name")).containsExactly("docs/a.txt", "docs/b.txt", "docs", "site");
    assertThat(lines.subList(0, 3)).allSatisfy(l -> assertThat(l.containsKey("allocations")).isFalse());
    JsonObject root = lines.get(3);
    assertThat(root.getJsonArray("allocations")).isEmpty();   // every node, the default
    awaitPinnedOnBoth(root);
    assertThat(new JsonObject(Http.get(nodes.nodes().apiPort(1), "/allocations/" + root.getString("cid")).body())
        .getString("name")).isEqualTo("site");
    assertThat(Http.get(nodes.nodes().apiPort(1), "/allocations/" + lines.get(0).getString("cid")).statusCode())
        .isEqualTo(404);
  }

  @Test
  @Order(8)
  void aCarIsImportedAndItsRootPinned() {
    Cid cid = nodes.content(1, "exported as a CAR");
    byte[] car = nodes.daemon(1).exportCar(cid.toString());
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.car\"\r\n"
        + "Content-Type: application/vnd.ipld.car\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(car);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));

    HttpResponse<String> response = post(2, "?format=car&stream-channels=false", BodyPublishers.ofByteArray(
        body.toByteArray()), multipartType());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject added = new JsonArray(response.body()).getJsonObject(0);
    assertThat(added.getString("cid")).isEqualTo(cid.toString());
    assertThat(added.getLong("bytes")).as("the blocks' bytes, as IPFS Cluster answers").isPositive();
    awaitPinnedOnBoth(added);

    // checked before the daemon sees it: a block that does not hash to its CID pins nothing
    Cid damaged = nodes.content(1, "damaged in its CAR");
    byte[] bad = nodes.daemon(1).exportCar(damaged.toString());
    bad[bad.length - 1] ^= 1;
    assertError(post(2, "?format=car", BodyPublishers.ofByteArray(carBody(bad)), multipartType()), 400, "bad-request",
        "x.car: block " + damaged + ": its");
    assertThat(Http.get(nodes.nodes().apiPort(1), "/allocations/" + damaged).statusCode()).isEqualTo(404);
    assertThat(nodes.pinnedOn(2, damaged)).isFalse();
  }

  private static byte[] carBody(byte[] car) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.car\"\r\n"
        + "Content-Type: application/vnd.ipld.car\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(car);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  @Test
  @Order(9)
  void progressLinesComeFirstAndNoPinLeavesThePinsetAlone() {
    String content = "not pinned " + System.nanoTime();
    HttpResponse<String> response = add(1, "?progress=true&no-pin=true", Map.of("p.txt", content));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonObject> lines = lines(response);
    assertThat(lines.get(0)).isEqualTo(new JsonObject().put("name", "p.txt").put("bytes", content.length()));
    assertThat(lines.get(1).containsKey("allocations")).isFalse();
    assertThat(Http.get(nodes.nodes().apiPort(1), "/allocations/" + lines.get(1).getString("cid")).statusCode())
        .isEqualTo(404);

    assertError(add(1, "?format=zip", Map.of("f.txt", "x")), 400, "bad-request", "format: expected unixfs or car");
    assertError(add(1, "?cid-version=2", Map.of("f.txt", "x")), 400, "bad-request", "cid-version: expected 0 or 1");
    assertError(add(1, "?layout=spiral", Map.of("f.txt", "x")), 400, "bad-request", "layout");
    assertError(add(1, "?local=perhaps", Map.of("f.txt", "x")), 400, "bad-request", "local: expected true or false");
    assertError(add(1, "?nocopy=true", Map.of("f.txt", "x")), 501, "not-implemented", "nocopy");
  }

  @Test
  @Order(10)
  void chunkerRawLeavesAndHashReachTheDaemon() throws Exception {
    String text = ("four chunks of 1 KiB, the last one short " + System.nanoTime() + "\n").repeat(70);
    Path file = Files.writeString(dir.resolve("chunked.txt"), text);

    HttpResponse<String> chunked = add(1, "?no-pin=true&cid-version=1&raw-leaves=false&chunker=size-1024",
        Map.of("chunked.txt", text));

    assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
    Cid cid = Cid.parse(lines(chunked).get(0).getString("cid"));
    assertThat(cid).isEqualTo(ReferenceCids.of(file, Map.of("cid-version", "1", "raw-leaves", "false",
        "chunker", "size-1024")).get(0)).isNotEqualTo(ReferenceCids.of(file, Map.of("cid-version", "1")).get(0));

    String small = "hashed with SHA-512 " + System.nanoTime();
    HttpResponse<String> hashed = add(1, "?no-pin=true&hash=sha2-512", Map.of("h.txt", small));
    assertThat(hashed.statusCode()).as(hashed.body()).isEqualTo(200);
    // a hash other than sha2-256 implies CIDv1, and with it raw leaves: the block is the bytes
    assertThat(lines(hashed).get(0).getString("cid"))
        .isEqualTo(ReferenceCids.rawSha2512(small.getBytes(StandardCharsets.UTF_8)).toString());
  }

  @Test
  @Order(11)
  void aNodeWhoseDaemonIsDownAnswers503WithTheConnectorsMessage() {
    nodes.daemon(2).stop();

    HttpResponse<String> response = add(2, "", Map.of("lost.txt", "nobody adds this"));

    assertError(response, 503, "unavailable", "lost.txt: IPFS daemon at " + nodes.daemon(2).api());
    assertThat(new JsonObject(response.body()).getString("message")).contains("start the daemon, or set ipfs.api");
  }

  /**
   * Each test lets its pins settle before the next starts: js-ipfs 0.66 sometimes fails one of two
   * fetches that overlap on a daemon (it reads a block file before its write has finished).
   */
  private static void awaitPinnedOnBoth(JsonObject added) {
    Cid cid = Cid.parse(added.getString("cid"));
    Eventually.await("both daemons to pin " + added.getString("name"), WAIT,
        () -> nodes.pinnedOn(1, cid) && nodes.pinnedOn(2, cid));
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getInteger("code")).isEqualTo(status);
    assertThat(body.getString("error")).isEqualTo(error);
    assertThat(body.getString("message")).contains(message);
  }

  private static HttpResponse<String> add(int node, String query, Map<String, String> files) {
    return post(node, query, BodyPublishers.ofByteArray(multipart(files)), multipartType());
  }

  private static HttpResponse<String> post(int node, String query, BodyPublisher body, String contentType) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.nodes().apiPort(node) + "/add" + query))
        .header("Content-Type", contentType).POST(body));
  }

  private static String multipartType() {
    return "multipart/form-data; boundary=" + BOUNDARY;
  }

  /** One part named "file" per entry: file name to content. */
  private static byte[] multipart(Map<String, String> files) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    files.forEach((name, content) -> body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; "
        + "name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n")
        .getBytes(StandardCharsets.UTF_8)));
    body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  private static List<JsonObject> lines(HttpResponse<String> response) {
    return response.body().lines().map(JsonObject::new).toList();
  }
}
