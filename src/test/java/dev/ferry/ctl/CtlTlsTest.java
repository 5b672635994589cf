package dev.ferry.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.security.Passwords;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ctl's {@code --https}, {@code --no-check-certificate}, {@code --basic-auth} (which implies https
 * for a multiaddr host, as in ipfs-cluster-ctl) and {@code --force-http}, against a node with
 * {@code api.tls} (its certificate from {@code ferry certs init}, whose CA Java does not trust)
 * and {@code api.users}.
 */
@Timeout(120)
class CtlTlsTest {
  private static final String PASSWORD = "correct horse";
  /** Fast tests; the CLI's default is much higher. */
  private static final int FEW_ITERATIONS = 1000;
  @TempDir
  static Path certs;
  private static TestCluster.JvmCluster cluster;
  private static String host;

  @BeforeAll
  static void start() throws Exception {
    Certificates.init(certs, List.of(NodeIdentity.local("node1")), Duration.ofDays(1), false);
    cluster = TestCluster.inJvm(1, i -> new JsonObject().put("api", new JsonObject()
        .put("tls", new JsonObject().put("cert", certs.resolve("{name}.crt").toString())
            .put("key", certs.resolve("{name}.key").toString()))
        .put("users", new JsonObject().put("alice", new JsonObject()
            .put("password", Passwords.hash(PASSWORD, FEW_ITERATIONS)).put("role", "admin")))), i -> Map.of());
    cluster.awaitFullMembership();
    host = "/ip4/127.0.0.1/tcp/" + cluster.apiPort(1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void basicAuthImpliesHttpsAndTheClusterCaNeedsNoCheckCertificate() {
    CommandRun unchecked = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:" + PASSWORD,
        "--no-check-certificate", "id");
    CommandRun checked = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:" + PASSWORD, "id");
    CommandRun explicit = CommandRun.of("ctl", "-l", host, "-s", "--basic-auth", "alice:" + PASSWORD,
        "--no-check-certificate", "id");

    assertThat(unchecked.code()).as(unchecked.out() + unchecked.err()).isZero();
    assertThat(unchecked.lines().get(0)).isEqualTo(cluster.node(1).peerId() + " | node1 | Sees 0 other peers");
    assertThat(explicit.out()).isEqualTo(unchecked.out());
    assertThat(checked.code()).isEqualTo(1);
    assertThat(checked.out()).startsWith("An error occurred:\n  Code: 0\n  Message: GET https://127.0.0.1:")
        .contains("--no-check-certificate");
  }

  @Test
  void withoutCredentialsOrOverPlainHttpTheNodeRefuses() {
    CommandRun anonymous = CommandRun.of("ctl", "--host", host, "--https", "--no-check-certificate", "version");
    assertThat(anonymous.code()).isEqualTo(2);
    assertThat(anonymous.out()).startsWith("An error occurred:\n  Code: 401\n  Message: ")
        .contains("pass --basic-auth USER:PASSWORD");
    CommandRun wrong = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice", "--no-check-certificate",
        "version");
    assertThat(wrong.code()).isEqualTo(2);   // alice with an empty password
    assertThat(wrong.out()).startsWith("An error occurred:\n  Code: 401\n");

    CommandRun forced = CommandRun.of("ctl", "--host", host, "--basic-auth", "alice:" + PASSWORD, "--force-http",
        "version");
    assertThat(forced.code()).isEqualTo(1);
    assertThat(forced.out()).startsWith("An error occurred:\n  Code: 0\n  Message: GET http://127.0.0.1:"
        + cluster.apiPort(1) + "/version: ");
  }
}
