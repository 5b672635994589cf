package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import dev.ferry.core.Incarnation;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeKey;
import dev.ferry.peers.Peer;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hazelcast configuration a node starts with: the cluster name from {@code cluster.name}
 * (never Hazelcast's {@code dev}), membership bound to {@code cluster.host} only, joined over
 * TCP-IP with exactly the peers' membership addresses, and, with TLS, signed member attributes.
 * No member is started: this reads the {@link Config} that {@link HazelcastSetup} builds.
 */
class HazelcastSetupTest {
  @TempDir Path dir;

  private NodeConfig config(Path peers, JsonObject settings) {
    JsonObject flags = settings.copy().put("name", "node2").put("peers", peers.toString())
        .put("data_dir", dir.resolve("data").toString());
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  @Test
  void membershipIsTheConfiguredClusterOnTheConfiguredInterfaceOnly() {
    Path peersFile = dir.resolve("peers.json");
    List<Peer> peers = TestCluster.writePeers(peersFile, 3);
    Incarnation incarnation = Incarnation.next();
    Config shipped = HazelcastSetup.config(config(peersFile, new JsonObject()), incarnation, NodeKey.generate().peerId());
    Config named = HazelcastSetup.config(config(peersFile, new JsonObject().put("cluster", new JsonObject()
        .put("name", "staging"))), incarnation, NodeKey.generate().peerId());

    assertThat(shipped.getClusterName()).isEqualTo("ferry").isNotEqualTo(new Config().getClusterName());
    assertThat(named.getClusterName()).isEqualTo("staging");

    NetworkConfig network = named.getNetworkConfig();
    int membershipPort = peers.get(1).membershipPort().orElseThrow();
    assertThat(network.getInterfaces().isEnabled()).isTrue();
    assertThat(network.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(named.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(network.getPort()).isEqualTo(membershipPort);
    assertThat(network.isPortAutoIncrement()).isFalse();
    assertThat(network.getPublicAddress()).isEqualTo("127.0.0.1:" + membershipPort);
    assertThat(network.getRestApiConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(network.getJoin().getTcpIpConfig().getMembers()).containsExactlyElementsOf(
        peers.stream().map(p -> "127.0.0.1:" + p.membershipPort().orElseThrow()).toList());
    assertThat(named.getMemberAttributeConfig().getAttributes())
        .containsEntry(HazelcastSetup.ATTR_NAME, "node2").containsEntry(HazelcastSetup.ATTR_INCARNATION, incarnation.id())
        .doesNotContainKey(MemberProof.ATTR_SIGNATURE);
  }

  @Test
  void withTlsTheMemberAttributesAreSigned() {
    Path peersFile = dir.resolve("peers.json");
    TestCluster.writePeers(peersFile, 3);
    Path certs = BusTlsTest.certs(dir.resolve("certs"), "node1", "node2", "node3");
    NodeConfig node = config(peersFile, TestCluster.tls(certs));
    BusTls tls = BusTls.of(node).orElseThrow();

    Config signed = HazelcastSetup.config(node, Incarnation.next(), NodeKey.generate().peerId(), Optional.of(tls));

    assertThat(signed.getMemberAttributeConfig().getAttributes())
        .containsKeys(MemberProof.ATTR_SIGNATURE, MemberProof.ATTR_CERT)
        .containsEntry(MemberProof.ATTR_BUS, "127.0.0.1:" + node.cluster().port())
        .containsEntry(MemberProof.ATTR_MEMBERSHIP, "127.0.0.1:" + node.cluster().membershipPort());
  }
}
