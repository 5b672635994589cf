package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input to the HTTP API and the IPFS proxy of a real node in this JVM: each is answered with a
 * 4xx (or, for a read that cannot be served in time, a 504) whose JSON says what was wrong and
 * where, never a 500, and nothing is silently changed on the way in.
 */
@Timeout(120)
class BadInputTest {
  private static final String CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  private static final int MAX_OP_BYTES = 65536;
  private static final int PROXY_MAX_URL_BYTES = 2048;
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.inJvm(1, i -> List.of("raft.request_timeout_ms=2000", "raft.max_op_bytes=" + MAX_OP_BYTES,
        "pin.replication_min=1", "pin.replication_max=1", "proxy.max_url_bytes=" + PROXY_MAX_URL_BYTES));
    Eventually.await("the kv group to take writes", Duration.ofSeconds(30),
        () -> put("/kv/ready", "text/plain", "yes").statusCode() == 200);
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aKvValueSentAsAFormIsStoredAsItIsUpToTheOpLimit() {
    // curl --data @file sends application/x-www-form-urlencoded; the body is the value all the same
    String value = "a=1&b=%ZZ+c " + "x".repeat(20_000);
    HttpResponse<String> stored = put("/kv/form", "application/x-www-form-urlencoded", value);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    JsonObject read = new JsonObject(Http.get(port(), "/kv/form").body());
    assertThat(read.getString("value")).isEqualTo(value);

    HttpResponse<String> tooLarge = put("/kv/form", "application/x-www-form-urlencoded", "y".repeat(MAX_OP_BYTES + 1));
    assertError(tooLarge.statusCode(), tooLarge.body(), 413, "too-large", "raft.max_op_bytes");
    // a value that is not UTF-8 is refused rather than stored with U+FFFD in it
    var notText = Http.send(HttpRequest.newBuilder(api("/kv/form"))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'a', (byte) 0xff})));
    assertError(notText.statusCode(), notText.body(), 400, "bad-request", "UTF-8", "offset 1");
    assertThat(new JsonObject(Http.get(port(), "/kv/form").body()).getString("value")).isEqualTo(value);
  }

  @Test
  void malformedPercentEscapesAreBadRequestsNamingTheParameter() {
    RawHttp.Answer prefix = RawHttp.send(port(), "GET", "/kv?prefix=%ZZ");
    assertError(prefix.status(), prefix.body(), 400, "bad-request", "prefix", "%ZZ");
    RawHttp.Answer name = RawHttp.send(port(), "POST", "/pins/" + CID + "?name=%ZZ");
    assertError(name.status(), name.body(), 400, "bad-request", "name", "%ZZ");
    RawHttp.Answer key = RawHttp.send(port(), "GET", "/kv/a%Z");
    assertError(key.status(), key.body(), 400, "bad-request", "path", "%Z");
    RawHttp.Answer anyRoute = RawHttp.send(port(), "GET", "/id?x=%G1");
    assertError(anyRoute.status(), anyRoute.body(), 400, "bad-request", "x", "%G1");

    RawHttp.Answer proxied = RawHttp.send(proxyPort(), "POST", "/api/v0/pin/add?arg=" + CID + "&name=%ZZ");
    assertKuboError(proxied, 400, "name", "%ZZ");
  }

  @Test
  void keysThatAreNotUtf8AreRefusedInsteadOfReplaced() {
    HttpResponse<String> ff = put("/kv/%FF", "text/plain", "one");
    assertError(ff.statusCode(), ff.body(), 400, "bad-request", "UTF-8", "%FF");
    HttpResponse<String> fe = put("/kv/%FE", "text/plain", "two");
    assertError(fe.statusCode(), fe.body(), 400, "bad-request", "UTF-8", "%FE");
    var listed = Http.get(port(), "/kv?prefix=%C3");
    assertError(listed.statusCode(), listed.body(), 400, "bad-request", "prefix", "UTF-8");
    // nothing was stored under the replacement character either
    assertThat(Http.get(port(), "/kv/%EF%BF%BD").statusCode()).isEqualTo(404);
    // escaped UTF-8 keys work
    assertThat(put("/kv/caf%C3%A9", "text/plain", "ok").statusCode()).isEqualTo(200);
    assertThat(new JsonObject(Http.get(port(), "/kv?prefix=caf%C3%A9").body()).getJsonArray("entries")).hasSize(1);
    // raw UTF-8 bytes Vert.x would read as Latin-1 ("cafÃ©", another key): escaping them is required
    RawHttp.Answer rawPath = RawHttp.send(port(), "GET", "/kv/caf\u00c3\u00a9");
    assertError(rawPath.status(), rawPath.body(), 400, "bad-request", "path", "raw non-ASCII byte");
    RawHttp.Answer rawQuery = RawHttp.send(port(), "GET", "/kv?prefix=caf\u00c3\u00a9");
    assertError(rawQuery.status(), rawQuery.body(), 400, "bad-request", "prefix", "raw non-ASCII byte");
  }

  @Test
  void anEventualReadOfAnIndexNotReachedSaysTheNodeHasNotCaughtUp() {
    var read = Http.get(port(), "/kv/ready?consistency=eventual&min_index=999999");
    assertError(read.statusCode(), read.body(), 504, "timeout", "999999", "not caught up");
    assertThat(new JsonObject(read.body()).getString("message")).doesNotContain("may or may not be applied");
  }

  @Test
  void importedLinesThatAreNotJsonObjectsAreRefusedInJsonsTermsNotJavas() {
    var imported = Http.send(HttpRequest.newBuilder(api("/pins/import"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"cid\": \"Qm1\"\n[1]\n")));
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
    var refused = new JsonObject(imported.body()).getJsonArray("refused");
    assertThat(refused.getJsonObject(0).getString("message"))
        .startsWith("not JSON: Unexpected end-of-input").contains("(at line 1, column 14)");
    assertThat(refused.getJsonObject(1).getString("message")).isEqualTo("expected a JSON object, got an array");
    assertThat(refused.encode()).doesNotContain("REDACTED", "LinkedHashMap", "Failed to decode");
  }

  @Test
  void replicationMinAboveMaxIsABadRequestEverywhere() {
    var pin = Http.send(HttpRequest.newBuilder(api("/pins/" + CID + "?replication-min=3&replication-max=2"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertError(pin.statusCode(), pin.body(), 400, "bad-request", "replication-min", "replication-max");
    // the node's default maximum (pin.replication_max=1) counts as the bound the query left out
    var withDefault = Http.send(HttpRequest.newBuilder(api("/pins/" + CID + "?replication-min=2"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertError(withDefault.statusCode(), withDefault.body(), 400, "bad-request", "replication_min", "2",
        "pin.replication_max");

    String boundary = "ferry-bad-input";
    String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\nhello\r\n--" + boundary + "--\r\n";
    var add = Http.send(HttpRequest.newBuilder(api("/add?replication-min=3&replication-max=2"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofString(multipart)));
    assertError(add.statusCode(), add.body(), 400, "bad-request", "replication-min", "replication-max");

    RawHttp.Answer proxied = RawHttp.send(proxyPort(), "POST",
        "/api/v0/pin/add?arg=" + CID + "&replication-min=3&replication-max=2");
    assertKuboError(proxied, 400, "replication-min", "replication-max");
  }

  @Test
  void aTooLongUriOrTooLargeHeadersAreJsonErrors() {
    RawHttp.Answer longUri = RawHttp.send(port(), "GET", "/kv/" + "k".repeat(5000));
    assertError(longUri.status(), longUri.body(), 414, "uri-too-long", "4096");
    RawHttp.Answer bigHeaders = RawHttp.send(port(), "GET", "/health", "X-Big: " + "h".repeat(10_000));
    assertError(bigHeaders.status(), bigHeaders.body(), 431, "headers-too-large", "8192");

    RawHttp.Answer proxyUri = RawHttp.send(proxyPort(), "POST", "/api/v0/pin/ls?arg=" + "k".repeat(PROXY_MAX_URL_BYTES));
    assertKuboError(proxyUri, 414, "proxy.max_url_bytes", String.valueOf(PROXY_MAX_URL_BYTES));
    RawHttp.Answer proxyHeaders = RawHttp.send(proxyPort(), "POST", "/api/v0/pin/ls", "X-Big: " + "h".repeat(10_000));
    assertKuboError(proxyHeaders, 431, "8192");
    // the node still answers afterwards
    assertThat(Http.get(port(), "/health").statusCode()).isEqualTo(204);
  }

  private static void assertError(int status, String body, int expectedStatus, String code, String... named) {
    assertThat(status).as(body).isEqualTo(expectedStatus);
    JsonObject error = new JsonObject(body);
    assertThat(error.getInteger("code")).isEqualTo(expectedStatus);
    assertThat(error.getString("error")).isEqualTo(code);
    assertThat(error.getString("message")).contains(named);
  }

  /** The proxy answers in Kubo's error shape, as for every other error of its own. */
  private static void assertKuboError(RawHttp.Answer answer, int status, String... named) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    JsonObject error = new JsonObject(answer.body());
    assertThat(error.getString("Type")).isEqualTo("error");
    assertThat(error.getInteger("Code")).isEqualTo(1);
    assertThat(error.getString("Message")).contains(named);
  }

  private static HttpResponse<String> put(String path, String contentType, String value) {
    return Http.send(HttpRequest.newBuilder(api(path)).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)));
  }

  private static URI api(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  private static int port() {
    return cluster.apiPort(1);
  }

  private static int proxyPort() {
    return cluster.peer(1).proxyPort().orElseThrow();
  }
}
