package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.raft.FeedEntry;
import dev.ferry.raft.FeedPosition;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a group's change feed keeps against {@code raft.feed_history}: an op that carries ops
 * (the pinset's {@code pins} op) counts as that many, so a history of such ops holds no more ops
 * than one of single ops would. No ports: the feed publishes on a local event bus only.
 */
class FeedTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void anOpCarryingOpsCountsAsThatManyAgainstTheHistory() {
    Feed feed = new Feed(vertx, "g", 10);
    feed.committed(1, 1, carrying(8));
    feed.committed(2, 1, new JsonObject().put("op", "put"));
    feed.committed(3, 1, new JsonObject().put("op", "put"));
    assertThat(feed.after(FeedPosition.START, 100).entries()).extracting(FeedEntry::index).containsExactly(1L, 2L, 3L);
    // kept as text, read back as the ops that were committed
    assertThat(feed.after(FeedPosition.START, 100).entries()).extracting(FeedEntry::op)
        .containsExactly(carrying(8), new JsonObject().put("op", "put"), new JsonObject().put("op", "put"));

    // 8 + 3 > 10: the op carrying 8 ages out, though the history holds only 3 entries
    feed.committed(4, 1, new JsonObject().put("op", "put"));
    assertThatThrownBy(() -> feed.after(FeedPosition.START, 100)).isInstanceOf(FerryException.class)
        .hasMessageContaining("compacted");
    assertThat(feed.after(FeedPosition.afterEntry(1), 100).entries()).extracting(FeedEntry::index)
        .containsExactly(2L, 3L, 4L);

    // one heavier than the whole history is still kept, alone
    feed.committed(5, 1, carrying(12));
    assertThat(feed.after(FeedPosition.afterEntry(4), 100).entries()).extracting(FeedEntry::index).containsExactly(5L);
    assertThatThrownBy(() -> feed.after(FeedPosition.afterEntry(3), 100)).isInstanceOf(FerryException.class);
  }

  @Test
  void aBatchEntryIsKeptAsTheLogsTextAndReadBackOpByOp() {
    Feed feed = new Feed(vertx, "g", 10);
    List<JsonObject> ops = List.of(put("a"), carrying(3), put("b"));
    feed.committedBatch(1, 2, ops, new JsonArray(new ArrayList<Object>(ops)).encode());
    feed.committed(2, 2, put("c"));

    assertThat(feed.after(FeedPosition.START, 100).entries()).containsExactly(FeedEntry.op(1, 0, 2, put("a")),
        FeedEntry.op(1, 1, 2, carrying(3)), FeedEntry.op(1, 2, 2, put("b")), FeedEntry.op(2, 0, 2, put("c")));
    // from the middle of the batch, and a limit that ends inside it
    assertThat(feed.after(new FeedPosition(1, 0), 100).entries()).extracting(FeedEntry::position)
        .containsExactly(new FeedPosition(1, 1), new FeedPosition(1, 2), new FeedPosition(2, 0));
    assertThat(feed.after(FeedPosition.START, 2).entries()).extracting(FeedEntry::position)
        .containsExactly(new FeedPosition(1, 0), new FeedPosition(1, 1));
    assertThat(feed.after(FeedPosition.afterEntry(1), 100).entries()).extracting(FeedEntry::index).containsExactly(2L);

    // the batch weighs 1 + 3 + 1 = 5; with 5 more it ages out whole, through its last op
    feed.committed(3, 2, carrying(5));
    assertThatThrownBy(() -> feed.after(new FeedPosition(1, 1), 100)).isInstanceOf(FerryException.class)
        .hasMessageContaining("ops up to 1/2 are compacted");
    assertThat(feed.after(new FeedPosition(1, 2), 100).entries()).extracting(FeedEntry::index).containsExactly(2L, 3L);
  }

  private static JsonObject put(String key) {
    return new JsonObject().put("op", "put").put("key", key);
  }

  private static JsonObject carrying(int n) {
    JsonArray ops = new JsonArray();
    for (int i = 0; i < n; i++) {
      ops.add(new JsonObject().put("op", "pin").put("cid", "c" + i));
    }
    return new JsonObject().put("op", "pins").put("ops", ops);
  }
}
