package dev.ferry.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SocketInterceptorConfig;
import com.hazelcast.config.XmlConfigBuilder;
import dev.ferry.core.ConfigException;
import dev.ferry.core.Incarnation;
import dev.ferry.core.NodeConfig;
import dev.ferry.peers.PeerId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds the Hazelcast configuration of a node: {@code conf/cluster.xml} for the data structures
 * Vert.x needs, then the network from the resolved {@link NodeConfig}: TCP-IP join with exactly
 * the peers' membership addresses, no multicast or auto-detection, bound to the node's address.
 * With TLS, the member attributes carry a signature and the node's certificate ({@link MemberProof}),
 * and the socket interceptor is on, so that every connection starts with a {@link ConnectionProof}.
 */
final class HazelcastSetup {
  static final String CLUSTER_XML = "conf/cluster.xml";
  /** Member attributes that tell other nodes who this member is. */
  static final String ATTR_NAME = "ferry.name";
  static final String ATTR_INCARNATION = "ferry.incarnation";
  static final String ATTR_PEER_ID = "ferry.peer_id";
  /**
   * Vert.x's node id, which its cluster manager reads from the member attributes when it is given
   * a running Hazelcast instance (as ferry gives it, {@link HazelcastMember}) rather than starting one.
   */
  static final String ATTR_VERTX_NODE_ID = "__vertx.nodeId";

  private HazelcastSetup() {}

  /** The configuration of a node without TLS, whose member attributes are not signed. */
  static Config config(NodeConfig node, Incarnation incarnation, PeerId peerId) {
    return config(node, incarnation, peerId, Optional.empty());
  }

  /** The configuration of a node; with {@code tls}, its member attributes are signed ({@link MemberProof}). */
  static Config config(NodeConfig node, Incarnation incarnation, PeerId peerId, Optional<BusTls> tls) {
    Config config = baseConfig();
    var cluster = node.cluster();
    config.setClusterName(cluster.name());
    config.setInstanceName("ferry-" + node.name() + "-" + incarnation);

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.membershipPort()).setPortAutoIncrement(false);
    network.setPublicAddress(cluster.host() + ":" + cluster.membershipPort());
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    network.getRestApiConfig().setEnabled(false);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());

    config.getMemberAttributeConfig().setAttribute(ATTR_NAME, node.name());
    config.getMemberAttributeConfig().setAttribute(ATTR_INCARNATION, incarnation.id());
    config.getMemberAttributeConfig().setAttribute(ATTR_PEER_ID, peerId.toString());
    config.getMemberAttributeConfig().setAttribute(ATTR_VERTX_NODE_ID, UUID.randomUUID().toString());
    // with TLS, every connection of the membership port proves itself first (JoinCheck's ConnectionProof);
    // Hazelcast asks the node extension for the interceptor only when this is enabled
    network.setSocketInterceptorConfig(new SocketInterceptorConfig().setEnabled(tls.isPresent()));
    tls.ifPresent(t -> MemberProof.attributes(t, node.name(), incarnation.id(), cluster.host() + ":" + cluster.port(),
        cluster.host() + ":" + cluster.membershipPort(), Instant.now()).forEach(config.getMemberAttributeConfig()::setAttribute));

    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // the node undeploys its verticles first, then leaves the cluster itself
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(cluster.heartbeatIntervalSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(cluster.maxNoHeartbeatSeconds()));
    // two nodes that started at once each form a cluster; merge them soon rather than after 5 min
    config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(cluster.mergeDelaySeconds()));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(cluster.mergeDelaySeconds()));
    return config;
  }

  private static Config baseConfig() {
    try (InputStream in = HazelcastSetup.class.getClassLoader().getResourceAsStream(CLUSTER_XML)) {
      if (in == null) {
        throw new ConfigException(CLUSTER_XML + " is missing from the class path: rebuild the jar");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
