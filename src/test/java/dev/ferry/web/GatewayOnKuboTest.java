package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.KuboRpcConnector;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With a Kubo daemon ({@code ipfs.api}) the gateway serves nothing and says where to go instead. */
class GatewayOnKuboTest {
  private static final URI DAEMON = URI.create("http://127.0.0.1:5001");
  private Vertx vertx;
  private HttpServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    new GatewayRoutes(new KuboRpcConnector(vertx, DAEMON), Optional.of(DAEMON)).mount(router);
    router.route().failureHandler(HttpErrors::handle);
    server = Futures.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"),
        Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    vertx.close();
  }

  @Test
  void everyRequestIs501NamingTheDaemonAndTheSetting() {
    HttpResponse<String> answer = Http.get(server.actualPort(),
        "/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");

    assertThat(answer.statusCode()).isEqualTo(501);
    assertThat(new JsonObject(answer.body()).getString("message")).contains(DAEMON.toString()).contains("ipfs.api")
        .contains("the daemon's own gateway");
  }
}
