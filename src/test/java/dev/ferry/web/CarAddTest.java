package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Varint;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import dev.ferry.testing.IpfsDaemon;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /add?format=car} on three nodes with their embedded stores: a CAR that a real
 * js-ipfs daemon exports ({@code dag/export}) is imported with the daemon's root, pinned on the
 * nodes the cluster allocates and read back through ferry; a CAR with a block that does not hash
 * to its CID, or with no root or two, is a 400 naming the problem, and nothing of it is pinned.
 */
@Timeout(300)
class CarAddTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String BOUNDARY = "car-add-boundary-51c";
  /** The daemon's chunks, small so a test file has several leaves. */
  private static final int CHUNK = 64 * 1024;
  @TempDir
  static Path dir;
  private static IpfsDaemon jsIpfs;
  private static IpfsCluster nodes;

  @BeforeAll
  static void start() {
    jsIpfs = IpfsDaemon.start(dir.resolve("js-ipfs"));
    nodes = IpfsCluster.embedded(3, i -> new JsonObject());
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
    if (jsIpfs != null) {
      jsIpfs.close();
    }
  }

  @Test
  void aCarExportedByJsIpfsKeepsItsRootIsPinnedOnTheAllocatedNodesAndReadsBack() {
    byte[] content = random(5 * CHUNK + 123, 1);  // six leaves under a CIDv0 root
    String root = jsIpfs.addFiles(Map.of("report.bin", content), "chunker=size-" + CHUNK).get(0).getString("Hash");
    byte[] car = jsIpfs.exportCar(root);

    HttpResponse<String> response = addCar(3, "?replication=2", car);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> lines = response.body().lines().toList();
    assertThat(lines).hasSize(1);
    JsonObject added = new JsonObject(lines.get(0));
    assertThat(added.fieldNames()).containsExactlyInAnyOrder("name", "cid", "bytes", "size", "allocations");
    assertThat(added.getString("cid")).isEqualTo(root).startsWith("Qm");
    assertThat(added.getString("name")).isEqualTo("report.car");
    assertThat(added.getLong("size")).as("the root's file size, as IPFS Cluster answers").isEqualTo(content.length);
    assertThat(added.getLong("bytes")).as("the blocks' bytes").isGreaterThan(content.length);
    List<Object> allocations = added.getJsonArray("allocations").getList();
    assertThat(allocations).hasSize(2);

    Cid cid = Cid.parse(root);
    assertThat(Futures.await(store(3).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    for (int node = 1; node <= 3; node++) {
      if (allocations.contains(nodes.nodes().node(node).key().peerId().toString())) {
        int allocated = node;
        Eventually.await(nodes.nodes().name(allocated) + " to pin " + root, WAIT, () -> nodes.pinnedOn(allocated, cid));
        assertThat(Futures.await(store(allocated).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
      }
    }
  }

  @Test
  void aCarWithABlockThatDoesNotHashToItsCidIsRefusedAndNothingIsPinned() {
    byte[] content = random(3 * CHUNK, 2);
    String root = jsIpfs.addFiles(Map.of("damaged.bin", content), "chunker=size-" + CHUNK).get(0).getString("Hash");
    byte[] car = jsIpfs.exportCar(root);
    car[car.length - 1] ^= 1;  // the last byte of the last block

    HttpResponse<String> response = addCar(1, "", car);

    assertError(response, "do not hash to its CID");
    assertNothingPinned(root);
    assertThat(Futures.cause(store(1).block(Cid.parse(root)), WAIT)).as("not even the good blocks are stored")
        .hasMessageContaining("is not in the block store");
  }

  @Test
  void aCarWithNoRootOrSeveralIsRefusedNamingThemAndNothingIsPinned() {
    String first = jsIpfs.addFiles(Map.of("a.txt", random(100, 3)), "").get(0).getString("Hash");
    String second = jsIpfs.addFiles(Map.of("b.txt", random(100, 4)), "").get(0).getString("Hash");
    byte[] blocks = withoutHeader(jsIpfs.exportCar(first));

    assertError(addCar(2, "", withHeader(List.of(), blocks)), "it has none");
    assertError(addCar(2, "", withHeader(List.of(first, second), blocks)), "it has 2 (" + first + ", " + second + ")");
    assertNothingPinned(first);
    assertError(addCar(2, "?wrap-with-directory=true", jsIpfs.exportCar(first)), "cannot be wrapped");
    assertError(addCar(2, "", "not a car at all".getBytes(StandardCharsets.UTF_8)), "report.car: ");
  }

  private static void assertError(HttpResponse<String> response, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("error")).isEqualTo("bad-request");
    assertThat(body.getString("message")).contains(message);
  }

  private static void assertNothingPinned(String root) {
    assertThat(Http.get(nodes.nodes().apiPort(1), "/allocations/" + root).statusCode()).isEqualTo(404);
    for (int node = 1; node <= 3; node++) {
      assertThat(nodes.pinnedOn(node, Cid.parse(root))).isFalse();
    }
  }

  private static ContentStore store(int node) {
    return ContentStore.embedded(nodes.nodes().node(node));
  }

  private static HttpResponse<String> addCar(int node, String query, byte[] car) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.car\"\r\n"
        + "Content-Type: application/vnd.ipld.car\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(car);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    String sep = query.isEmpty() ? "?" : "&";
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.nodes().apiPort(node) + "/add"
            + query + sep + "format=car&stream-channels=true"))
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(BodyPublishers.ofByteArray(body.toByteArray())));
  }

  /** The sections after a CAR's header. */
  private static byte[] withoutHeader(byte[] car) {
    int at = 0;
    long length = 0;
    for (int shift = 0; ; shift += 7) {
      int b = car[at++] & 0xff;
      length |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    return Arrays.copyOfRange(car, at + (int) length, car.length);
  }

  /** A CARv1 header naming {@code roots} (DAG-CBOR, written out by hand), then {@code sections}. */
  private static byte[] withHeader(List<String> roots, byte[] sections) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    header.write(0xa2);  // a map of two
    header.write(0x65);
    header.writeBytes("roots".getBytes(StandardCharsets.US_ASCII));
    header.write(0x80 | roots.size());  // an array (fewer than 24)
    for (String root : roots) {
      byte[] cid = Cid.parse(root).toBytes();
      header.write(0xd8);  // tag 42
      header.write(42);
      header.write(0x58);  // bytes, one-byte length
      header.write(cid.length + 1);
      header.write(0);  // the identity multibase prefix
      header.writeBytes(cid);
    }
    header.write(0x67);
    header.writeBytes("version".getBytes(StandardCharsets.US_ASCII));
    header.write(1);
    ByteArrayOutputStream car = new ByteArrayOutputStream();
    car.writeBytes(Varint.encode(header.size()));
    car.writeBytes(header.toByteArray());
    car.writeBytes(sections);
    return car.toByteArray();
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
