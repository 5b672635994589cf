package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.security.ApiTokens;
import dev.ferry.security.Passwords;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API with users: who gets in with what, what each role may do, tokens, and the slowing
 * of password guessing. One node with an admin and a read user.
 */
@Timeout(120)
class ApiAuthTest {
  private static final String ADMIN_PW = "correct horse";
  private static final String READER_PW = "battery staple";
  private static final int FEW_ITERATIONS = 1000;   // fast tests; the CLI's default is much higher
  private static TestCluster.JvmCluster cluster;
  private static int port;

  @BeforeAll
  static void start() {
    // many failures allowed here: the failures of one test must not slow the next
    cluster = TestCluster.inJvm(1, i -> settings(1000), i -> Map.of());
    port = cluster.apiPort(1);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static JsonObject settings(int maxFailures) {
    return new JsonObject().put("api", new JsonObject()
        .put("users", new JsonObject()
            .put("alice", new JsonObject().put("password", Passwords.hash(ADMIN_PW, FEW_ITERATIONS)).put("role", "admin"))
            .put("bob", new JsonObject().put("password", Passwords.hash(READER_PW, FEW_ITERATIONS)).put("role", "read")))
        .put("open_paths", new JsonArray().add("/health"))
        .put("login_max_failures", maxFailures));
  }

  @Test
  void noCredentialsIs401WithAChallenge() {
    HttpResponse<String> response = send("GET", "/id", null, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"ferry\"");
    assertThat(new JsonObject(response.body()).getString("message")).contains("needs credentials").contains("POST /token");
  }

  @Test
  void theRightPasswordLetsInAndAWrongOneIs401() {
    assertThat(send("GET", "/id", basic("alice", ADMIN_PW), null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/id", basic("bob", READER_PW), null).statusCode()).isEqualTo(200);

    HttpResponse<String> wrong = send("GET", "/id", basic("alice", "guess"), null);
    HttpResponse<String> nobody = send("GET", "/id", basic("mallory", ADMIN_PW), null);

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(wrong.body()).getString("message")).isEqualTo("wrong user name or password");
    assertThat(nobody.statusCode()).isEqualTo(401);
  }

  @Test
  void aCredentialSentWithoutASchemeIsNeitherEchoedNorLogged() {
    String bare = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl";  // a raw JWT with no "Bearer " before it
    try (var logged = LogCapture.of(ApiAuth.class)) {
      HttpResponse<String> refused = send("GET", "/id", bare, null);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).contains("unknown Authorization scheme").doesNotContain(bare);
      assertThat(logged.lines()).noneMatch(line -> line.contains(bare));
    }
  }

  @Test
  void aReadUserMayLookButNotChange() {
    HttpResponse<String> put = send("PUT", "/kv/colour", basic("bob", READER_PW), "blue");

    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(put.body()).getString("message"))
        .isEqualTo("user 'bob' has role read, which may only GET; PUT /kv/colour needs role admin");
    assertThat(send("DELETE", "/pins/bafkqaaa", basic("bob", READER_PW), null).statusCode()).isEqualTo(403);
    assertThat(send("GET", "/kv", basic("bob", READER_PW), null).statusCode()).isEqualTo(200);
  }

  @Test
  void anAdminMayChange() {
    Eventually.await("the admin's PUT /kv to be stored", Duration.ofSeconds(30),
        () -> send("PUT", "/kv/colour", basic("alice", ADMIN_PW), "blue").statusCode() / 100 == 2);
  }

  @Test
  void aTokenFromPostTokenWorksAsBearer() {
    HttpResponse<String> issued = send("POST", "/token", basic("bob", READER_PW), null);

    assertThat(issued.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(issued.body());
    assertThat(Instant.parse(body.getString("expires_at"))).isAfter(Instant.now());
    String token = body.getString("token");
    assertThat(send("GET", "/id", "Bearer " + token, null).statusCode()).isEqualTo(200);
    // the token carries the user, and the user's role still holds
    assertThat(send("PUT", "/kv/colour", "Bearer " + token, "red").statusCode()).isEqualTo(403);
  }

  @Test
  void anExpiredTamperedOrForeignTokenIs401() throws Exception {
    String token = new JsonObject(send("POST", "/token", basic("alice", ADMIN_PW), null).body()).getString("token");
    String[] parts = token.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("alice", "bobby");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    String secret = Files.readString(cluster.dataDir(1).resolve(ApiTokens.KEY_FILE)).trim();
    String expired = signed(secret, new JsonObject().put("sub", "alice").put("iss", "ferry")
        .put("iat", Instant.now().minusSeconds(120).getEpochSecond()).put("exp", Instant.now().minusSeconds(60).getEpochSecond()));
    String foreign = signed(Base64.getEncoder().encodeToString(new byte[32]), new JsonObject().put("sub", "alice")
        .put("iss", "ferry").put("exp", Instant.now().plusSeconds(600).getEpochSecond()));

    for (String bad : new String[] {tampered, expired, foreign, "not-a-jwt"}) {
      HttpResponse<String> response = send("GET", "/id", "Bearer " + bad, null);
      assertThat(response.statusCode()).as(bad).isEqualTo(401);
      assertThat(new JsonObject(response.body()).getString("message")).contains("expired or invalid");
    }
    assertThat(send("GET", "/id", "Bearer " + token, null).statusCode()).isEqualTo(200);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.dataDir(1).resolve(ApiTokens.KEY_FILE))))
        .isEqualTo("rw-------");
  }

  @Test
  void anOpenPathNeedsNoCredentials() {
    assertThat(send("GET", "/health", null, null).statusCode() / 100).isEqualTo(2);
    assertThat(send("GET", "/metrics", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void repeatedFailedLoginsFromOneAddressAreSlowedDown() {
    try (var logged = LogCapture.of(ApiAuth.class);
        var own = TestCluster.inJvm(1, i -> settings(3), i -> Map.of())) {
      int apiPort = own.apiPort(1);
      for (int i = 0; i < 3; i++) {
        assertThat(sendTo(apiPort, "GET", "/id", basic("alice", "guess" + i), null).statusCode()).isEqualTo(401);
      }

      HttpResponse<String> slowed = sendTo(apiPort, "GET", "/id", basic("alice", ADMIN_PW), null);

      assertThat(slowed.statusCode()).isEqualTo(429);
      assertThat(Long.parseLong(slowed.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
      assertThat(new JsonObject(slowed.body()).getString("message")).contains("too many failed logins");
      assertThat(logged.lines()).anyMatch(line -> line.startsWith("failed login from 127.0.0.1"));
    }
  }

  @Test
  void theIpfsProxyAsksForAnAdmin() {
    int proxyPort = cluster.peer(1).proxyPort().orElseThrow();

    HttpResponse<String> none = sendTo(proxyPort, "POST", "/api/v0/pin/ls", null, null);
    HttpResponse<String> reader = sendTo(proxyPort, "POST", "/api/v0/pin/ls", basic("bob", READER_PW), null);
    HttpResponse<String> admin = sendTo(proxyPort, "POST", "/api/v0/pin/ls", basic("alice", ADMIN_PW), null);

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"ferry\"");
    assertThat(new JsonObject(none.body()).getString("Message")).contains("needs credentials");
    assertThat(reader.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(reader.body()).getString("Message")).contains("has role read");
    assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
  }

  @Test
  void ctlSendsBasicCredentials() {
    String host = "http://127.0.0.1:" + port;

    CommandRun without = CommandRun.of("ctl", "--host", host, "id");
    CommandRun with = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:" + ADMIN_PW, "id");
    CommandRun malformed = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice", "id");

    // as ipfs-cluster-ctl: the API's error on stdout, exit 2; a user without ':' has an empty password
    assertThat(without.code()).isEqualTo(2);
    assertThat(without.out()).contains("Code: 401").contains("needs credentials").contains("--basic-auth USER:PASSWORD");
    assertThat(with.code()).as(with.err()).isZero();
    assertThat(with.out()).contains("node1");
    assertThat(malformed.code()).isEqualTo(2);
    assertThat(malformed.out()).contains("Code: 401");
  }

  @Test
  void anAdminAddsAFileThroughTheCheck(@TempDir Path dir) throws IOException {
    // the check pauses the request while it runs: the multipart reader must still get the whole body
    Path file = Files.writeString(dir.resolve("hello.txt"), "added past the login " + System.nanoTime());
    CommandRun add = CommandRun.of("ctl", "--host", "http://127.0.0.1:" + port, "--basic-auth", "alice:" + ADMIN_PW,
        "add", file.toString());
    assertThat(add.code()).as(add.out() + add.err()).isZero();
    assertThat(add.out()).startsWith("added ").contains("hello.txt");
  }

  private static String signed(String secret, JsonObject claims) {
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
      return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
    } finally {
      vertx.close();
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(String method, String path, String authorization, String body) {
    return sendTo(port, method, path, authorization, body);
  }

  private static HttpResponse<String> sendTo(int apiPort, String method, String path, String authorization, String body) {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return Http.send(request);
  }
}
