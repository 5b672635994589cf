package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.Members;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three clustered nodes in one JVM: forming, member events, and noticing a node that leaves. */
@Timeout(180)
class ClusterTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void threeNodesFormOneClusterAndSeeEachOtherLeave() {
    try (var cluster = TestCluster.inJvm(3)) {
      for (int i = 1; i <= 3; i++) {
        Members members = cluster.node(i).members();
        Eventually.await("3 members seen by node " + i, DEADLINE, () -> members.current().size() == 3);
      }
      assertThat(cluster.node(1).members().current()).extracting(Members.Member::name)
          .containsExactly("node1", "node2", "node3");
      assertThat(cluster.node(2).members().byName("node2").orElseThrow().local()).isTrue();
      assertThat(cluster.node(2).members().byName("node1").orElseThrow().incarnation())
          .isEqualTo(cluster.node(1).incarnation().id());

      List<JsonObject> events = new CopyOnWriteArrayList<>();
      cluster.node(1).vertx().eventBus().<JsonObject>consumer(Addresses.MEMBER_EVENTS, m -> events.add(m.body()))
          .completion().await();

      cluster.stop(3);

      Eventually.await("node1 to publish that node3 left", DEADLINE,
          () -> events.stream().anyMatch(e -> e.getString("event").equals("left") && e.getString("node").equals("node3")));
      JsonObject left = events.stream().filter(e -> e.getString("event").equals("left")).findFirst().orElseThrow();
      assertThat(left.getJsonArray("members").getList()).containsExactly("node1", "node2");
      assertThat(events).filteredOn(e -> e.getString("node").equals("node3")).hasSize(1);
      Eventually.await("node2 to drop node3", DEADLINE, () -> !cluster.node(2).members().isUp("node3"));

      Node again = cluster.restart(3);
      Eventually.await("node1 to publish that node3 joined again", DEADLINE,
          () -> events.stream().anyMatch(e -> e.getString("event").equals("joined")
              && e.getString("incarnation").equals(again.incarnation().id())));
      assertThat(cluster.node(1).members().byName("node3").orElseThrow().incarnation())
          .isEqualTo(again.incarnation().id());
    }
  }
}
