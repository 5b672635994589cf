package dev.ferry.node;

import static dev.ferry.node.BusTlsTest.certs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ferry.core.Incarnation;
import dev.ferry.core.Members.Member;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeKey;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestCluster;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With TLS, a Hazelcast connection that does not prove a peers.json node's key at its membership
 * address (another CA, a name not in peers.json, another address, Hazelcast's own protocol, a
 * silent peer) is closed before Hazelcast reads a packet, with one ERROR line; a holder of a node's
 * key whose signed member attributes do not prove the name it claims never becomes a Hazelcast
 * member (the master refuses its join and says so once); the genuine nodes keep serving and a
 * genuine node restarted joins again; and a node never talks Hazelcast with something that is not
 * a node of the CA at a membership address of peers.json.
 */
@Timeout(240)
class MemberProofTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int PROOF_TIMEOUT_MS = 1000;
  /** More than a node's own proof (its certificate is under a kilobyte). */
  private static final int MAX_REPLY_BYTES = 16384;

  @TempDir Path dir;

  @Test
  void connectionsWithoutAValidProofAreClosedAndMembersWithoutAValidSignatureNeverJoin() throws Exception {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3", "mallory");
    Path foreign = certs(dir.resolve("foreign"), "node3");
    JsonObject settings = TestCluster.tls(certs);
    settings.getJsonObject("tls").put("connection_proof_timeout_ms", PROOF_TIMEOUT_MS);
    try (var cluster = TestCluster.inJvm(3, i -> settings, i -> Map.of()).awaitFullMembership();
        var connections = LogCapture.of(ConnectionProof.class);
        var joins = LogCapture.of(JoinCheck.class)) {
      List<String> genuine = cluster.names(1, 2, 3);
      Set<String> genuineAddresses = membershipAddresses(cluster);
      Map<String, String> peers = Map.of("node1", membershipAddress(cluster, 1), "node2", membershipAddress(cluster, 2),
          "node3", membershipAddress(cluster, 3));
      int node1Port = cluster.peer(1).membershipPort().orElseThrow();

      // raw connections to node1's membership port, each a pretender's proof; node1 closes them before Hazelcast reads
      String elsewhere = "127.0.0.1:" + Ports.free(1).get(0);
      Map<Object, String> reasons = new java.util.LinkedHashMap<>();
      reasons.put(prove(node1Port, new ConnectionProof(tls(foreign, "node3"), peers.get("node3"), peers)),
          "its certificate is not signed by the cluster CA");
      reasons.put(prove(node1Port, new ConnectionProof(tls(certs, "mallory"), elsewhere, peers)),
          "its certificate is for 'mallory', which is not a node of peers.json");
      reasons.put(prove(node1Port, new ConnectionProof(tls(certs, "node2"), elsewhere, peers)),
          "it is 'node2' but claims the membership address " + elsewhere + ", while peers.json has " + peers.get("node2"));
      reasons.put(send(node1Port, "HZC".getBytes(StandardCharsets.US_ASCII)),
          "it did not start with ferry's connection proof");
      reasons.put(send(node1Port, new byte[0]), "it sent no complete proof within tls.connection_proof_timeout_ms");
      reasons.forEach((refused, reason) -> assertThat(refused).as(reason).isEqualTo(Boolean.TRUE));
      Eventually.await("node1's ERROR lines", DEADLINE, () -> connections.errors().stream()
          .filter(l -> l.contains("connection from 127.0.0.1:")).count() >= reasons.size());
      reasons.values().forEach(reason -> assertThat(connections.errors().stream()
          .filter(l -> l.contains("connection from 127.0.0.1:") && l.contains(reason))).as(reason).singleElement()
          .satisfies(l -> assertThat(l).contains("closed before any Hazelcast packet")));

      // a holder of node3's key at node3's address passes the connection proof; claiming node2, the master refuses its join
      String before = cluster.node(3).incarnation().id();
      cluster.stop(3);
      int node3Port = cluster.peer(3).membershipPort().orElseThrow();
      Config claimsNode2 = HazelcastSetup.config(pretenderConfig(cluster, "node2", Ports.free(1).get(0), node3Port),
          Incarnation.next(), NodeKey.generate().peerId(), Optional.of(tls(certs, "node3")));
      assertThatThrownBy(() -> HazelcastMember.join(claimsNode2, "node2", Optional.of(tls(certs, "node3")), peers).join())
          .hasMessageContaining("the cluster refused this node")
          .hasMessageContaining("it claims to be 'node2' but its certificate is for 'node3'");
      assertThat(joins.errors()).singleElement().satisfies(l -> assertThat(l)
          .contains("[127.0.0.1]:" + node3Port).contains("it is not part of the cluster"));

      // a genuine node restarted (a new incarnation, signed anew) joins again, and nothing else got in
      String after = cluster.restart(3).incarnation().id();
      cluster.awaitFullMembership();
      assertThat(after).isNotEqualTo(before);
      assertThat(cluster.node(1).members().byName("node3")).map(Member::incarnation).contains(after);
      for (int i = 1; i <= 3; i++) {
        HazelcastInstance hazelcast = hazelcast(cluster.node(i));
        assertThat(hazelcast.getCluster().getMembers()).as("node%d's Hazelcast members", i)
            .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort()).containsExactlyInAnyOrderElementsOf(genuineAddresses);
        assertThat(hazelcast.getPartitionService().getPartitions()).as("node%d's partition owners", i)
            .allSatisfy(p -> assertThat(p.getOwner()).isIn(hazelcast.getCluster().getMembers()));
        assertThat(cluster.node(i).members().names()).as("node%d's members", i).isEqualTo(genuine);
        assertThat(cluster.peersSeenBy(i)).as("GET /peers on node%d", i).isEqualTo(genuine);
      }
      // the genuine nodes keep serving
      cluster.node(3).vertx().eventBus().<String>consumer("test.echo", m -> m.reply("node3")).completion().await();
      assertThat(cluster.node(1).vertx().eventBus()
          .<String>request("test.echo", "?", new DeliveryOptions().setSendTimeout(3000)).await().body())
          .isEqualTo("node3");
      assertThat(joins.errors()).hasSize(1);
    }
  }

  /** Whether a connection that proves itself with {@code proof} to the membership port is refused. */
  private static boolean prove(int port, ConnectionProof proof) throws IOException {
    try (Socket socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", port)).socket()) {
      proof.onConnect(socket);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Whether a connection that sends {@code bytes} and waits is closed by the membership port. */
  private static boolean send(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      for (int read = 0; read < MAX_REPLY_BYTES; read++) {   // node1's own proof, then the end
        if (in.read() < 0) {
          return true;
        }
      }
      return false;
    } catch (SocketException e) {
      return true;   // reset
    }
  }

  private static String membershipAddress(TestCluster cluster, int i) {
    return "127.0.0.1:" + cluster.peer(i).membershipPort().orElseThrow();
  }

  private NodeConfig pretenderConfig(TestCluster cluster, String claimedName, int busPort, int membershipPort) {
    JsonObject flags = new JsonObject().put("name", claimedName).put("peers", cluster.peersFile().toString())
        .put("data_dir", dir.resolve("pretender-" + membershipPort).toString())
        .put("cluster", new JsonObject().put("port", busPort).put("membership_port", membershipPort));
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  @Test
  void aNodeDoesNotStayInAClusterWhoseMasterIsNoNodeOfTheCa() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2");
    Path peersFile = dir.resolve("peers.json");
    TestCluster.writePeers(peersFile, 2);
    // something that is not a ferry node of the CA answers at node1's membership address, alone
    HazelcastInstance impostor = Hazelcast.newHazelcastInstance(
        HazelcastSetup.config(config(peersFile, "node1", new JsonObject()), Incarnation.next(), NodeKey.generate().peerId()));
    try {
      NodeConfig node2 = config(peersFile, "node2", TestCluster.tls(certs));
      int impostorPort = impostor.getCluster().getLocalMember().getAddress().getPort();

      // the impostor answers node2's connection proof with Hazelcast's protocol: node2 never talks Hazelcast with it
      try (var connections = LogCapture.of(ConnectionProof.class)) {
        Node started = Node.start(node2, Map.of()).await();
        try {
          assertThat(connections.errors()).anySatisfy(l -> assertThat(l)
              .contains("refusing the Hazelcast connection to 127.0.0.1:" + impostorPort));
          assertThat(started.members().names()).containsExactly("node2");
          assertThat(impostor.getCluster().getMembers()).hasSize(1);
        } finally {
          started.close().await();
        }
      }
    } finally {
      impostor.shutdown();
    }
  }

  @Test
  void tamperedOrUntimelyAttributesAreRefusedWithTheReason() throws Exception {
    Path certs = certs(dir.resolve("certs"), "node1");
    BusTls tls = tls(certs, "node1");
    Instant now = Instant.now();
    Map<String, String> signed = MemberProof.attributes(tls, "node1", "inc-1", "127.0.0.1:9096", "127.0.0.1:5701", now);

    assertThat(MemberProof.refusal(member("127.0.0.1", 5701, signed, "inc-1"), tls, now)).isEmpty();
    assertThat(MemberProof.refusal(member("127.0.0.1", 5701, signed, "inc-2"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("the signature over its member attributes is not its certificate's"));
    // a copy of the attributes passes only at the membership address they were signed for
    assertThat(MemberProof.refusal(member("127.0.0.1", 5702, signed, "inc-1"), tls, now)).hasValueSatisfying(r ->
        assertThat(r).contains("it signed its attributes for the membership address 127.0.0.1:5701, not for 127.0.0.1:5702"));
    assertThat(MemberProof.refusal(member("192.0.2.7", 5701, signed, "inc-1"), tls, now)).hasValueSatisfying(r ->
        assertThat(r).contains("it signed its attributes for the membership address 127.0.0.1:5701, not for 192.0.2.7:5701"));
    Map<String, String> elsewhere = MemberProof.attributes(tls, "node1", "inc-1", "192.0.2.7:9096", "127.0.0.1:5701", now);
    assertThat(MemberProof.refusal(member("127.0.0.1", 5701, elsewhere, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("its signed bus address 192.0.2.7:9096 is not on its membership host"));
    Map<String, String> future = MemberProof.attributes(tls, "node1", "inc-1", "127.0.0.1:9096", "127.0.0.1:5701",
        now.plus(tls.memberClockSkew()).plusSeconds(1));
    assertThat(MemberProof.refusal(member("127.0.0.1", 5701, future, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("later than now").contains("tls.member_clock_skew_ms"));
    Map<String, String> garbled = new HashMap<>(signed);
    garbled.put(MemberProof.ATTR_CERT, "not base64!");
    assertThat(MemberProof.refusal(member("127.0.0.1", 5701, garbled, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("its member attributes are malformed"));
  }

  private static com.hazelcast.cluster.Member member(String host, int port, Map<String, String> proof, String incarnation)
      throws Exception {
    Map<String, String> attributes = new HashMap<>(proof);
    attributes.put(HazelcastSetup.ATTR_NAME, "node1");
    attributes.put(HazelcastSetup.ATTR_INCARNATION, incarnation);
    return new MemberImpl.Builder(new Address(host, port)).uuid(UUID.randomUUID()).attributes(attributes).build();
  }

  /** A running node's Hazelcast member (HazelcastSetup names the instance after the node and its incarnation). */
  static HazelcastInstance hazelcast(Node node) {
    return Hazelcast.getHazelcastInstanceByName("ferry-" + node.name() + "-" + node.incarnation());
  }

  private static Set<String> membershipAddresses(TestCluster cluster) {
    return IntStream.rangeClosed(1, cluster.size())
        .mapToObj(i -> "127.0.0.1:" + cluster.peer(i).membershipPort().orElseThrow()).collect(Collectors.toSet());
  }

  private NodeConfig config(Path peersFile, String name, JsonObject settings) {
    JsonObject flags = settings.copy().put("name", name).put("peers", peersFile.toString())
        .put("data_dir", dir.resolve(name).toString());
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  private BusTls tls(Path certs, String name) {
    return tls(dir, certs, name);
  }

  /** The TLS of a node named {@code name} whose certificate and key are {@code certs}' (data in {@code dir}). */
  static BusTls tls(Path dir, Path certs, String name) {
    JsonObject flags = TestCluster.tls(certs).put("name", name).put("data_dir", dir.resolve(name).toString());
    return BusTls.of(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir)))
        .orElseThrow();
  }
}
