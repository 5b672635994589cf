package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.BlockStore;
import dev.ferry.ipfs.store.Car;
import dev.ferry.ipfs.store.DagPb;
import dev.ferry.ipfs.store.UnixFs;
import dev.ferry.security.Passwords;
import dev.ferry.testing.Http;
import dev.ferry.testing.MultipartBody;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trustless gateway on the API port of a node with its embedded store, content added through
 * {@code POST /add}, read as a user of role {@code read}: files (whole, ranges, HEAD), directories
 * by path, raw blocks checked against their CID, CARs that a real js-ipfs daemon imports with the
 * same root and reads the same bytes from, ETags, and bad requests.
 */
@Timeout(180)
class GatewayTest {
  private static final String ADMIN_PW = "gateway admin";
  private static final String READER_PW = "gateway reader";
  private static final int FEW_ITERATIONS = 1000;
  private static final String BOUNDARY = "gateway-test-part";
  /** Four chunks of Kubo's default 256 KiB and a bit: a file of several leaves under one root. */
  private static final int FILE_BYTES = 4 * 262_144 + 1_000;

  @TempDir
  static Path dir;
  private static TestCluster.JvmCluster cluster;
  private static IpfsDaemon jsIpfs;
  private static byte[] content;
  private static String file;
  private static String site;

  @BeforeAll
  static void start() {
    cluster = TestCluster.inJvm(1, i -> users(), i -> Map.of());
    cluster.awaitFullMembership();
    jsIpfs = IpfsDaemon.start(dir);
    content = new byte[FILE_BYTES];
    new Random(16).nextBytes(content);
    file = add(Map.of("big.bin", content)).get("big.bin");
    Map<String, byte[]> tree = new LinkedHashMap<>();
    tree.put("site/notes.txt", "the notes\n".getBytes(StandardCharsets.UTF_8));
    tree.put("site/docs/guide.md", "# guide\n".getBytes(StandardCharsets.UTF_8));
    tree.put("site/docs/data.bin", Arrays.copyOf(content, 300_000));
    tree.put("site/www/index.html", "<html><body>home</body></html>".getBytes(StandardCharsets.UTF_8));
    site = add(tree).get("site");
  }

  @AfterAll
  static void stop() {
    if (jsIpfs != null) {
      jsIpfs.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFileIsServedWholeWithTheImmutableHeadersOfIpfs() {
    HttpResponse<byte[]> answer = get("/ipfs/" + file);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(content);
    assertThat(header(answer, "Cache-Control")).isEqualTo("public, max-age=29030400, immutable");
    assertThat(header(answer, "ETag")).isEqualTo("\"" + file + "\"");
    assertThat(header(answer, "X-Ipfs-Path")).isEqualTo("/ipfs/" + file);
    assertThat(header(answer, "X-Ipfs-Roots")).isEqualTo(file);
    assertThat(header(answer, "X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(header(answer, "Content-Type")).isEqualTo("application/octet-stream");
    assertThat(header(answer, "Content-Length")).isEqualTo(String.valueOf(FILE_BYTES));
    assertThat(header(answer, "Accept-Ranges")).isEqualTo("bytes");
  }

  @Test
  void aCarOfTheFileImportsIntoJsIpfsWithTheSameRootAndTheSameBytes() {
    HttpResponse<byte[]> car = get("/ipfs/" + file + "?format=car");

    assertThat(car.statusCode()).isEqualTo(200);
    assertThat(header(car, "Content-Type")).isEqualTo("application/vnd.ipld.car; version=1; order=dfs; dups=n");
    assertThat(header(car, "Content-Disposition")).isEqualTo("attachment; filename=\"" + file + ".car\"");
    assertThat(jsIpfs.importCar(car.body(), true)).containsExactly(file);
    assertThat(jsIpfs.cat("/ipfs/" + file)).isEqualTo(content);
  }

  @Test
  void aCarOfAPathCarriesTheBlocksThatProveItAndJsIpfsReadsTheFileByThatPath() throws IOException {
    String path = "/ipfs/" + site + "/docs/data.bin";
    HttpResponse<byte[]> car = get(path, "Accept", "application/vnd.ipld.car");

    assertThat(car.statusCode()).isEqualTo(200);
    assertThat(header(car, "Content-Location")).isEqualTo(path + "?format=car");
    List<Cid> blocks = blocksOf(car.body());
    Cid docs = Cid.parse(header(get("/ipfs/" + site + "/docs/"), "X-Ipfs-Roots").split(",")[1]);
    assertThat(blocks.subList(0, 2)).containsExactly(Cid.parse(site), docs);
    assertThat(Car.read(new ByteArrayInputStream(car.body()), (cid, block) -> { })).containsExactly(Cid.parse(site));
    jsIpfs.importCar(car.body(), false);  // not the whole DAG of its root: js-ipfs could not pin it
    assertThat(jsIpfs.cat(path)).isEqualTo(Arrays.copyOf(content, 300_000));

    List<Cid> block = blocksOf(get(path + "?format=car&dag-scope=block").body());
    assertThat(block).hasSize(3).startsWith(Cid.parse(site), docs);
    assertThat(blocks).hasSizeGreaterThan(3);
    assertThat(blocksOf(get(path + "?format=car&dag-scope=entity").body())).isEqualTo(blocks);
  }

  @Test
  void rangesAreServedAsPartialContentAndOneThatStartsPastTheEndIs416() {
    HttpResponse<byte[]> across = get("/ipfs/" + file, "Range", "bytes=262000-262999");
    assertThat(across.statusCode()).isEqualTo(206);
    assertThat(header(across, "Content-Range")).isEqualTo("bytes 262000-262999/" + FILE_BYTES);
    assertThat(across.body()).isEqualTo(Arrays.copyOfRange(content, 262_000, 263_000));

    HttpResponse<byte[]> suffix = get("/ipfs/" + file, "Range", "bytes=-100");
    assertThat(suffix.statusCode()).isEqualTo(206);
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(content, FILE_BYTES - 100, FILE_BYTES));

    HttpResponse<byte[]> open = get("/ipfs/" + file, "Range", "bytes=1000000-");
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(content, 1_000_000, FILE_BYTES));

    HttpResponse<byte[]> past = get("/ipfs/" + file, "Range", "bytes=" + FILE_BYTES + "-");
    assertThat(past.statusCode()).isEqualTo(416);
    assertThat(header(past, "Content-Range")).isEqualTo("bytes */" + FILE_BYTES);
    assertThat(text(past)).contains("has " + FILE_BYTES + " bytes");

    assertThat(get("/ipfs/" + file, "Range", "bytes=0-1,5-6").statusCode()).as("several ranges: the whole file")
        .isEqualTo(200);
  }

  @Test
  void headAnswersTheHeadersWithoutTheBody() {
    HttpResponse<byte[]> head = Http.sendBytes(request("/ipfs/" + file).method("HEAD", BodyPublishers.noBody()));

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Content-Length")).isEqualTo(String.valueOf(FILE_BYTES));
    assertThat(header(head, "ETag")).isEqualTo("\"" + file + "\"");
  }

  @Test
  void theEtagGivesNotModifiedWithoutABody() {
    String etag = header(get("/ipfs/" + file + "?format=raw"), "ETag");

    HttpResponse<byte[]> again = get("/ipfs/" + file + "?format=raw", "If-None-Match", "W/" + etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(get("/ipfs/" + file, "If-None-Match", "\"something else\"").statusCode()).isEqualTo(200);
    assertThat(get("/ipfs/" + file, "If-None-Match", "\"" + file + "\"").statusCode()).isEqualTo(304);
  }

  @Test
  void aRawBlockHashesToItsCid() throws NoSuchAlgorithmException {
    HttpResponse<byte[]> block = get("/ipfs/" + file, "Accept", "application/vnd.ipld.raw");

    assertThat(block.statusCode()).isEqualTo(200);
    assertThat(header(block, "Content-Type")).isEqualTo("application/vnd.ipld.raw");
    assertThat(header(block, "Content-Location")).isEqualTo("/ipfs/" + file + "?format=raw");
    byte[] multihash = Cid.parse(file).multihash();
    assertThat(multihash[0]).as("sha2-256").isEqualTo((byte) 0x12);
    assertThat(MessageDigest.getInstance("SHA-256").digest(block.body()))
        .isEqualTo(Arrays.copyOfRange(multihash, 2, multihash.length));
    assertThat(block.body().length).isLessThan(FILE_BYTES);

    HttpResponse<byte[]> probe = get("/ipfs/bafkqaaa?format=raw");
    assertThat(probe.statusCode()).as("the identity CID a client probes with").isEqualTo(200);
    assertThat(probe.body()).isEmpty();
  }

  @Test
  void pathsLeadThroughDirectories() {
    HttpResponse<byte[]> guide = get("/ipfs/" + site + "/docs/guide.md");
    assertThat(text(guide)).isEqualTo("# guide\n");
    assertThat(header(guide, "X-Ipfs-Roots").split(",")).hasSize(3).startsWith(site);

    HttpResponse<byte[]> notes = get("/ipfs/" + site + "/notes.txt");
    assertThat(header(notes, "Content-Type")).isEqualTo("text/plain; charset=utf-8");

    HttpResponse<byte[]> redirect = get("/ipfs/" + site + "/docs?x=1");
    assertThat(redirect.statusCode()).isEqualTo(301);
    assertThat(header(redirect, "Location")).isEqualTo("/ipfs/" + site + "/docs/?x=1");

    HttpResponse<byte[]> listing = get("/ipfs/" + site + "/docs/");
    assertThat(listing.statusCode()).isEqualTo(200);
    assertThat(header(listing, "Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(text(listing)).contains("href=\"./guide.md\"").contains("href=\"./data.bin\"");
    assertThat(header(listing, "ETag")).startsWith("\"DirIndex-");

    HttpResponse<byte[]> home = get("/ipfs/" + site + "/www/");
    assertThat(text(home)).isEqualTo("<html><body>home</body></html>");
    assertThat(header(home, "Content-Type")).isEqualTo("text/html; charset=utf-8");
  }

  @Test
  void whatIsNotThereIs404NamingIt() {
    HttpResponse<byte[]> missing = get("/ipfs/" + site + "/docs/missing.txt");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(text(missing)).contains("/ipfs/" + site + "/docs has no entry 'missing.txt'");
    assertThat(header(missing, "Cache-Control")).as("an error is not immutable").isNull();

    HttpResponse<byte[]> belowFile = get("/ipfs/" + site + "/notes.txt/more");
    assertThat(belowFile.statusCode()).isEqualTo(404);
    assertThat(text(belowFile)).contains("is a file");

    String elsewhere = jsIpfs.cidOfV0(("not on the node " + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
    HttpResponse<byte[]> absent = get("/ipfs/" + elsewhere);
    assertThat(absent.statusCode()).isEqualTo(404);
    assertThat(text(absent)).contains(elsewhere);
    assertThat(get("/ipfs/" + elsewhere, "Cache-Control", "only-if-cached").statusCode()).isEqualTo(412);
  }

  @Test
  void badRequestsAreRefusedSayingWhatIsWrong() {
    HttpResponse<byte[]> notCid = get("/ipfs/QmNotACid");
    assertThat(notCid.statusCode()).isEqualTo(400);
    assertThat(text(notCid)).contains("not a CID: 'QmNotACid'");
    assertThat(get("/ipfs/").statusCode()).isEqualTo(400);
    assertThat(text(get("/ipfs/" + file + "?format=zip"))).contains("format=zip: unknown format");
    assertThat(get("/ipfs/" + file + "?format=tar").statusCode()).isEqualTo(406);
    assertThat(text(get("/ipfs/" + file + "?format=car&dag-scope=most"))).contains("dag-scope=most");
    assertThat(get("/ipfs/" + file + "?format=car", "Accept", "application/vnd.ipld.car; version=2").statusCode())
        .isEqualTo(406);
    assertThat(get("/ipns/example.com").statusCode()).isEqualTo(501);
  }

  @Test
  void entityBytesGivesTheRootAndExactlyTheLeavesThatHoldTheRangeWhoseBytesAreTheRange() throws IOException {
    // the file: a CIDv0 root over five dag-pb leaves of 256 KiB (the last 1,000 bytes)
    List<Cid> leaves = DagPb.decode(block(file)).links().stream().map(DagPb.Link::hash).toList();
    assertThat(leaves).hasSize(5);
    Cid root = Cid.parse(file);
    String car = "/ipfs/" + file + "?format=car&dag-scope=entity&entity-bytes=";

    HttpResponse<byte[]> middle = get(car + "300000:600000");
    assertThat(middle.statusCode()).as(text(middle)).isEqualTo(200);
    Map<Cid, byte[]> blocks = blocksWithBytes(middle.body());
    assertThat(blocks.keySet()).containsExactly(root, leaves.get(1), leaves.get(2));
    byte[] read = concat(fileBytes(blocks, leaves.get(1)), fileBytes(blocks, leaves.get(2)));
    assertThat(Arrays.copyOfRange(read, 300_000 - 262_144, 600_001 - 262_144))
        .isEqualTo(Arrays.copyOfRange(content, 300_000, 600_001));
    assertThat(header(middle, "ETag")).isEqualTo("\"" + file + ".car.entity.bytes-300000:600000.dups-n\"");

    assertThat(blocksOf(get(car + "0:0").body())).containsExactly(root, leaves.get(0));
    assertThat(blocksOf(get(car + "-1000:*").body())).as("the last 1,000 bytes").containsExactly(root, leaves.get(4));
    assertThat(blocksOf(get(car + "499:-1001").body())).as("to the byte before the last leaf")
        .containsExactly(root, leaves.get(0), leaves.get(1), leaves.get(2), leaves.get(3));
    assertThat(blocksOf(get("/ipfs/" + file + "?format=car&entity-bytes=0:*").body())).as("implies dag-scope=entity")
        .containsExactlyElementsOf(blocksOf(get("/ipfs/" + file + "?format=car").body())).hasSize(6);
    assertThat(blocksOf(get(car + "2000000:*").body())).as("past the end: the root alone").containsExactly(root);
    assertThat(blocksOf(get("/ipfs/" + site + "?format=car&entity-bytes=0:10").body())).as("a directory: ignored")
        .containsExactlyElementsOf(blocksOf(get("/ipfs/" + site + "?format=car&dag-scope=entity").body()));

    for (String bad : new String[] {"abc", "10", "10:5", "1:2:3", "*:10", "1.5:2"}) {
      HttpResponse<byte[]> refused = get(car + bad);
      assertThat(refused.statusCode()).as(bad).isEqualTo(400);
      assertThat(text(refused)).contains("entity-bytes=" + bad);
    }
    assertThat(text(get("/ipfs/" + file + "?format=car&dag-scope=all&entity-bytes=0:9"))).contains("dag-scope=entity");
  }

  @Test
  void theGatewayNeedsCredentialsWhenTheApiHasUsers() {
    HttpResponse<String> anonymous = Http.send(HttpRequest.newBuilder(uri("/ipfs/" + file)).GET());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  // ---- helpers

  private static JsonObject users() {
    return new JsonObject().put("api", new JsonObject().put("users", new JsonObject()
        .put("admin", new JsonObject().put("password", Passwords.hash(ADMIN_PW, FEW_ITERATIONS)).put("role", "admin"))
        .put("reader", new JsonObject().put("password", Passwords.hash(READER_PW, FEW_ITERATIONS))
            .put("role", "read"))));
  }

  /** Adds the files (path to bytes) with {@code POST /add} as the admin; the CID of each top-level name. */
  private static Map<String, String> add(Map<String, byte[]> files) {
    HttpResponse<String> added = Http.send(HttpRequest.newBuilder(uri("/add"))
        .header("Authorization", basic("admin", ADMIN_PW))
        .header("Content-Type", MultipartBody.type(BOUNDARY))
        .POST(BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY, files))));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    Map<String, String> cids = new LinkedHashMap<>();
    added.body().lines().map(JsonObject::new).filter(line -> line.containsKey("cid"))
        .forEach(line -> cids.put(line.getString("name"), line.getString("cid")));
    return cids;
  }

  /** A CAR's blocks by CID, in order, each checked against its CID. */
  private static Map<Cid, byte[]> blocksWithBytes(byte[] car) throws IOException {
    Map<Cid, byte[]> blocks = new LinkedHashMap<>();
    Car.read(new ByteArrayInputStream(car), (cid, block) -> {
      BlockStore.check(cid, block);
      blocks.put(cid, block);
    });
    return blocks;
  }

  /** The block of {@code cid} through the gateway ({@code format=raw}). */
  private static byte[] block(String cid) {
    HttpResponse<byte[]> raw = get("/ipfs/" + cid + "?format=raw");
    assertThat(raw.statusCode()).isEqualTo(200);
    return raw.body();
  }

  /** The file bytes a leaf holds: a raw leaf's block, or a dag-pb leaf's UnixFS data. */
  private static byte[] fileBytes(Map<Cid, byte[]> blocks, Cid leaf) {
    return leaf.codec() == Cid.RAW ? blocks.get(leaf) : UnixFs.decode(DagPb.decode(blocks.get(leaf)).data()).data();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** The CIDs of a CAR's blocks, in order. */
  private static List<Cid> blocksOf(byte[] car) throws IOException {
    List<Cid> cids = new ArrayList<>();
    Car.read(new ByteArrayInputStream(car), (cid, block) -> {
      BlockStore.check(cid, block);
      cids.add(cid);
    });
    return cids;
  }

  private static HttpResponse<byte[]> get(String path, String... headers) {
    HttpRequest.Builder request = request(path).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Http.sendBytes(request);
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).header("Authorization", basic("reader", READER_PW));
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + cluster.apiPort(1) + path);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String header(HttpResponse<?> answer, String name) {
    return answer.headers().firstValue(name).orElse(null);
  }

  private static String text(HttpResponse<byte[]> answer) {
    return new String(answer.body(), StandardCharsets.UTF_8);
  }
}
