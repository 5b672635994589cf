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
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
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
 * Signed member attributes: with TLS, a process whose member attributes do not prove it a node of
 * the cluster CA under the name it claims, at the membership address it joins from, never becomes
 * a Hazelcast member (the master refuses its join and says so once), holds no partition, and the
 * genuine nodes keep serving; a genuine node restarted joins again; and a node refuses to start in
 * a cluster whose master is not a node of the CA.
 */
@Timeout(240)
class MemberProofTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void membersWithoutAValidSignatureNeverJoinHazelcastAndARestartedNodeJoinsAgain() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3", "mallory");
    Path foreign = certs(dir.resolve("foreign"), "node3");
    try (var cluster = TestCluster.inJvm(3, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership();
        var refusals = LogCapture.of(JoinCheck.class)) {
      List<String> genuine = cluster.names(1, 2, 3);
      Set<String> genuineAddresses = membershipAddresses(cluster);
      Map<String, String> node2Attributes = hazelcast(cluster.node(1)).getCluster().getMembers().stream()
          .filter(m -> "node2".equals(m.getAttribute(HazelcastSetup.ATTR_NAME))).findFirst().orElseThrow().getAttributes();

      // each pretender claims the name of a genuine node
      Pretender otherCa = Pretender.tryJoin(cluster, dir, "node3", Optional.of(tls(foreign, "node3")), Map.of());
      Pretender unsigned = Pretender.tryJoin(cluster, dir, "node1", Optional.empty(), Map.of());
      Pretender otherName = Pretender.tryJoin(cluster, dir, "node2", Optional.of(tls(certs, "mallory")), Map.of());
      Pretender copy = Pretender.tryJoin(cluster, dir, "node2", Optional.empty(), node2Attributes);

      Map<Pretender, String> reasons = Map.of(
          otherCa, "its certificate is not signed by the cluster CA",
          unsigned, "it shows no signed member attributes",
          otherName, "it claims to be 'node2' but its certificate is for 'mallory'",
          copy, "it signed its attributes for the membership address 127.0.0.1:"
              + cluster.peer(2).membershipPort().orElseThrow() + ", not for 127.0.0.1:" + copy.membershipPort);
      reasons.forEach((pretender, reason) -> {
        assertThat(pretender.failure).as("%s's start", pretender.address()).isNotNull();
        // one ERROR line, on the master only: only it decides who joins
        assertThat(refusals.errors().stream().filter(l -> l.contains(pretender.address()))).as(pretender.address())
            .singleElement().satisfies(l -> assertThat(l).contains(reason).contains("it is not part of the cluster"));
      });
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

      // a genuine node restarted (a new incarnation, signed anew) joins again
      String before = cluster.node(3).incarnation().id();
      cluster.stop(3);
      String after = cluster.restart(3).incarnation().id();
      cluster.awaitFullMembership();
      assertThat(after).isNotEqualTo(before);
      assertThat(cluster.node(1).members().byName("node3")).map(Member::incarnation).contains(after);
      assertThat(refusals.errors()).hasSize(reasons.size());
    }
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

      assertThatThrownBy(() -> Node.start(node2, Map.of()).await())
          .hasMessageContaining("the cluster's master at [127.0.0.1]:" + impostor.getCluster().getLocalMember().getAddress().getPort()
              + " (claims to be 'node1') is not a node of this cluster: it shows no signed member attributes")
          .hasMessageContaining("stop it, or firewall the membership port");
      Eventually.await("node2 to leave the impostor's cluster", DEADLINE, () -> impostor.getCluster().getMembers().size() == 1);
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

  /**
   * A clustered Vert.x that tries to join the cluster's Hazelcast membership claiming a name, its
   * member attributes signed with the given certificate's key (or not signed, or replaced by
   * {@code copied}), and none of ferry's checks: how its start ended ({@code failure} is null when
   * it got in, which a test then fails on).
   */
  private record Pretender(int membershipPort, Throwable failure) {
    static Pretender tryJoin(TestCluster cluster, Path dir, String claimedName, Optional<BusTls> signer,
        Map<String, String> copied) {
      List<Integer> ports = Ports.free(2);
      JsonObject flags = new JsonObject().put("name", claimedName).put("peers", cluster.peersFile().toString())
          .put("data_dir", dir.resolve("pretender-" + ports.get(1)).toString())
          .put("cluster", new JsonObject().put("port", ports.get(0)).put("membership_port", ports.get(1)));
      NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
      Config hazelcastConfig = HazelcastSetup.config(config, Incarnation.next(), NodeKey.generate().peerId(), signer);
      copied.forEach(hazelcastConfig.getMemberAttributeConfig()::setAttribute);
      var bus = new EventBusOptions().setHost("127.0.0.1").setPort(ports.get(0))
          .setClusterPublicHost("127.0.0.1").setClusterPublicPort(ports.get(0));
      try {
        Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(bus))
            .withClusterManager(new HazelcastClusterManager(hazelcastConfig)).buildClustered().await();
        vertx.close().await();
        return new Pretender(ports.get(1), null);
      } catch (RuntimeException e) {
        return new Pretender(ports.get(1), e);
      }
    }

    /** How the ERROR line names its membership address. */
    String address() {
      return "[127.0.0.1]:" + membershipPort;
    }
  }
}
