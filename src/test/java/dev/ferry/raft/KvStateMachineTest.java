package dev.ferry.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kv state machine on its own: ops, checks, snapshots. */
class KvStateMachineTest {
  private final KvStateMachine kv = new KvStateMachine(2);

  private static JsonObject op(String name, String key) {
    return new JsonObject().put("op", name).put("key", key);
  }

  @Test
  void aListWithoutALimitIsOnePageOfAtMostMaxPage() {
    for (int i = 0; i <= KvOp.ListEntries.MAX_PAGE; i++) {
      kv.apply(i + 1, op("put", String.format("k/%06d", i)).put("value", "v"));
    }
    JsonObject page = kv.query(new JsonObject().put("op", "list"));
    assertThat(page.getJsonArray("entries")).hasSize(KvOp.ListEntries.MAX_PAGE);
    assertThat(page.getBoolean("more")).isTrue();
    JsonObject rest = kv.query(new JsonObject().put("op", "list").put("after", String.format("k/%06d",
        KvOp.ListEntries.MAX_PAGE - 1)));
    assertThat(rest.getJsonArray("entries")).hasSize(1);
    assertThat(rest.getBoolean("more")).isFalse();
  }

  @Test
  void putGetDeleteAndList() {
    assertThat(kv.apply(1, op("put", "a/1").put("value", "x")).getString("previous")).isNull();
    assertThat(kv.apply(2, op("put", "a/1").put("value", "y")).getString("previous")).isEqualTo("x");
    kv.apply(3, op("put", "a/2").put("value", "z"));
    kv.apply(4, op("put", "b").put("value", "w"));
    assertThat(kv.query(op("get", "a/1"))).isEqualTo(new JsonObject().put("key", "a/1").put("value", "y")
        .put("index", 2L));
    assertThat(kv.query(new JsonObject().put("op", "list").put("prefix", "a/")).getJsonArray("entries")).hasSize(2);
    assertThat(kv.query(new JsonObject().put("op", "list").put("prefix", "a/").put("limit", 1))
        .getJsonArray("entries")).hasSize(1);
    JsonObject first = kv.query(new JsonObject().put("op", "list").put("prefix", "a/").put("limit", 1));
    assertThat(first.getBoolean("more")).isTrue();
    JsonObject next = kv.query(new JsonObject().put("op", "list").put("prefix", "a/").put("limit", 1)
        .put("after", first.getJsonArray("entries").getJsonObject(0).getString("key")));
    assertThat(next.getJsonArray("entries").getJsonObject(0).getString("key")).isEqualTo("a/2");
    assertThat(next.getBoolean("more")).as("b is not under a/").isFalse();
    assertThat(kv.apply(5, op("delete", "a/1")).getBoolean("deleted")).isTrue();
    assertThat(kv.apply(6, op("delete", "a/1")).getBoolean("deleted")).isFalse();
    assertThat(kv.query(op("get", "a/1"))).isNull();
  }

  @Test
  void casComparesWithTheCurrentValueAndNullMeansAbsent() {
    assertThat(kv.apply(1, op("cas", "k").put("expect", "x").put("value", "a")).getBoolean("ok")).isFalse();
    assertThat(kv.apply(2, op("cas", "k").putNull("expect").put("value", "a")).getBoolean("ok")).isTrue();
    JsonObject failed = kv.apply(3, op("cas", "k").put("expect", "b").put("value", "c"));
    assertThat(failed.getBoolean("ok")).isFalse();
    assertThat(failed.getString("value")).isEqualTo("a");
    assertThat(failed.getLong("index")).isEqualTo(2);
    assertThat(kv.apply(4, op("cas", "k").put("expect", "a").putNull("value")).getBoolean("ok")).isTrue();
    assertThat(kv.size()).isZero();
  }

  @Test
  void snapshotsRestoreTheSameState() {
    for (int i = 0; i < 5; i++) {
      kv.apply(i + 1, op("put", "k" + i).put("value", "v" + i));
    }
    List<JsonObject> chunks = new ArrayList<>();
    kv.snapshot(chunks::add);
    assertThat(chunks).hasSize(3);
    KvStateMachine copy = new KvStateMachine(2);
    copy.restore(chunks);
    assertThat(copy.query(op("get", "k4"))).isEqualTo(kv.query(op("get", "k4")));
    assertThat(copy.size()).isEqualTo(5);
  }

  @Test
  void malformedOpsAreBadRequests() {
    for (JsonObject bad : List.of(new JsonObject(), op("explode", "k"), op("put", "").put("value", "v"),
        op("put", "k"), op("put", "k").put("value", 3), op("cas", "k").put("expect", 1),
        new JsonObject().put("op", "list").put("limit", 0))) {
      assertThatThrownBy(() -> kv.checkProposal(bad)).as(bad.encode()).isInstanceOf(FerryException.class)
          .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.BAD_REQUEST);
    }
    assertThatThrownBy(() -> kv.checkQuery(op("put", "k").put("value", "v"))).hasMessageContaining("propose it");
    kv.checkQuery(op("get", "k"));
    kv.checkProposal(op("get", "k"));
  }
}
