package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call the proxy forwards reaches the daemon with the caller's headers, but not the caller's
 * credentials, which are ferry's own. The daemon here is a stand-in HTTP server that records what
 * it is sent (what is checked is the proxy's forwarding, not Kubo).
 */
@Timeout(120)
class ProxyCredentialsTest {
  @Test
  void theCallersAuthorizationNeverReachesTheDaemon() {
    Vertx vertx = Vertx.vertx();
    List<MultiMap> seen = new CopyOnWriteArrayList<>();
    HttpServer daemon = Futures.await(vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/api/v0/swarm/peers")) {
        seen.add(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
      }
      request.response().putHeader("Content-Type", "application/json").end("{}");
    }).listen(0, "127.0.0.1"), Duration.ofSeconds(10));
    try (var cluster = TestCluster.inJvm(1, i -> List.of("ipfs.api=http://127.0.0.1:" + daemon.actualPort()))) {
      cluster.awaitFullMembership();
      URI uri = URI.create("http://127.0.0.1:" + cluster.peer(1).proxyPort().orElseThrow() + "/api/v0/swarm/peers");
      HttpResponse<String> answer = Http.send(HttpRequest.newBuilder(uri).header("Authorization", "Basic c2VjcmV0")
          .header("X-Kept", "yes").POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(seen).hasSize(1);
      assertThat(seen.get(0).get("X-Kept")).isEqualTo("yes");
      assertThat(seen.get(0).contains("Authorization")).isFalse();
    } finally {
      Futures.await(vertx.close(), Duration.ofSeconds(10));
    }
  }
}
