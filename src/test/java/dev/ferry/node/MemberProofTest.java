package dev.ferry.node;

import static dev.ferry.node.BusTlsTest.certs;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.impl.MemberImpl;
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
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed member attributes: with TLS, a Hazelcast member whose attributes do not prove it a node of
 * the cluster CA under the name it claims joins Hazelcast but is no member of the cluster (not in
 * Members, not in GET /peers), is logged once, and the genuine nodes keep serving.
 */
@Timeout(240)
class MemberProofTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void membersWithoutAValidSignatureAreNotPartOfTheCluster() {
    Path certs = certs(dir.resolve("certs"), "node1", "node2", "node3", "mallory");
    Path foreign = certs(dir.resolve("foreign"), "node3");
    try (var cluster = TestCluster.inJvm(3, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership();
        var logged = LogCapture.of(ClusterMembers.class)) {
      // each pretender claims the name of a genuine node
      List<String> incarnations = cluster.node(1).members().current().stream().map(Member::incarnation).toList();
      List<String> genuine = cluster.names(1, 2, 3);
      assertThat(cluster.node(1).members().names()).isEqualTo(genuine);   // the genuine nodes pass each other's check

      try (Pretender otherCa = Pretender.join(cluster, dir, "node3", Optional.of(tls(foreign, "node3")));
          Pretender unsigned = Pretender.join(cluster, dir, "node1", Optional.empty());
          Pretender otherName = Pretender.join(cluster, dir, "node2", Optional.of(tls(certs, "mallory")))) {

        Eventually.await("an ERROR line for each pretender", DEADLINE, () -> {
          List<String> errors = logged.errors();
          return otherCa.loggedWith(errors, "its certificate is not signed by the cluster CA")
              && unsigned.loggedWith(errors, "it shows no signed member attributes")
              && otherName.loggedWith(errors, "it claims to be 'node2' but its certificate is for 'mallory'");
        });
        for (int i = 1; i <= 3; i++) {
          assertThat(cluster.node(i).members().names()).as("node%d's members", i).isEqualTo(genuine);
          assertThat(cluster.node(i).members().current()).as("node%d's members", i).map(Member::incarnation)
              .isEqualTo(incarnations);
          assertThat(cluster.peersSeenBy(i)).as("GET /peers on node%d", i).isEqualTo(genuine);
        }
        // once per member: each pretender is named in one ERROR line per node, not per membership event
        for (Pretender p : List.of(otherCa, unsigned, otherName)) {
          assertThat(logged.errors().stream().filter(l -> l.contains(p.address())).count()).isEqualTo(3);
        }
        // the genuine nodes keep serving
        cluster.node(3).vertx().eventBus().<String>consumer("test.echo", m -> m.reply("node3")).completion().await();
        assertThat(cluster.node(1).vertx().eventBus()
            .<String>request("test.echo", "?", new DeliveryOptions().setSendTimeout(3000)).await().body())
            .isEqualTo("node3");
      }
    }
  }

  @Test
  void tamperedOrUntimelyAttributesAreRefusedWithTheReason() throws Exception {
    Path certs = certs(dir.resolve("certs"), "node1");
    BusTls tls = tls(certs, "node1");
    Instant now = Instant.now();
    Map<String, String> signed = MemberProof.attributes(tls, "node1", "inc-1", "127.0.0.1:9096", now);

    assertThat(MemberProof.refusal(member("127.0.0.1", signed, "inc-1"), tls, now)).isEmpty();
    assertThat(MemberProof.refusal(member("127.0.0.1", signed, "inc-2"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("the signature over its member attributes is not its certificate's"));
    assertThat(MemberProof.refusal(member("192.0.2.7", signed, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("its signed bus address 127.0.0.1:9096 is not on its membership host"));
    Map<String, String> future = MemberProof.attributes(tls, "node1", "inc-1", "127.0.0.1:9096",
        now.plus(tls.memberClockSkew()).plusSeconds(1));
    assertThat(MemberProof.refusal(member("127.0.0.1", future, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("later than now").contains("tls.member_clock_skew_ms"));
    Map<String, String> garbled = new HashMap<>(signed);
    garbled.put(MemberProof.ATTR_CERT, "not base64!");
    assertThat(MemberProof.refusal(member("127.0.0.1", garbled, "inc-1"), tls, now))
        .hasValueSatisfying(r -> assertThat(r).contains("its member attributes are malformed"));
  }

  private static com.hazelcast.cluster.Member member(String host, Map<String, String> proof, String incarnation)
      throws Exception {
    Map<String, String> attributes = new HashMap<>(proof);
    attributes.put(HazelcastSetup.ATTR_NAME, "node1");
    attributes.put(HazelcastSetup.ATTR_INCARNATION, incarnation);
    return new MemberImpl.Builder(new Address(host, 5701)).uuid(UUID.randomUUID()).attributes(attributes).build();
  }

  private BusTls tls(Path certs, String name) {
    JsonObject flags = TestCluster.tls(certs).put("name", name).put("data_dir", dir.resolve(name).toString());
    return BusTls.of(NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir)))
        .orElseThrow();
  }

  /**
   * A clustered Vert.x that joins the cluster's Hazelcast membership claiming a name, its member
   * attributes signed with the given certificate's key (or not signed), and none of ferry's checks.
   */
  private record Pretender(Vertx vertx, int membershipPort) implements AutoCloseable {
    static Pretender join(TestCluster cluster, Path dir, String claimedName, Optional<BusTls> signer) {
      List<Integer> ports = Ports.free(2);
      JsonObject flags = new JsonObject().put("name", claimedName).put("peers", cluster.peersFile().toString())
          .put("data_dir", dir.resolve("pretender-" + claimedName).toString())
          .put("cluster", new JsonObject().put("port", ports.get(0)).put("membership_port", ports.get(1)));
      NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
      var hazelcast = new HazelcastClusterManager(
          HazelcastSetup.config(config, Incarnation.next(), NodeKey.generate().peerId(), signer));
      var bus = new EventBusOptions().setHost("127.0.0.1").setPort(ports.get(0))
          .setClusterPublicHost("127.0.0.1").setClusterPublicPort(ports.get(0));
      Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(bus)).withClusterManager(hazelcast)
          .buildClustered().await();
      Eventually.await("the pretender to join the membership", DEADLINE,
          () -> hazelcast.getHazelcastInstance().getCluster().getMembers().size() >= cluster.size() + 1);
      return new Pretender(vertx, ports.get(1));
    }

    /** How the ERROR line names its membership address. */
    String address() {
      return "127.0.0.1]:" + membershipPort;
    }

    boolean loggedWith(List<String> errors, String reason) {
      return errors.stream().filter(l -> l.contains(address()) && l.contains(reason)).count() == 3;
    }

    @Override
    public void close() {
      vertx.close().await();
    }
  }
}
