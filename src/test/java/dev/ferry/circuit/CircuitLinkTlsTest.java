package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.collect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.impl.LinkFrame;
import dev.ferry.node.Node;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
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
 * The circuit link with the nodes' TLS: circuits between two nodes of one CA cross it encrypted;
 * a connection with a certificate of another CA, with none, or with a valid certificate for a
 * name other than its hello claims is closed, and the link keeps serving.
 */
@Timeout(180)
class CircuitLinkTlsTest {
  @TempDir
  static Path dir;
  private static TestCluster.JvmCluster cluster;
  private static Node one;
  private static Node two;
  private static Vertx client;

  @BeforeAll
  static void start() {
    Path certs = dir.resolve("certs");
    Certificates.init(certs, List.of(NodeIdentity.local("node1"), NodeIdentity.local("node2"),
        NodeIdentity.local("mallory")), Duration.ofDays(1), false);
    Certificates.init(dir.resolve("foreign"), List.of(NodeIdentity.local("node1")), Duration.ofDays(1), false);
    cluster = TestCluster.inJvm(2, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership();
    one = cluster.node(1);
    two = cluster.node(2);
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close().await();
    cluster.close();
  }

  private static double linkFrames(Node node) {
    return node.meters().get("ferry.circuit.link.frames").tag("direction", "sent").counter().count();
  }

  @Test
  void circuitsCrossTheLinkWithTlsAndImpostorsAreClosed() {
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    Circuit c = await(a.newCircuitToPeer(echo, null));
    List<Fragment> got = collect(c);
    double before = linkFrames(one);
    c.send(Fragment.of(1).withPayload(bytes(1000, 1)));
    awaitSize("an echo over the TLS link", got, 1);
    assertThat(linkFrames(one)).isGreaterThan(before);
    int port = circuits(two).links().port();
    Buffer hello = LinkFrame.hello("node1", one.incarnation().id(), two.incarnation().id());

    // another CA's certificate claiming node1, no certificate at all, a valid certificate of mallory claiming node1
    assertRefused(connect(port, dir.resolve("foreign"), "node1", dir.resolve("certs")), hello);
    assertRefused(connect(port, null, null, dir.resolve("certs")), hello);
    assertRefused(connect(port, dir.resolve("certs"), "mallory", dir.resolve("certs")), hello);

    c.send(Fragment.of(2).withPayload(bytes(1000, 2)));
    awaitSize("an echo after the impostors", got, 2);
    assertThat(c.isClosed()).isFalse();
  }

  private static Future<NetSocket> connect(int port, Path certs, String name, Path trusted) {
    NetClientOptions options = new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("")
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.resolve("ca.crt").toString()));
    if (certs != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(certs.resolve(name + ".crt").toString())
          .setKeyPath(certs.resolve(name + ".key").toString()));
    }
    return client.createNetClient(options).connect(port, "127.0.0.1");
  }

  /** The connection fails, or the node closes it after the hello. */
  private static void assertRefused(Future<NetSocket> connecting, Buffer hello) {
    Promise<Void> closed = Promise.promise();
    connecting.onComplete(connected -> {
      if (connected.failed()) {
        closed.tryComplete();
        return;
      }
      NetSocket socket = connected.result();
      socket.closeHandler(x -> closed.tryComplete());
      socket.write(hello);
    });
    Eventually.await("the link port to close the impostor's connection", DEADLINE, () -> closed.future().isComplete());
  }
}
