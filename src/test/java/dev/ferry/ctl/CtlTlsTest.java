package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.CommandRun;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ctl's {@code --https}, {@code --no-check-certificate}, {@code --basic-auth} (which implies
 * https for a multiaddr host, as in ipfs-cluster-ctl) and {@code --force-http}, against an HTTPS
 * server with a self-signed certificate that answers {@code GET /version} as a node does and
 * records the credentials it was sent. (A stand-in: the node's own HTTPS, {@code api.tls}, comes
 * with the security issue.)
 */
class CtlTlsTest {
  private static Vertx vertx;
  private static HttpServer server;
  private static volatile String authorization;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1")
            .setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(request -> {
          authorization = request.getHeader("Authorization");
          request.response().putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("version", "9.9.9").encode());
        })
        .listen(0).await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void httpsNeedsTheCertificateCheckedUnlessToldNotTo() {
    String host = "/ip4/127.0.0.1/tcp/" + server.actualPort();

    CommandRun unchecked = CommandRun.of("ctl", "--host", host, "--https", "--no-check-certificate", "version");
    CommandRun checked = CommandRun.of("ctl", "--host", host, "-s", "version");
    CommandRun plain = CommandRun.of("ctl", "--host", host, "version");

    assertThat(unchecked.code()).as(unchecked.out() + unchecked.err()).isZero();
    assertThat(unchecked.out()).isEqualTo("9.9.9\n");
    assertThat(checked.code()).isEqualTo(1);
    assertThat(checked.out()).startsWith("An error occurred:\n  Code: 0\n  Message: GET https://127.0.0.1:")
        .contains("--no-check-certificate");
    assertThat(plain.code()).isEqualTo(1);
    assertThat(plain.out()).startsWith("An error occurred:\n  Code: 0\n  Message: GET http://127.0.0.1:");
  }

  @Test
  void basicAuthImpliesHttpsForAMultiaddrUnlessForceHttp() {
    String host = "/ip4/127.0.0.1/tcp/" + server.actualPort();

    CommandRun secure = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:secret", "--no-check-certificate",
        "version");
    assertThat(secure.code()).as(secure.out() + secure.err()).isZero();
    assertThat(authorization).isEqualTo("Basic YWxpY2U6c2VjcmV0");   // alice:secret
    CommandRun userOnly = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice", "--no-check-certificate",
        "version");
    assertThat(userOnly.code()).isZero();
    assertThat(authorization).isEqualTo("Basic YWxpY2U6");   // alice: (an empty password)

    CommandRun forced = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:secret", "--force-http",
        "version");
    assertThat(forced.code()).isEqualTo(1);
    assertThat(forced.out()).contains("GET http://127.0.0.1:" + server.actualPort() + "/version");
  }
}
