package dev.ferry.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.instance.impl.NodeExtension;
import com.hazelcast.logging.LogEvent;
import dev.ferry.core.ConfigException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;

/**
 * A node's Hazelcast member: started by ferry rather than by Vert.x's cluster manager, so that
 * with TLS it runs {@link JoinCheck} (Hazelcast admits only members that prove themselves nodes of
 * the cluster CA), and then handed to the cluster manager, which leaves it running when Vert.x
 * closes; {@link #leave} stops it after that.
 *
 * <p>Joining and leaving block for seconds (Hazelcast's join, the migration of partitions), so each
 * runs on a thread of its own and completes a future; they may be called from any thread.
 */
final class HazelcastMember {
  /** What Hazelcast logs (SEVERE) when the master refused this member's join ({@code BeforeJoinCheckFailureOp}). */
  private static final String REFUSED = "Reason of failure for node join: ";

  private HazelcastMember() {}

  /**
   * Starts the member and joins the cluster ({@code membershipAddresses}: peers.json's, by name, for
   * {@link ConnectionProof}); when the master refuses it, the future fails with the
   * master's reason. With TLS, a cluster whose master does not prove itself a node of the cluster
   * CA is left at once (no ferry master would have let it in, so something that is not a ferry
   * node of this CA answers at a membership address): the future fails saying which address and why.
   */
  static CompletableFuture<HazelcastInstance> join(Config config, String name, Optional<BusTls> tls,
      Map<String, String> membershipAddresses) {
    return CompletableFuture.supplyAsync(() -> {
      AtomicReference<String> refusal = new AtomicReference<>();
      HazelcastInstance hazelcast;
      try {
        hazelcast = HazelcastInstanceFactory.newHazelcastInstance(config, config.getInstanceName(),
            new DefaultNodeContext() {
              @Override
              public NodeExtension createNodeExtension(Node node) {
                node.getLoggingService().addLogListener(Level.SEVERE, event -> refusal(event, refusal));
                return tls.<NodeExtension>map(t -> new JoinCheck(node, name, t, new ConnectionProof(t,
                    config.getNetworkConfig().getPublicAddress(), membershipAddresses)))
                    .orElseGet(() -> super.createNodeExtension(node));
              }
            });
      } catch (RuntimeException e) {
        if (refusal.get() != null) {
          throw new ConfigException("the cluster refused this node: " + refusal.get(), e);
        }
        throw e;
      }
      tls.ifPresent(t -> refuseAForeignMaster(hazelcast, t));
      return hazelcast;
    }, thread("ferry-join-" + name));
  }

  /** Keeps the reason a master gave for refusing this member, which Hazelcast only logs before it stops. */
  private static void refusal(LogEvent event, AtomicReference<String> refusal) {
    String message = event.getLogRecord().getMessage();
    int at = message == null ? -1 : message.indexOf(REFUSED);
    if (at >= 0) {
      refusal.set(message.substring(at + REFUSED.length()));
    }
  }

  /** Leaves the cluster and stops the member (Hazelcast hands its partitions to the other members first). */
  static CompletableFuture<Void> leave(HazelcastInstance hazelcast) {
    return CompletableFuture.runAsync(() -> hazelcast.getLifecycleService().shutdown(),
        thread("ferry-leave-" + hazelcast.getName()));
  }

  private static void refuseAForeignMaster(HazelcastInstance hazelcast, BusTls tls) {
    Member master = hazelcast.getCluster().getMembers().iterator().next();   // the oldest member is the master
    if (master.localMember()) {
      return;
    }
    Optional<String> refusal = MemberProof.refusal(master, tls, Instant.now());
    if (refusal.isPresent()) {
      hazelcast.getLifecycleService().shutdown();
      throw new ConfigException("the cluster's master at " + master.getAddress() + " (claims to be '"
          + master.getAttribute(HazelcastSetup.ATTR_NAME) + "') is not a node of this cluster: " + refusal.get()
          + ". Something that is not a ferry node of this cluster CA answers at a membership address of peers.json: "
          + "stop it, or firewall the membership port");
    }
  }

  private static Executor thread(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      thread.start();
    };
  }
}
