package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IPFS Cluster's further pin options as the pinset keeps them: stored, replayed, honoured when allocating, expired. */
class PinExtrasTest {
  private static final String CID = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";

  private static JsonObject place(String expireAt, String... userAllocations) {
    JsonObject op = new JsonObject().put("op", "pin").put("cid", CID).put("name", "n").put("replication_min", 1)
        .put("replication_max", 1).put("live", new JsonArray(List.of("node1", "node2", "node3")))
        .put("origin", "node1").put("time", "2026-11-22T08:00:00Z").put("mode", "direct")
        .put("metadata", new JsonObject().put("owner", "ann"));
    if (expireAt != null) {
      op.put("expire_at", expireAt);
    }
    if (userAllocations.length > 0) {
      op.put("user_allocations", new JsonArray(List.of(userAllocations)));
    }
    return op;
  }

  @Test
  void userAllocationsAreChosenFirstAndEveryOptionIsKeptThroughASnapshot() {
    PinSet set = new PinSet(10);
    JsonObject pinned = set.apply(1, place(null, "node3"));
    assertThat(pinned.getJsonArray("allocations")).containsExactly("node3");
    assertThat(pinned.getString("mode")).isEqualTo("direct");
    assertThat(pinned.getJsonArray("user_allocations")).containsExactly("node3");
    assertThat(pinned.getJsonObject("metadata")).isEqualTo(new JsonObject().put("owner", "ann"));

    List<JsonObject> chunks = new ArrayList<>();
    set.snapshot(chunks::add);
    PinSet restored = new PinSet(10);
    restored.restore(chunks);
    assertThat(restored.query(new JsonObject().put("op", "get").put("cid", CID)).copy().put("index", 1L))
        .isEqualTo(pinned.copy().put("index", 1L));
  }

  @Test
  void aPinExpiresOnlyByTheTimeInTheOpSoEveryReplicaAgrees() {
    PinSet set = new PinSet(10);
    set.apply(1, place("2030-01-01T00:00:00Z"));
    JsonObject early = new JsonObject().put("op", "expire").put("cid", CID).put("at", "2029-12-31T23:59:59Z");
    assertThatThrownBy(() -> set.apply(2, early))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST));
    JsonObject due = new JsonObject().put("op", "expire").put("cid", CID).put("at", "2030-01-01T00:00:00Z");
    assertThat(set.apply(3, due).getBoolean("removed")).isTrue();

    set.apply(4, place(null));   // pinned again without an expiry: an expire op cannot remove it
    assertThatThrownBy(() -> set.apply(5, due)).isInstanceOf(FerryException.class);
  }
}
