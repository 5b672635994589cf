package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which records of a group's stores say that a replica is not the member it claims to be. */
class StoreRecordsTest {
  private final List<String> conflicts = new ArrayList<>();

  private StoreRecords running(String ownId, NodeEndpoint self) {
    StoreRecords records = new StoreRecords(ownId);
    records.watch(self, (endpoint, id) -> conflicts.add(endpoint + "=" + id));
    return records;
  }

  @Test
  void itsOwnRecordOthersAndEarlierGenerationsAreNoConflict() {
    StoreRecords records = running("mine", new NodeEndpoint("node2", 1));
    records.apply(new StoreRecordOp("node2", "old")); // its store before it left
    records.apply(new StoreRecordOp("node1", "theirs"));
    records.apply(new StoreRecordOp("node2#1", "mine"));
    assertThat(conflicts).isEmpty();
    assertThat(records.latest("node2")).contains(new NodeEndpoint("node2", 1));
    assertThat(records.latest("node3")).isEmpty();
  }

  @Test
  void itsEndpointOrALaterGenerationOnAnotherStoreIsAConflictReportedOnce() {
    StoreRecords records = running("fresh", new NodeEndpoint("node2"));
    records.apply(new StoreRecordOp("node2", "lost"));
    records.apply(new StoreRecordOp("node2#1", "later"));
    assertThat(conflicts).containsExactly("node2=lost");

    conflicts.clear();
    running("fresh", new NodeEndpoint("node2")).restore(new JsonObject().put("node2#2", "later"));
    assertThat(conflicts).containsExactly("node2#2=later");
  }

  @Test
  void theFirstStoreRecordedForAnEndpointStaysItsStore() {
    StoreRecords records = new StoreRecords("x");
    records.apply(new StoreRecordOp("node1", "first"));
    records.apply(new StoreRecordOp("node1", "second"));
    assertThat(records.toJson()).isEqualTo(new JsonObject().put("node1", "first"));
    records.restore(null);
    assertThat(records.toJson()).isEqualTo(new JsonObject());
  }
}
