package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** CORS is off unless api.cors_origins names origins; then only those are allowed. */
@Timeout(120)
class CorsTest {
  private static HttpRequest.Builder preflight(int port, String origin) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/kv/x"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PUT");
  }

  @Test
  void onlyConfiguredOriginsAreAllowed() {
    try (var cluster = TestCluster.inJvm(2, i -> i == 1 ? List.of("api.cors_origins=[\"http://app.example\"]") : List.of())) {
      cluster.awaitFullMembership();

      var allowed = Http.send(preflight(cluster.apiPort(1), "http://app.example"));
      assertThat(allowed.statusCode()).isBetween(200, 204);
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://app.example");
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("PUT");

      var other = Http.send(preflight(cluster.apiPort(1), "http://evil.example"));
      assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      var get = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + "/version"))
          .header("Origin", "http://app.example").GET());
      assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://app.example");

      var unconfigured = Http.send(preflight(cluster.apiPort(2), "http://app.example"));
      assertThat(unconfigured.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
  }
}
