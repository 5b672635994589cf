package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.security.ApiTls;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code api.tls}: the HTTP API and the IPFS proxy speak HTTPS with the node's certificate from
 * {@code ferry certs init}, and a bad setting fails with its name. One node.
 */
@Timeout(120)
class ApiHttpsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir
  static Path certs;
  private static TestCluster.JvmCluster cluster;
  private static HttpClient trusting;

  @BeforeAll
  static void start() throws Exception {
    Certificates.init(certs, List.of(NodeIdentity.local("node1"), NodeIdentity.local("node2")), Duration.ofDays(1),
        false);
    cluster = TestCluster.inJvm(1, i -> new JsonObject().put("api", new JsonObject().put("tls", new JsonObject()
        .put("cert", certs.resolve("{name}.crt").toString()).put("key", certs.resolve("{name}.key").toString()))),
        i -> Map.of());
    cluster.awaitFullMembership();
    trusting = HttpClient.newBuilder().sslContext(trustingOnly(certs.resolve("ca.crt"))).connectTimeout(TIMEOUT)
        .build();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static SSLContext trustingOnly(Path ca) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      store.setCertificateEntry("ferry-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static HttpRequest.Builder request(String scheme, int port, String path) {
    return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path)).timeout(TIMEOUT);
  }

  @Test
  void theApiAnswersOverHttpsWithTheNodesCertificate() throws Exception {
    HttpResponse<String> peers = trusting.send(request("https", cluster.apiPort(1), "/peers").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(peers.statusCode()).isEqualTo(200);
    assertThat(peers.body()).contains("node1");
  }

  @Test
  void theProxyAnswersOverHttpsToo() throws Exception {
    int proxy = cluster.peer(1).proxyPort().orElseThrow();
    HttpResponse<String> pins = trusting.send(request("https", proxy, "/api/v0/pin/ls")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(pins.statusCode()).as(pins.body()).isEqualTo(200);
  }

  @Test
  void plainHttpAndClientsThatDoNotTrustTheCaGetNothing() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    assertThatThrownBy(() -> plain.send(request("http", cluster.apiPort(1), "/peers").GET().build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> plain.send(request("https", cluster.apiPort(1), "/peers").GET().build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void badSettingsNameTheSetting() {
    Vertx vertx = Vertx.vertx();
    try {
      assertThatThrownBy(() -> ApiTls.load(vertx, api(certs.resolve("node1.crt"), null), "node1").await())
          .isInstanceOf(ConfigException.class).hasMessageContaining("api.tls.cert and api.tls.key together");
      assertThatThrownBy(() -> ApiTls.load(vertx, api(certs.resolve("node1.crt"), certs.resolve("node2.key")), "node1")
          .await()).isInstanceOf(ConfigException.class).hasMessageContaining("api.tls.key")
          .hasMessageContaining("is not the key of");
      assertThatThrownBy(() -> ApiTls.load(vertx, api(certs.resolve("absent.crt"), certs.resolve("node1.key")),
          "node1").await()).isInstanceOf(ConfigException.class).hasMessageContaining("api.tls.cert")
          .hasMessageContaining("no such certificate file");
      assertThat(ApiTls.load(vertx, api(null, null), "node1").await()).isEmpty();
    } finally {
      vertx.close().await();
    }
  }

  private static ConfigSection api(Path cert, Path key) {
    return ConfigSection.of("api", new JsonObject().put("tls", new JsonObject()
        .put("cert", cert == null ? null : cert.toString()).put("key", key == null ? null : key.toString())));
  }
}
