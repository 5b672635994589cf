package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy's {@code pin/ls} of the whole pinset, read from the node's replica a page at a time
 * ({@code pin.list_page_size} 2 here, so five pins are three pages): every pin once, in Kubo's
 * {@code Keys} object and as lines.
 */
@Timeout(120)
class PinListingTest {
  private static final int PINS = 5;
  private static TestCluster.JvmCluster cluster;
  private static final List<String> cids = new ArrayList<>();

  @BeforeAll
  static void startNode() throws NoSuchAlgorithmException {
    cluster = TestCluster.inJvm(1, i -> List.of("pin.list_page_size=2"));
    cluster.awaitFullMembership();
    for (int n = 0; n < PINS; n++) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("listed " + n).getBytes(StandardCharsets.UTF_8));
      String cid = Cid.parse("f01551220" + HexFormat.of().formatHex(digest)).toString();   // CIDv1, raw
      HttpResponse<String> pinned = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + cluster.apiPort(1) + "/pins/" + cid + "?name=p" + n)).POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
      cids.add(cid);
    }
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyPinIsListedOnceAcrossPages() {
    JsonObject keys = new JsonObject(proxy("pin/ls?names=true").body()).getJsonObject("Keys");
    assertThat(keys.fieldNames()).containsExactlyInAnyOrderElementsOf(cids);
    assertThat(keys.getJsonObject(cids.get(3))).isEqualTo(new JsonObject().put("Type", "recursive").put("Name", "p3"));

    HttpResponse<String> lines = proxy("pin/ls?stream=true");
    assertThat(lines.headers().firstValue("X-Chunked-Output")).contains("1");
    assertThat(lines.body().lines().map(JsonObject::new).map(line -> line.getString("Cid")))
        .containsExactlyElementsOf(cids.stream().sorted().toList());
  }

  private static HttpResponse<String> proxy(String command) {
    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + cluster.peer(1).proxyPort().orElseThrow() + "/api/v0/" + command)).POST(HttpRequest.BodyPublishers.noBody()));
  }
}
