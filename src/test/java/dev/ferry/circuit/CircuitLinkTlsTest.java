package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.collect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.impl.LinkFrame;
import dev.ferry.circuit.impl.CircuitLinks;
import dev.ferry.node.Node;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The circuit link with the nodes' TLS: circuits between two nodes of one CA cross it encrypted;
 * a connection with a certificate of another CA, with none, or with a valid certificate for a
 * name other than its hello claims is closed and logged, and the link keeps serving; a node
 * dialling out refuses a link server whose certificate names another node than the one it asked for.
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
    try (var logged = LogCapture.of(CircuitLinks.class)) {
      assertRefused(connect(port, dir.resolve("foreign"), "node1", dir.resolve("certs")), hello);
      assertRefused(connect(port, null, null, dir.resolve("certs")), hello);
      assertRefused(connect(port, dir.resolve("certs"), "mallory", dir.resolve("certs")), hello);

      // each refusal is a WARN line on node2: two failed handshakes, one hello under another name
      Eventually.await("node2 to log the three refusals", DEADLINE, () -> logged.warnings().size() >= 3);
      assertThat(logged.warnings().stream().filter(l -> l.startsWith("circuit link: refused a connection to node2's "
          + "link port before its hello (its TLS handshake failed: only nodes with a certificate of the cluster CA "
          + "may connect): "))).hasSize(2);
      assertThat(logged.warnings()).anyMatch(l -> l.startsWith("circuit link: closing the connection from ")
          && l.endsWith(": malformed frame: a hello from node1 over a connection whose certificate is for 'mallory'"));
    }

    c.send(Fragment.of(2).withPayload(bytes(1000, 2)));
    awaitSize("an echo after the impostors", got, 2);
    assertThat(c.isClosed()).isFalse();
  }

  @Test
  void aNodeDialingOutRefusesALinkServerThatIsAnotherNode() {
    // a link server with a valid certificate of the cluster CA, but mallory's
    AtomicInteger bytesToImpostor = new AtomicInteger();
    NetServer impostor = client.createNetServer(new NetServerOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED)
            .setKeyCertOptions(pem(dir.resolve("certs"), "mallory"))
            .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("certs").resolve("ca.crt").toString())))
        .connectHandler(socket -> socket.handler(bytes -> bytesToImpostor.addAndGet(bytes.length())))
        .listen(0, "127.0.0.1").await();
    int realPort = circuits(two).links().port();
    // node1 asks node2 where its link server is (a bus request): the answer, as node1 receives it, is
    // pointed at the impostor, as a hijacked address would point it
    Handler<DeliveryContext<Object>> redirect = context -> {
      if (context.message().body() instanceof JsonObject at && at.containsKey("incarnation")
          && Integer.valueOf(realPort).equals(at.getValue("port"))) {
        at.put("port", impostor.actualPort());
      }
      context.next();
    };
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    try (var logged = LogCapture.of(CircuitLinks.class)) {
      freshLinkFromNode1();
      Firewall firewall = new Firewall(cluster);
      firewall.interceptInbound(1, redirect);
      try {
        Circuit c = await(a.newCircuitToPeer(echo, null));
        c.send(Fragment.of(1).withPayload(bytes(100, 1)));
        assertThat(await(c.closed())).contains("circuit link to node2 broke")
            .contains("is not node2: its certificate is for 'mallory', not 'node2'");
      } finally {
        firewall.heal();
      }
      assertThat(logged.errors()).anyMatch(l -> l.startsWith("circuit link: refusing the link server at ")
          && l.endsWith(":" + impostor.actualPort() + " for node node2: its certificate is for 'mallory', not 'node2'"));
      assertThat(bytesToImpostor).as("bytes node1 wrote to the impostor (no hello)").hasValue(0);
    } finally {
      impostor.close().await();
    }

    // the genuine link server still serves the next circuit
    Circuit again = await(a.newCircuitToPeer(echo, null));
    List<Fragment> got = collect(again);
    again.send(Fragment.of(1).withPayload(bytes(100, 2)));
    awaitSize("an echo over the genuine link", got, 1);
  }

  /** Breaks node1's link to node2 if it has one, so that the next circuit makes node1 connect again. */
  private static void freshLinkFromNode1() {
    circuits(one).links().linkTo("node2").ifPresent(link -> {
      if (link.connection() != null) {
        link.connection().close();
      }
      Eventually.await("node1's link to node2 to be gone", DEADLINE,
          () -> circuits(one).links().linkTo("node2").filter(l -> l == link).isEmpty());
    });
  }

  private static PemKeyCertOptions pem(Path certs, String name) {
    return new PemKeyCertOptions().setCertPath(certs.resolve(name + ".crt").toString())
        .setKeyPath(certs.resolve(name + ".key").toString());
  }

  private static Future<NetSocket> connect(int port, Path certs, String name, Path trusted) {
    NetClientOptions options = new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("")
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.resolve("ca.crt").toString()));
    if (certs != null) {
      options.setKeyCertOptions(pem(certs, name));
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
