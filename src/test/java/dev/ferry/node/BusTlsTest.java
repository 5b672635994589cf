package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.instance.impl.NodeExtension;
import com.hazelcast.nio.MemberSocketInterceptor;
import dev.ferry.core.ConfigException;
import dev.ferry.core.Incarnation;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeKey;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.security.Certificates;
import dev.ferry.security.Certificates.NodeIdentity;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event bus with TLS: nodes of one CA talk; a node of another CA, or one whose certificate
 * names another node than it claims, gets no message and the cluster keeps serving; the guard that
 * keeps a node reachable from other machines from starting without TLS.
 */
@Timeout(240)
class BusTlsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final DeliveryOptions QUICK = new DeliveryOptions().setSendTimeout(3000);

  @TempDir Path dir;

  @Test
  void nodesWithCertificatesOfTheClusterCaExchangeMessagesWithoutTheCaKey() throws IOException {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3");
    // the CA key stays with the operator: a node needs ca.crt and its own files only
    Files.delete(certs.resolve("ca.key"));
    try (var cluster = TestCluster.inJvm(3, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership()) {
      cluster.node(3).vertx().eventBus().<String>consumer("test.echo", m -> m.reply("node3:" + m.body()))
          .completion().await();

      for (int i = 1; i <= 2; i++) {
        String answer = cluster.node(i).vertx().eventBus().<String>request("test.echo", "hi", QUICK).await().body();
        assertThat(answer).isEqualTo("node3:hi");
      }
    }
  }

  @Test
  void nodesOfEitherTlsEngineTalkToEachOther() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2");
    assertThat(io.vertx.core.net.OpenSSLEngineOptions.isAvailable()).as("BoringSSL from netty-tcnative loads here").isTrue();
    try (var cluster = TestCluster.inJvm(2, i -> engine(TestCluster.tls(certs), i == 1 ? "jdk" : "auto"), i -> Map.of())
        .awaitFullMembership()) {
      assertThat(BusTls.of(cluster.config(1)).orElseThrow().engine()).isEqualTo(BusTls.Engine.JDK);
      assertThat(BusTls.of(cluster.config(2)).orElseThrow().engine()).isEqualTo(BusTls.Engine.OPENSSL);
      for (int i = 1; i <= 2; i++) {
        int other = 3 - i;
        cluster.node(other).vertx().eventBus().<String>consumer("test.echo" + other, m -> m.reply("node" + other))
            .completion().await();
      }
      assertThat(cluster.node(1).vertx().eventBus().<String>request("test.echo2", "?", QUICK).await().body())
          .isEqualTo("node2");
      assertThat(cluster.node(2).vertx().eventBus().<String>request("test.echo1", "?", QUICK).await().body())
          .isEqualTo("node1");
    }
  }

  @Test
  void anUnknownTlsEngineNamesTheSetting() {
    Path certs = certs(dir.resolve("certs"), "node1");
    assertThatThrownBy(() -> BusTls.of(config(engine(TestCluster.tls(certs), "gnutls"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.engine").hasMessageContaining("expected \"auto\", \"openssl\" or \"jdk\", got 'gnutls'");
  }

  private static JsonObject engine(JsonObject tls, String engine) {
    tls.getJsonObject("tls").put("engine", engine);
    return tls;
  }

  @Test
  void aNodeWithACertificateOfAnotherCaExchangesNothing() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3");
    Path foreign = certs(dir.resolve("foreign"), "node2");
    try (var cluster = TestCluster.inJvm(3, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership();
        var logged = LogCapture.of(CertifiedClusterManager.class)) {
      try (Rogue rogue = Rogue.start(cluster, dir, foreign, "node2", "node2", MemberProofTest.tls(dir, certs, "node2"))) {

        assertRogueIsShutOut(cluster, rogue);
        Eventually.await("an ERROR line about the member at the rogue's address", DEADLINE,
            () -> logged.errors().stream().anyMatch(l -> l.contains(rogue.busAddress()) && l.contains("no TLS handshake")));
      }
    }
  }

  @Test
  void aNodeWhoseCertificateNamesAnotherNodeIsRefused() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3", "mallory");
    try (var cluster = TestCluster.inJvm(3, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership();
        var logged = LogCapture.of(CertifiedClusterManager.class)) {
      try (Rogue rogue = Rogue.start(cluster, dir, certs, "mallory", "node2", MemberProofTest.tls(dir, certs, "node2"))) {

        assertRogueIsShutOut(cluster, rogue);
        Eventually.await("an ERROR line naming the claim and the certificate", DEADLINE,
            () -> logged.errors().stream().anyMatch(l -> l.contains(rogue.busAddress())
                && l.contains("claims to be 'node2' but its certificate is for 'mallory'")));

        // the receiving side: a one-way send from it is dropped where it arrives, and said so
        List<String> received = new CopyOnWriteArrayList<>();
        cluster.node(1).vertx().eventBus().<String>consumer("test.inbox", m -> received.add(m.body()))
            .completion().await();
        Eventually.await("the rogue to see node1's consumer", DEADLINE,
            () -> rogue.sees("test.inbox"));
        rogue.vertx.eventBus().send("test.inbox", "from the rogue");
        Eventually.await("an ERROR line about the dropped message", DEADLINE,
            () -> logged.errors().stream().anyMatch(l -> l.contains("dropped a message to test.inbox")
                && l.contains("claims to be 'node2' but its certificate is for 'mallory'")));
        cluster.node(3).vertx().eventBus().send("test.inbox", "from node3");
        Eventually.await("node3's message to arrive", DEADLINE, () -> received.contains("from node3"));
        assertThat(received).containsExactly("from node3");
      }
    }
  }

  @Test
  void aNodeRefusesToStartWithAnotherNodesCertificate() {
    Path certs = certs(dir.resolve("certs"), "node1");
    JsonObject wrong = TestCluster.tls(certs);
    wrong.getJsonObject("tls").put("cert", certs.resolve("node1.crt").toString())
        .put("key", certs.resolve("node1.key").toString());

    assertThatThrownBy(() -> TestCluster.inJvm(2, i -> i == 2 ? wrong : TestCluster.tls(certs), i -> Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.cert").hasMessageContaining("is the certificate of 'node1', but this node is 'node2'");
  }

  @Test
  void badTlsSettingsNameTheKey() {
    Path certs = certs(dir.resolve("certs"), "node1");
    Path other = certs(dir.resolve("other"), "node1");
    NodeConfig partial = config(new JsonObject().put("tls", new JsonObject().put("ca", certs.resolve("ca.crt").toString())));
    NodeConfig foreign = config(new JsonObject().put("tls", TestCluster.tls(certs).getJsonObject("tls").copy()
        .put("ca", other.resolve("ca.crt").toString())));
    NodeConfig mismatched = config(new JsonObject().put("tls", TestCluster.tls(certs).getJsonObject("tls").copy()
        .put("key", other.resolve("node1.key").toString())));
    NodeConfig missing = config(new JsonObject().put("tls", TestCluster.tls(dir.resolve("nowhere")).getJsonObject("tls")));

    assertThatThrownBy(() -> BusTls.of(partial)).hasMessageContaining("tls.cert, tls.key")
        .hasMessageContaining("together");
    assertThatThrownBy(() -> BusTls.of(foreign)).hasMessageContaining("is not signed by the CA in tls.ca");
    assertThatThrownBy(() -> BusTls.of(mismatched)).hasMessageContaining("tls.key").hasMessageContaining("is not the key of");
    assertThatThrownBy(() -> BusTls.of(missing)).hasMessageContaining("tls.ca: cannot read");
    assertThat(BusTls.of(config(TestCluster.tls(certs)))).isPresent();
  }

  @Test
  void aNodeReachableFromOtherMachinesNeedsTlsOrInsecure() {
    JsonObject exposed = new JsonObject().put("cluster", new JsonObject().put("host", "192.0.2.10"));
    NodeConfig refused = config(exposed);
    NodeConfig insecure = config(exposed.copy().put("tls", new JsonObject().put("insecure", true)));

    assertThatThrownBy(() -> BusTls.checkExposure(refused, Optional.empty()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.host: 192.0.2.10 is reachable from other machines")
        .hasMessageContaining("--insecure");
    assertThatThrownBy(() -> Node.start(refused, Map.of()).await()).hasMessageContaining("--insecure");
    BusTls.checkExposure(insecure, Optional.empty());
    BusTls.checkExposure(config(new JsonObject()), Optional.empty());   // loopback: no certificates needed
  }

  @Test
  void aNodeOnAnAddressOfThisMachineStartsWithoutTlsOnlyUnderInsecureAndSaysSo() throws Exception {
    String exposed = nonLoopbackAddress();
    List<Integer> ports = Ports.free(4);
    Path peers = dir.resolve("exposed-peers.json");
    Peers.of(List.of(Peer.builder().pid(1).name("node1").description("on a network address").hostname("localhost")
        .ipAddress(exposed).domain("localdomain").port(ports.get(0)).membershipPort(ports.get(1))
        .apiPort(ports.get(2)).proxyPort(ports.get(3)).build())).dump(peers);
    String[] args = {"--peers", peers.toString(), "--name", "node1", "--data", dir.resolve("exposed").toString()};

    var refusedErr = new StringWriter();
    var refused = new NodeOptions();
    picocli.CommandLine.populateCommand(refused, args);
    assertThat(refused.start(Map.of(), new PrintWriter(refusedErr, true), "ferry")).isEmpty();
    assertThat(refusedErr.toString()).startsWith("ferry: cluster.host: " + exposed + " is reachable from other machines")
        .contains("'ferry certs init'").contains("--insecure");
    try (var membership = new ServerSocket()) {   // it left nothing listening
      membership.bind(new InetSocketAddress(exposed, ports.get(1)));
    }

    var insecure = new NodeOptions();
    picocli.CommandLine.populateCommand(insecure, concat(args, "--insecure"));
    try (var warned = LogCapture.of(BusTls.class)) {
      Node node = insecure.start(Map.of(), new PrintWriter(new StringWriter(), true), "ferry").orElseThrow();
      try {
        assertThat(warned.warnings()).containsExactly("node node1 runs its event bus on " + exposed
            + " without TLS (--insecure): anyone who reaches it can join the cluster");
        assertThat(node.config().cluster().host()).isEqualTo(exposed);
        Eventually.await("node1 to be a member of its cluster", DEADLINE, () -> node.members().names().equals(List.of("node1")));
        node.vertx().eventBus().<String>consumer("test.echo", m -> m.reply("up")).completion().await();
        assertThat(node.vertx().eventBus().<String>request("test.echo", "?", QUICK).await().body()).isEqualTo("up");
      } finally {
        node.close().await();
      }
    }
  }

  /** An IPv4 address of this machine that other machines could reach; the test is skipped on a machine with none. */
  private static String nonLoopbackAddress() throws SocketException {
    Optional<String> found = NetworkInterface.networkInterfaces()
        .filter(n -> {
          try {
            return n.isUp() && !n.isLoopback();
          } catch (SocketException e) {
            return false;
          }
        })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .map(InetAddress::getHostAddress).findFirst();
    Assumptions.assumeTrue(found.isPresent(), "this machine has no non-loopback IPv4 address to start a node on");
    return found.get();
  }

  private static String[] concat(String[] args, String... more) {
    String[] all = Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  @Test
  void theInsecureFlagSetsTlsInsecure() {
    var options = new NodeOptions();
    picocli.CommandLine.populateCommand(options, "--insecure", "--set", "tls.ca=/x/ca.crt");
    NodeConfig config = config(new JsonObject());
    assertThat(config.json().getJsonObject("tls").getBoolean("insecure")).isFalse();
    assertThat(options.flags().getJsonObject("tls").getMap())
        .containsEntry("insecure", true).containsEntry("ca", "/x/ca.crt");
  }

  /** The rogue gets nothing that is meant for the node it claims to be, nothing at all, and the cluster keeps serving. */
  private static void assertRogueIsShutOut(TestCluster.JvmCluster cluster, Rogue rogue) {
    var node1 = cluster.node(1).vertx().eventBus();
    AtomicInteger fromAnyone = new AtomicInteger();
    node1.<String>consumer("test.node1", m -> {
      fromAnyone.incrementAndGet();
      m.reply("node1");
    }).completion().await();
    cluster.node(2).vertx().eventBus().<String>consumer("test.shared", m -> m.reply("node2")).completion().await();
    rogue.vertx.eventBus().<String>consumer("test.shared", m -> m.reply("rogue")).completion().await();
    rogue.vertx.eventBus().<String>consumer("test.rogue", m -> m.reply("rogue")).completion().await();

    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      answers.add(node1.<String>request("test.shared", "?", QUICK).await().body());
    }
    assertThat(answers).containsOnly("node2");
    assertThatThrownBy(() -> node1.request("test.rogue", "?", QUICK).await());
    assertThatThrownBy(() -> rogue.vertx.eventBus().request("test.node1", "?", QUICK).await());
    // the cluster keeps serving
    assertThat(cluster.node(3).vertx().eventBus().<String>request("test.node1", "?", QUICK).await().body())
        .isEqualTo("node1");
  }

  static Path certs(Path out, String... names) {
    Certificates.init(out, Arrays.stream(names).map(NodeIdentity::local).toList(), Duration.ofDays(1), false);
    return out;
  }

  private NodeConfig config(JsonObject settings) {
    JsonObject flags = settings.copy().put("name", "node1").put("data_dir", dir.resolve("data").toString());
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  /**
   * A clustered Vert.x that joins the cluster's membership as {@code claimedName}, its attributes
   * signed with that node's key ({@code member}, so the master lets it in), while its bus presents a
   * certificate of its own choosing, and runs none of ferry's checks: a member whose bus endpoint is
   * not the node it claims to be, as when Vert.x's map of bus addresses has been pointed elsewhere.
   */
  private record Rogue(Vertx vertx, String busAddress) implements AutoCloseable {
    static Rogue start(TestCluster cluster, Path dir, Path certs, String certName, String claimedName, BusTls member) {
      List<Integer> ports = Ports.free(2);
      JsonObject flags = new JsonObject().put("name", claimedName).put("peers", cluster.peersFile().toString())
          .put("data_dir", dir.resolve("rogue").toString())
          .put("cluster", new JsonObject().put("port", ports.get(0)).put("membership_port", ports.get(1)));
      NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
      Config hazelcastConfig = HazelcastSetup.config(config, Incarnation.next(), NodeKey.generate().peerId(), Optional.of(member));
      // it holds the member's key, so it passes the connection proof by claiming that member's membership address
      String memberName = BusTls.commonName(member.certificate());
      Peer listed = java.util.stream.IntStream.rangeClosed(1, cluster.size()).mapToObj(cluster::peer)
          .filter(p -> p.name().equals(memberName)).findFirst().orElseThrow();
      var proof = new ConnectionProof(member, "127.0.0.1:" + listed.membershipPort().orElseThrow(), Map.of());
      var hazelcast = new HazelcastClusterManager(HazelcastInstanceFactory.newHazelcastInstance(hazelcastConfig,
          hazelcastConfig.getInstanceName(), new DefaultNodeContext() {
            @Override
            public NodeExtension createNodeExtension(com.hazelcast.instance.impl.Node node) {
              return new DefaultNodeExtension(node) {
                @Override
                public MemberSocketInterceptor getSocketInterceptor(EndpointQualifier endpoint) {
                  return proof;
                }
              };
            }
          }));
      var bus = new EventBusOptions().setHost("127.0.0.1").setPort(ports.get(0))
          .setClusterPublicHost("127.0.0.1").setClusterPublicPort(ports.get(0))
          .setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certs.resolve(certName + ".crt").toString())
              .setKeyPath(certs.resolve(certName + ".key").toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("ca.crt").toString()));
      Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(bus)).withClusterManager(hazelcast)
          .buildClustered().await();
      Eventually.await("the rogue to join the membership", DEADLINE,
          () -> hazelcast.getHazelcastInstance().getCluster().getMembers().size() == cluster.size() + 1);
      return new Rogue(vertx, "127.0.0.1:" + ports.get(0));
    }

    /** Whether the rogue's cluster manager knows a consumer of {@code address} (so that a send would go there). */
    boolean sees(String address) {
      Promise<List<RegistrationInfo>> found = Promise.promise();
      ((VertxInternal) vertx).clusterManager().getRegistrations(address, found);
      return !found.future().await().isEmpty();
    }

    @Override
    public void close() {
      vertx.close().await();
    }
  }

}
