package dev.ferry.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftRequestTest {
  private static final JsonObject PUT = new JsonObject().put("op", "put").put("key", "k").put("value", "v");

  @Test
  void everyRequestReadsBackFromItsJson() {
    List<RaftRequest> all = List.of(new RaftRequest.Propose(PUT),
        new RaftRequest.Query(PUT, Consistency.EVENTUAL, 7), new RaftRequest.Status(),
        new RaftRequest.Join("node4", true), new RaftRequest.Leave("node4"), new RaftRequest.Transfer("node2"),
        new RaftRequest.Feed(new FeedPosition(9, 2), 50), new RaftRequest.Feed(FeedPosition.afterEntry(9), null),
        new RaftRequest.Discover(), new RaftRequest.Removed("node1"), new RaftRequest.ReadIndex());
    for (RaftRequest request : all) {
      assertThat(RaftRequest.REQUESTS.decode(request.toJson())).isEqualTo(request);
      assertThat(request.toJson().getValue("op")).as("named by op").isInstanceOf(String.class);
    }
  }

  @Test
  void theOldSpellingNamesTheRequestWithActionAndCarriesTheOpInOp() {
    assertThat(decode(new JsonObject().put("action", "propose").put("op", PUT))).isEqualTo(new RaftRequest.Propose(PUT));
    assertThat(decode(new JsonObject().put("action", "query").put("op", PUT).put("consistency", "lease")))
        .isEqualTo(new RaftRequest.Query(PUT, Consistency.LEASE, 0));
    assertThat(decode(new JsonObject().put("action", "status"))).isEqualTo(new RaftRequest.Status());
    assertThat(decode(new JsonObject().put("action", "join").put("node", "node4")))
        .isEqualTo(new RaftRequest.Join("node4", false));
    assertThat(decode(new JsonObject().put("op", "propose").put("payload", PUT)))
        .isEqualTo(new RaftRequest.Propose(PUT));
  }

  @Test
  void anAmbiguousOrIncompleteRequestIsABadRequestNamingTheField() {
    assertBad(new JsonObject().put("op", PUT), "field op: expected one of propose, query, status, join, leave, "
        + "transfer, feed, discover, removed, read-index, got {\"op\":\"put\"");
    assertBad(new JsonObject().put("op", "propose").put("action", "query"),
        "field action: expected nothing or \"propose\"");
    assertBad(new JsonObject().put("op", "propose"), "field payload: expected a JSON object, got nothing");
    assertBad(new JsonObject().put("action", "propose").put("payload", "x"),
        "field payload: expected a JSON object, got \"x\"");
    assertBad(new JsonObject().put("op", "query").put("payload", PUT).put("minIndex", -1),
        "field minIndex: expected a whole number >= 0, got -1");
    assertBad(new JsonObject().put("op", "query").put("payload", PUT).put("consistency", "strong"),
        "consistency: expected linearizable, lease or eventual, got 'strong'");
    assertBad(new JsonObject().put("op", "feed").put("after", "ten"), "field after: expected a whole number >= 0");
    assertBad(new JsonObject().put("op", "feed").put("offset", -2), "field offset: expected a whole number >= 0");
    assertBad(new JsonObject().put("op", "feed").put("limit", 1e12),
        "field limit: expected a whole number from 0 to 2147483647");
    assertBad(new JsonObject().put("op", "join").put("node", "a.b"),
        "field node: expected a node name (letters, digits, - and _), got \"a.b\"");
    assertBad(new JsonObject().put("op", "join").put("node", "n").put("learner", "no"),
        "field learner: expected true or false, got \"no\"");
  }

  private static RaftRequest decode(JsonObject json) {
    return RaftRequest.REQUESTS.decode(json);
  }

  private static void assertBad(JsonObject json, String message) {
    assertThatThrownBy(() -> decode(json)).isInstanceOfSatisfying(FerryException.class, e -> {
      assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST);
      assertThat(e.getMessage()).startsWith(message);
    });
  }
}
