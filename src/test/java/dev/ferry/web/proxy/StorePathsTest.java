package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Http;
import dev.ferry.testing.MultipartBody;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy's {@code cat}, {@code ls} and {@code get} on a node without a daemon take paths below
 * a CID ({@code /ipfs/CID/a/b}), resolved through the embedded store's directories; a name that is
 * not there is an error naming it, and an IPNS name is refused saying it needs a daemon.
 */
@Timeout(120)
class StorePathsTest {
  private static final String BOUNDARY = "store-paths-part";
  private static TestCluster.JvmCluster cluster;
  private static String dir;
  private static byte[] data;

  @BeforeAll
  static void start() {
    cluster = TestCluster.inJvm(1);
    data = new byte[700_000];  // three chunks
    new Random(3).nextBytes(data);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("d/a.txt", "alpha\n".getBytes(StandardCharsets.UTF_8));
    files.put("d/sub/b.bin", data);
    HttpResponse<String> added = post("/api/v0/add?pin=false", files);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    dir = added.body().lines().map(JsonObject::new).filter(line -> line.getString("Name").equals("d"))
        .findFirst().orElseThrow().getString("Hash");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void catReadsAFileByItsPathWithOffsetAndLength() {
    assertThat(call("cat?arg=/ipfs/" + dir + "/sub/b.bin").body()).isEqualTo(data);
    assertThat(call("cat?arg=" + dir + "/a.txt").body()).isEqualTo("alpha\n".getBytes(StandardCharsets.UTF_8));
    assertThat(call("cat?arg=/ipfs/" + dir + "/sub/b.bin&offset=262000&length=1000").body())
        .isEqualTo(Arrays.copyOfRange(data, 262_000, 263_000));
  }

  @Test
  void lsListsTheDirectoryAPathNames() {
    JsonObject object = new JsonObject(new String(call("ls?arg=/ipfs/" + dir + "/sub").body(), StandardCharsets.UTF_8))
        .getJsonArray("Objects").getJsonObject(0);
    assertThat(object.getString("Hash")).isEqualTo("/ipfs/" + dir + "/sub");
    JsonArray links = object.getJsonArray("Links");
    assertThat(links).hasSize(1);
    assertThat(links.getJsonObject(0).getString("Name")).isEqualTo("b.bin");
    assertThat(links.getJsonObject(0).getLong("Size")).isEqualTo(data.length);
  }

  @Test
  void getArchivesTheDirectoryAPathNamesUnderItsName() {
    byte[] tar = call("get?arg=/ipfs/" + dir + "/sub").body();
    assertThat(names(tar)).containsExactly("sub/", "sub/b.bin");
  }

  @Test
  void aNameThatIsNotThereIsAnErrorNamingItAndIpnsNeedsADaemon() {
    HttpResponse<byte[]> missing = call("cat?arg=/ipfs/" + dir + "/sub/nope.txt");
    assertThat(missing.statusCode()).isEqualTo(500);
    assertThat(new JsonObject(new String(missing.body(), StandardCharsets.UTF_8)).getString("Message"))
        .contains("/ipfs/" + dir + "/sub has no entry 'nope.txt'");

    HttpResponse<byte[]> ipns = call("ls?arg=/ipns/example.com");
    assertThat(ipns.statusCode()).isEqualTo(400);
    assertThat(new String(ipns.body(), StandardCharsets.UTF_8)).contains("resolves no IPNS names")
        .contains("ipfs.api");
  }

  /** The entry names of a ustar archive, in order. */
  private static List<String> names(byte[] tar) {
    List<String> names = new ArrayList<>();
    int at = 0;
    while (at + 512 <= tar.length && tar[at] != 0) {
      String name = new String(tar, at, 100, StandardCharsets.UTF_8).replace("\0", "");
      long size = Long.parseLong(new String(tar, at + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
      names.add(name);
      at += 512 + (int) ((size + 511) / 512 * 512);
    }
    return names;
  }

  private static HttpResponse<byte[]> call(String command) {
    return Http.sendBytes(HttpRequest.newBuilder(uri("/api/v0/" + command)).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static HttpResponse<String> post(String path, Map<String, byte[]> files) {
    return Http.send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", MultipartBody.type(BOUNDARY))
        .POST(HttpRequest.BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY, files))));
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + cluster.peer(1).proxyPort().orElseThrow() + path);
  }
}
