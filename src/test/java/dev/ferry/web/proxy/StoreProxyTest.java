package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.BlockPut;
import dev.ferry.ipfs.store.BlockStore;
import dev.ferry.ipfs.store.Car;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Http;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with no IPFS daemon ({@code ipfs.api} unset, the default) keeps content in its embedded
 * store: the README's quick start ({@code ferry ctl add FILE} pins it), and the IPFS proxy
 * answering from the store, refusing what needs a Kubo daemon in Kubo's error shape.
 */
@Timeout(120)
class StoreProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startNode() {
    // js-ipfs's sharding rule, for its shard-split-threshold below (Kubo's size, the default, has no parameter)
    cluster = TestCluster.inJvm(1, i -> List.of("ipfs.directory_sharding=count"));
    cluster.awaitFullMembership();
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void ctlAddPinsAFileWithNothingElseInstalled(@TempDir Path dir) throws IOException {
    Path report = Files.writeString(dir.resolve("report.txt"), "quarterly numbers " + System.nanoTime());

    CommandRun added = ctl("add", report.toString());

    assertThat(added.code()).as(added.err()).isZero();
    String cid = added.out().split(" ")[1];   // "added <cid> <name>", as ipfs-cluster-ctl prints it
    assertThat(added.out()).isEqualTo("added " + cid + " report.txt\n");
    assertThat(cid).as("a CIDv0, ctl's default as ipfs-cluster-ctl's (as the README's quick start shows)")
        .startsWith("Qm");
    Eventually.await("the node to pin " + cid + " in its embedded store", WAIT,
        () -> ctl("status", cid).out().contains(" : PINNED | "));
    assertThat(new JsonObject(proxy("/api/v0/pin/ls").body()).getJsonObject("Keys").containsKey(cid)).isTrue();
  }

  @Test
  void theProxyDescribesTheStoreAndRefusesWhatNeedsAKuboDaemon() {
    JsonObject id = new JsonObject(proxy("/api/v0/id").body());
    assertThat(id.getString("ID")).isEqualTo(cluster.node(1).peerId().toString());
    assertThat(id.getString("AgentVersion")).isEqualTo("ferry-embedded/" + Version.current());

    RawHttp.Answer refused = proxy("/api/v0/swarm/peers");
    assertThat(refused.status()).isEqualTo(501);
    JsonObject error = new JsonObject(refused.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getString("Message")).contains("/api/v0/swarm/peers needs a Kubo daemon").contains("ipfs.api");

    RawHttp.Answer name = proxy("/api/v0/block/stat?arg=/ipns/example.org");
    assertThat(name.status()).isEqualTo(400);
    assertThat(new JsonObject(name.body()).getString("Message")).contains("is an IPNS name, and this call takes a CID");
    RawHttp.Answer path = proxy("/api/v0/dag/get?arg=" + Cid.parse("bafkqaaa") + "/Links/0");
    assertThat(path.status()).isEqualTo(400);
    assertThat(new JsonObject(path.body()).getString("Message")).contains("is a path below a CID, and this call takes");
  }

  @Test
  void aMalformedBlockIsRefusedWith400AndNothingIsStored() {
    long before = objects();
    HttpResponse<String> refused = upload("/api/v0/block/put?cid-codec=dag-pb", "not a dag-pb node".getBytes());
    assertKuboError(refused, 400, "malformed dag-pb block");
    assertThat(objects()).as("blocks stored").isEqualTo(before);
  }

  @Test
  void dagCborAndDagJsonBlocksThatDoNotDecodeAreRefusedWith400AndNothingIsStored() {
    long before = objects();
    assertKuboError(upload("/api/v0/block/put?cid-codec=dag-cbor", "not cbor {{{".getBytes()), 400,
        "dag-cbor block", "cut short");
    assertKuboError(upload("/api/v0/dag/put?store-codec=dag-json&input-codec=dag-json", "{\"a\": ".getBytes()), 400,
        "dag-json block", "is not JSON", "line 1");
    assertKuboError(upload("/api/v0/dag/put?store-codec=dag-json&input-codec=dag-json", "{} {}".getBytes()), 400,
        "holds more than one JSON value");
    assertKuboError(upload("/api/v0/block/put?mhlen=5", "raw".getBytes()), 400, "mhlen 5", "32 bytes");
    assertThat(objects()).as("blocks stored").isEqualTo(before);

    HttpResponse<String> stored = upload("/api/v0/dag/put?store-codec=dag-json&input-codec=dag-json",
        "{\"a\": [1, 2]}".getBytes());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(objects()).isEqualTo(before + 1);
  }

  @Test
  void aBlockOver1MiBNeedsAllowBigBlockAndNoneOver2MiBIsTaken() {
    long before = objects();
    byte[] big = new byte[BlockPut.EXCHANGED_BYTES + 1];
    new Random(7).nextBytes(big);
    assertKuboError(upload("/api/v0/block/put", big), 400, "over 1 MiB", "allow-big-block=true");
    assertKuboError(upload("/api/v0/block/put?allow-big-block=true", new byte[BlockPut.MAX_BYTES + 1]), 400,
        "over " + BlockPut.MAX_BYTES + " bytes", "add it as a file");
    assertThat(objects()).as("blocks stored").isEqualTo(before);

    HttpResponse<String> stored = upload("/api/v0/block/put?allow-big-block=true", big);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(new JsonObject(stored.body()).getLong("Size")).isEqualTo(big.length);
  }

  @Test
  void aCarWithABlockThatDoesNotHashToItsCidIsRefusedWith400AndNothingIsStored(@TempDir Path dir) throws IOException {
    byte[] car = car(dir, "honest content " + System.nanoTime());
    car[car.length - 1] ^= 1;  // the last block's last byte: its bytes no longer hash to its CID
    long before = objects();
    HttpResponse<String> refused = upload("/api/v0/dag/import", car);
    assertKuboError(refused, 400, "do not hash to its CID");
    assertThat(objects()).as("blocks stored").isEqualTo(before);
  }

  @Test
  void aTruncatedCarIsRefusedWith400AndNothingIsStoredOrPinned(@TempDir Path dir) throws IOException {
    byte[] car = car(dir, "truncated " + System.nanoTime());
    long before = objects();
    int pins = pins();
    HttpResponse<String> refused = upload("/api/v0/dag/import", Arrays.copyOf(car, car.length - 10));
    assertKuboError(refused, 400, "truncated");
    assertThat(objects()).as("blocks stored").isEqualTo(before);
    assertThat(pins()).as("pins").isEqualTo(pins);
  }

  @Test
  void anAddWithOnlyHashAnswersTheCidAndStoresProtectsAndPinsNothing() throws IOException {
    byte[] content = new byte[600_000];   // three blocks
    new Random(System.nanoTime()).nextBytes(content);
    Cid expected = new Importer(ImportOptions.DEFAULTS, (c, b) -> { }).file("f", new ByteArrayInputStream(content))
        .cid();
    long objects = objects();
    int pins = pins();
    ContentStore store = ContentStore.embedded(cluster.node(1));
    Set<Cid> protectedBefore = Futures.await(store.protectedRoots(), WAIT);

    HttpResponse<String> hashed = upload("/api/v0/add?only-hash=true", content);

    assertThat(hashed.statusCode()).as(hashed.body()).isEqualTo(200);
    assertThat(new JsonObject(hashed.body()).getString("Hash")).isEqualTo(expected.toString());
    assertThat(objects()).as("blocks stored").isEqualTo(objects);
    assertThat(pins()).as("cluster pins").isEqualTo(pins);
    assertThat(Futures.await(store.protectedRoots(), WAIT)).as("roots protected").isEqualTo(protectedBefore);
    RawHttp.Answer missing = proxy("/api/v0/block/stat?arg=" + expected);
    assertThat(missing.status()).as("Kubo answers 500 for a block it lacks").isEqualTo(500);
    assertThat(missing.body()).contains("is not in the block store");
  }

  @Test
  void anUploadThatIsNotMultipartIsRefusedWith400() {
    HttpResponse<String> refused = Http.send(HttpRequest.newBuilder(proxyUri("/api/v0/add"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello")));
    assertKuboError(refused, 400, "expected a multipart/form-data body");
  }

  /** A CAR of a 600 KB file (three blocks) of random bytes seeded by {@code text}, made by ferry's own exporter. */
  private static byte[] car(Path dir, String text) throws IOException {
    BlockStore blocks = BlockStore.open(dir.resolve("store"), Long.MAX_VALUE);
    byte[] content = new byte[600_000];
    new Random(text.hashCode()).nextBytes(content);
    Cid root = new Importer(ImportOptions.DEFAULTS, blocks::put).file("f", new ByteArrayInputStream(content)).cid();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Car.export(blocks, root, out);
    return out.toByteArray();
  }

  @Test
  void catLsAndGetTakeAPathBelowACidThroughAShardedDirectory() {
    // js-ipfs's shard-split-threshold (this node shards by count), low: a directory of three entries is sharded
    HttpResponse<String> added = upload("/api/v0/add?pin=false&shard-split-threshold=3", new String[][] {
        {"docs/a.txt", "alpha"}, {"docs/b.txt", "bravo"}, {"docs/sub/c.txt", "charlie"}});
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    String root = added.body().lines().map(JsonObject::new).filter(l -> l.getString("Name").equals("docs"))
        .findFirst().orElseThrow().getString("Hash");

    assertThat(proxy("/api/v0/cat?arg=/ipfs/" + root + "/b.txt").body()).isEqualTo("bravo");
    assertThat(proxy("/api/v0/cat?arg=" + root + "/sub/c.txt").body()).isEqualTo("charlie");
    JsonObject listed = new JsonObject(proxy("/api/v0/ls?arg=" + root).body()).getJsonArray("Objects").getJsonObject(0);
    assertThat(listed.getString("Hash")).isEqualTo(root);
    assertThat(listed.getJsonArray("Links").stream().map(l -> ((JsonObject) l).getString("Name")))
        .containsExactlyInAnyOrder("a.txt", "b.txt", "sub");
    assertThat(proxy("/api/v0/get?arg=/ipfs/" + root + "/sub").body()).contains("sub/c.txt").contains("charlie");
    RawHttp.Answer missing = proxy("/api/v0/cat?arg=/ipfs/" + root + "/nothing.txt");
    assertThat(missing.status()).as("Kubo answers 500 for a missing link").isEqualTo(500);
    assertThat(missing.body()).contains("the directory /ipfs/" + root + " has no entry 'nothing.txt'");
  }

  @Test
  void trickleAddsGiveTheTrickleCidOnTheProxyAndTheApi() throws IOException {
    byte[] content = new byte[3 * 1024 * 1024 + 5];
    new Random(7).nextBytes(content);
    Cid expected = new Importer(ImportOptions.fromKubo(Map.of("trickle", "true")::get), (c, b) -> { })
        .file("t", new ByteArrayInputStream(content)).cid();   // checked against js-ipfs by TrickleAndShardingTest

    HttpResponse<String> proxied = upload("/api/v0/add?pin=false&trickle=true", content);
    assertThat(proxied.statusCode()).as(proxied.body()).isEqualTo(200);
    assertThat(new JsonObject(proxied.body()).getString("Hash")).isEqualTo(expected.toString());
    for (String query : List.of("?no-pin=true&trickle=true", "?no-pin=true&layout=trickle")) {
      HttpResponse<String> added = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1)
          + "/add" + query)).header("Content-Type", "multipart/form-data; boundary=b").POST(HttpRequest.BodyPublishers
          .ofByteArray(multipart("b", content))));
      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      assertThat(new JsonObject(added.body().lines().findFirst().orElseThrow()).getString("cid")).as(query)
          .isEqualTo(expected.toString());
    }
    HttpResponse<String> contradicting = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + cluster.apiPort(1) + "/add?layout=balanced&trickle=true")).header("Content-Type",
        "multipart/form-data; boundary=b").POST(HttpRequest.BodyPublishers.ofByteArray(multipart("b", content))));
    assertThat(contradicting.statusCode()).isEqualTo(400);
    assertThat(contradicting.body()).contains("trickle: true contradicts layout=balanced");
  }

  private static int pins() {
    return new JsonObject(proxy("/api/v0/pin/ls").body()).getJsonObject("Keys").size();
  }

  private static long objects() {
    return new JsonObject(proxy("/api/v0/repo/stat").body()).getLong("NumObjects");
  }

  private static HttpResponse<String> upload(String path, byte[] file) {
    return upload(path, List.of(Map.entry("f", file)));
  }

  /** Uploads files named by their paths ({@code {path, text}}, percent-encoded as Kubo's clients send them). */
  private static HttpResponse<String> upload(String path, String[][] files) {
    return upload(path, Arrays.stream(files).map(f -> Map.entry(URLEncoder.encode(f[0], StandardCharsets.UTF_8),
        f[1].getBytes(StandardCharsets.UTF_8))).toList());
  }

  private static HttpResponse<String> upload(String path, List<Map.Entry<String, byte[]>> files) {
    String boundary = "ferry-" + System.nanoTime();
    return Http.send(HttpRequest.newBuilder(proxyUri(path))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, files))));
  }

  private static byte[] multipart(String boundary, byte[] file) {
    return multipart(boundary, List.of(Map.entry("f", file)));
  }

  private static byte[] multipart(String boundary, List<Map.Entry<String, byte[]>> files) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> file : files) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
          + file.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(file.getValue());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  private static void assertKuboError(HttpResponse<String> answer, int status, String... named) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    JsonObject error = new JsonObject(answer.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getString("Message")).contains(named);
  }

  private static URI proxyUri(String path) {
    return URI.create("http://127.0.0.1:" + cluster.peer(1).proxyPort().orElseThrow() + path);
  }

  private static RawHttp.Answer proxy(String path) {
    return RawHttp.send(cluster.peer(1).proxyPort().orElseThrow(), "POST", path);
  }

  private static CommandRun ctl(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "ctl";
    all[1] = "--host";
    all[2] = "http://127.0.0.1:" + cluster.apiPort(1);
    System.arraycopy(args, 0, all, 3, args.length);
    return CommandRun.of(all);
  }
}
