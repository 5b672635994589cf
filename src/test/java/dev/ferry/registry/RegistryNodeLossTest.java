package dev.ferry.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Claims leave with their node, and a node that comes back announces its claims again. */
@Timeout(180)
class RegistryNodeLossTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void claimsGoWithTheirNodeAndComeBackWithItsNextRun() {
    try (var cluster = TestCluster.inJvm(3)) {
      cluster.awaitFullMembership();
      Mailbox service = cluster.mailboxes(3).create().await();
      Registry.of(cluster.node(3).vertx()).register("on-node3", service.address()).await();
      Eventually.await("node1 to see the claim", WAIT, () -> names(cluster, 1).contains("on-node3"));

      cluster.stop(3);
      Eventually.await("node1 and node2 to drop node3's claim", WAIT,
          () -> !names(cluster, 1).contains("on-node3") && !names(cluster, 2).contains("on-node3"));

      cluster.restart(3);
      Mailbox again = cluster.mailboxes(3).create().await();
      Registry.of(cluster.node(3).vertx()).register("on-node3", again.address()).await();
      Eventually.await("node1 to see the new run's claim", WAIT, () -> lookupAll(cluster, 1).equals(List.of(again.address())));
      assertThat(again.address().incarnation()).isNotEqualTo(service.address().incarnation());
    }
  }

  private static List<String> names(TestCluster.JvmCluster cluster, int node) {
    return Registry.of(cluster.node(node).vertx()).names().await();
  }

  private static List<Address> lookupAll(TestCluster.JvmCluster cluster, int node) {
    try {
      return Registry.of(cluster.node(node).vertx()).lookupAll("on-node3").await();
    } catch (RuntimeException e) {
      return List.of();
    }
  }
}
