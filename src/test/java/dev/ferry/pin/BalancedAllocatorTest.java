package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.pin.monitor.Metric;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The balanced allocator as the pinset applies it: the op carries {@code pin.allocate_by} as its
 * proposer saw the metrics, so replicas agree whatever their own monitors hold; tags spread
 * replicas over groups, ranks order nodes, ties go by fewest pins, user allocations come first;
 * and what the proposer leaves out of the op ({@link Placement}): nodes below
 * {@code pin.min_freespace_bytes}, or below the pin's size and that reserve when the size is known.
 */
class BalancedAllocatorTest {
  private static final List<String> NODES = List.of("node1", "node2", "node3", "node4");

  /** A pin op to allocate at apply among {@code live}, with rankings. */
  private static JsonObject placed(String cid, int replication, JsonArray metrics, List<String> live) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("name", "").put("replication_min", replication)
        .put("replication_max", replication).put("live", new JsonArray(live)).put("origin", "node1")
        .put("time", "2026-12-02T20:00:00Z").put(Ranking.FIELD, metrics);
  }

  private static JsonObject metric(String name, Map<String, Object> values) {
    return new JsonObject().put("name", name).put("values", new JsonObject(new TreeMap<>(values)));
  }

  private static final JsonObject GROUPS = metric("tag:group",
      Map.of("node1", "a", "node2", "a", "node3", "b", "node4", "b"));

  @Test
  void replicasLandInDifferentGroupsAndEveryReplicaAgrees() {
    PinSet one = new PinSet(10);
    PinSet other = new PinSet(10);
    // node2 and node4 have more free space (in steps) than their group mates
    JsonArray metrics = new JsonArray().add(GROUPS)
        .add(metric("freespace", Map.of("node1", 5L, "node2", 9L, "node3", 5L, "node4", 7L)));
    List<List<String>> allocations = new ArrayList<>();
    for (int n = 0; n < 8; n++) {
      JsonObject op = placed(PinSetTest.cid(n), 2, metrics, NODES);
      one.checkProposal(op);
      JsonObject pinned = one.apply(n + 1, op);
      assertThat(other.apply(n + 1, op)).isEqualTo(pinned);
      allocations.add(pinned.getJsonArray("allocations").stream().map(String::valueOf).toList());
    }
    // one replica in each group, each time: the node with the most free space of each group
    assertThat(allocations).allSatisfy(nodes -> assertThat(nodes).containsExactly("node2", "node4"));

    // three replicas: group a (node2 ranks first) twice, group b once
    JsonObject three = one.apply(9, placed(PinSetTest.cid(100), 3, metrics, NODES));
    assertThat(three.getJsonArray("allocations")).containsExactly("node1", "node2", "node4");
  }

  @Test
  void equalRanksGoByFewestPinsAndNodesWithoutAMetricComeLast() {
    PinSet set = new PinSet(10);
    JsonArray equal = new JsonArray().add(metric("freespace", Map.of("node1", 3L, "node2", 3L, "node3", 3L)));
    List<String> chosen = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      JsonObject pinned = set.apply(n + 1, placed(PinSetTest.cid(n), 1, equal, NODES));
      chosen.add(pinned.getJsonArray("allocations").getString(0));
    }
    // node4 reported no free space: the three that did take turns by fewest pins
    assertThat(chosen).containsExactly("node1", "node2", "node3", "node1", "node2", "node3");
  }

  @Test
  void userAllocationsComeFirstAndAnOpWithoutMetricsAllocatesAsBefore() {
    PinSet set = new PinSet(10);
    JsonArray metrics = new JsonArray().add(metric("freespace", Map.of("node1", 9L, "node2", 1L, "node3", 1L)));
    JsonObject op = placed(PinSetTest.cid(1), 2, metrics, NODES).put("user_allocations", new JsonArray().add("node3"));
    assertThat(set.apply(1, op).getJsonArray("allocations")).containsExactly("node1", "node3");

    JsonObject plain = placed(PinSetTest.cid(2), 2, new JsonArray(), NODES);
    plain.remove(Ranking.FIELD);
    // by fewest pins then name: node2 and node4 hold none
    assertThat(set.apply(2, plain).getJsonArray("allocations")).containsExactly("node2", "node4");
  }

  @Test
  void malformedMetricsAreRefusedNamingTheField() {
    PinSet set = new PinSet(10);
    assertThatThrownBy(() -> set.checkProposal(placed(PinSetTest.cid(1), 1, new JsonArray().add("freespace"), NODES)))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST))
        .hasMessageContaining("field metrics: expected {\"name\": metric, \"values\": {node: value}}");
    JsonArray mixed = new JsonArray().add(metric("freespace", Map.of("node1", 3L, "node2", "lots")));
    assertThatThrownBy(() -> set.checkProposal(placed(PinSetTest.cid(1), 1, mixed, NODES)))
        .hasMessageContaining("the values of freespace must be all texts (a tag) or all whole numbers (a rank)");
  }

  @Test
  void theProposerLeavesOutNodesBelowTheReserveWhateverThePinsSizeButNotThoseHoldingIt() {
    // node4 has reported no free space: unknown is not full
    SortedMap<String, Metric> free = new TreeMap<>();
    Map.of("node1", 1_000_000L, "node2", 1_500L, "node3", 0L).forEach((node, bytes) ->
        free.put(node, new Metric("freespace", node, Long.toString(bytes), bytes, true, false, Long.MAX_VALUE, 0)));
    Placement placement = new Placement(new AllocationConfig(List.of("freespace"), 1, 1_000),
        name -> "freespace".equals(name) ? free : new TreeMap<>());
    SortedSet<String> live = new TreeSet<>(NODES);

    Placement.Candidates byCid = placement.candidates(live, null);
    assertThat(byCid.live()).containsExactly("node1", "node2", "node4");
    assertThat(byCid.whyFewer())
        .isEqualTo("; too little free space on node3 (0 bytes free, less than the 1000 that pin.min_freespace_bytes keeps free)");
    // a known size must fit with the reserve left
    assertThat(placement.candidates(live, 500L).live()).containsExactly("node1", "node2", "node4");
    Placement.Candidates big = placement.candidates(live, 501L);
    assertThat(big.live()).containsExactly("node1", "node4");
    assertThat(big.tooFull()).containsEntry("node2",
        "node2 (1500 bytes free, the pin needs 501 and pin.min_freespace_bytes keeps 1000 free)");
    // the nodes that hold the content already (a pin moved off a node that left) keep it
    assertThat(placement.candidates(live, null, List.of("node3")).live()).containsExactlyElementsOf(NODES);

    Placement noReserve = new Placement(new AllocationConfig(List.of("freespace"), 1, 0), name -> free);
    assertThat(noReserve.candidates(live, null).live()).containsExactlyElementsOf(NODES);
    assertThat(noReserve.candidates(live, 1L).tooFull())
        .containsExactly(Map.entry("node3", "node3 (0 bytes free, the pin needs 1)"));
  }
}
