package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.security.Passwords;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard on a node whose API has users: its files load without credentials, its refused
 * requests do not open the browser's login dialog, and its data stays behind the login.
 */
@Timeout(60)
class DashboardAuthTest {
  private static final String ADMIN_PW = "admin-password";
  private static final String READER_PW = "reader-password";
  private static final int FEW_ITERATIONS = 1000;
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.inJvm(1, i -> new JsonObject().put("api", new JsonObject().put("users", new JsonObject()
        .put("alice", new JsonObject().put("password", Passwords.hash(ADMIN_PW, FEW_ITERATIONS)).put("role", "admin"))
        .put("bob", new JsonObject().put("password", Passwords.hash(READER_PW, FEW_ITERATIONS)).put("role", "read")))),
        i -> Map.of());
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thePagesFilesNeedNoCredentials() {
    for (String path : List.of("/ui/", "/ui/app.js", "/ui/session.js", "/ui/vendor/uplot/dist/uPlot.iife.min.js")) {
      assertThat(Http.get(cluster.apiPort(1), path).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void aScriptsRefusedRequestIsChallengedAsBearerSoNoBrowserDialogOpens() {
    for (String authorization : java.util.Arrays.asList(null, "Bearer not.a.token", basic("bob", "not-the-password"))) {
      HttpResponse<String> response = Http.send(request("/dashboard/session", authorization)
          .header(ApiAuth.SCRIPT_HEADER, "ferry-dashboard"));
      assertThat(response.statusCode()).as(authorization).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).as(authorization).contains("Bearer realm=\"ferry\"");
    }
  }

  @Test
  void anyOtherRefusedRequestIsChallengedAsBasic() {
    HttpResponse<String> response = send("/dashboard/session", "Bearer not.a.token");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"ferry\"");
    assertThat(new JsonObject(response.body()).getString("message")).contains("POST /token");
  }

  @Test
  void theSessionNamesTheUserAndWhetherTheirRoleMayChange() {
    JsonObject reader = new JsonObject(send("/dashboard/session", basic("bob", READER_PW)).body());
    assertThat(reader.getString("user")).isEqualTo("bob");
    assertThat(reader.getString("role")).isEqualTo("read");
    assertThat(reader.getBoolean("may_change")).isFalse();
    JsonObject admin = new JsonObject(send("/dashboard/session", basic("alice", ADMIN_PW)).body());
    assertThat(admin.getString("role")).isEqualTo("admin");
    assertThat(admin.getBoolean("may_change")).isTrue();
  }

  @Test
  void theDashboardsDataNeedsALogin() {
    for (String path : List.of("/dashboard/history", "/dashboard/pins", "/status")) {
      assertThat(send(path, null).statusCode()).as(path).isEqualTo(401);
      assertThat(send(path, basic("bob", READER_PW)).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void aWrongPasswordForTheSessionIsRefused() {
    assertThat(send("/dashboard/session", basic("bob", "not-the-password")).statusCode()).isEqualTo(401);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(String path, String authorization) {
    return Http.send(request(path, authorization));
  }

  private static HttpRequest.Builder request(String path, String authorization) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }
}
