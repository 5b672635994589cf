package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.pin.PinRequest.ReadFrom;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The typed requests of {@code ferry.pin} and {@code ferry.node.<node>.pin}, and the typed answers, on their wire JSON. */
class PinRequestTest {
  private static final String A = PinSetTest.cid(1);
  private static final String B = PinSetTest.cid(2);

  @Test
  void everyRequestReadsBackFromItsJson() {
    List<PinRequest> all = List.of(new PinRequest.Add(A, "doc", 2, 3), new PinRequest.Add(A, "", null, null),
        new PinRequest.Add(A, "sized", 1, 1, Pin.Extras.NONE, 4096L),
        new PinRequest.Unpin(A), new PinRequest.Get(A, ReadFrom.LEADER), new PinRequest.Get(A, ReadFrom.replica(7)),
        new PinRequest.ListPins(ReadFrom.LEADER, null, null), new PinRequest.ListPins(ReadFrom.replica(3), A, 10),
        new PinRequest.Status(A, ReadFrom.replica(0), false), new PinRequest.Status(A, ReadFrom.LEADER, true),
        new PinRequest.Statuses(ReadFrom.replica(4), A, null, Set.of("pinned", "pin_error"), true, null),
        new PinRequest.Statuses(ReadFrom.replica(0), null, 5, Set.of(), false, List.of(B, A)), new PinRequest.Members(),
        new PinRequest.ReadIndex());
    for (PinRequest request : all) {
      assertThat(PinRequest.REQUESTS.decode(request.toJson())).isEqualTo(request);
    }
    for (TrackerRequest request : List.of(new TrackerRequest.One(A, false), new TrackerRequest.One(A, true),
        new TrackerRequest.Batch(List.of(A, B), true), new TrackerRequest.Listing(null, 100, false),
        new TrackerRequest.Listing(A, 5000, true))) {
      assertThat(TrackerRequest.REQUESTS.decode(request.toJson())).isEqualTo(request);
    }
    // a node's part of a listing, or its error list, holds at most a page whatever a caller asks
    assertThat(TrackerRequest.REQUESTS.decode(new TrackerRequest.Listing(A, 1_000_000, false).toJson()))
        .isEqualTo(new TrackerRequest.Listing(A, PinQuery.MAX_PAGE, false));
  }

  @Test
  void theWireJsonIsTheDocumentedOne() {
    assertThat(new PinRequest.Add(A, "doc", 2, null).toJson()).isEqualTo(new JsonObject().put("op", "pin")
        .put("cid", A).put("name", "doc").put("replication_min", 2).put("replication_max", null));
    assertThat(new PinRequest.Get(A, ReadFrom.replica(9)).toJson()).isEqualTo(new JsonObject().put("op", "get")
        .put("cid", A).put("local", true).put("min_index", 9));
    assertThat(new PinRequest.ListPins(ReadFrom.replica(0), A, 2).toJson()).isEqualTo(new JsonObject()
        .put("op", "list").put("local", true).put("min_index", 0).put("after", A).put("limit", 2));
    assertThat(new TrackerRequest.Batch(List.of(A), true).toJson())
        .isEqualTo(new JsonObject().put("op", "recover").put("cids", new JsonArray().add(A)));
    assertThat(new TrackerRequest.Listing(A, 10, false).toJson()).isEqualTo(new JsonObject().put("op", "list")
        .put("limit", 10).put("recover", false).put("after", A));
    assertThat(new PinRequest.Members().toJson()).isEqualTo(new JsonObject().put("op", "members"));
    // a part of a node's stream of statuses: columns, the errors by position, read back as written
    StatusChunk chunk = new StatusChunk.Builder()
        .add(A, new PinTracker.Local("pinned", "", "2026-12-03T08:00:00Z", 1))
        .add(B, new PinTracker.Local("pin_error", "daemon down", "2026-12-03T08:00:01Z", 3)).build(true);
    JsonObject wire = new JsonObject().put("cids", new JsonArray().add(A).add(B))
        .put("statuses", new JsonArray().add("pinned").add("pin_error"))
        .put("times", new JsonArray().add("2026-12-03T08:00:00Z").add("2026-12-03T08:00:01Z"))
        .put("attempts", new JsonArray().add(1).add(3)).put("errors", new JsonObject().put("1", "daemon down"))
        .put("more", true);
    assertThat(chunk.toJson()).isEqualTo(wire);
    StatusChunk read = StatusChunk.fromJson(new JsonObject(wire.encode()));
    assertThat(read.status(0)).isEqualTo(new PinReply.NodeStatus("pinned", "", "2026-12-03T08:00:00Z", 1));
    assertThat(read.status(1)).isEqualTo(new PinReply.NodeStatus("pin_error", "daemon down", "2026-12-03T08:00:01Z", 3));
    assertThat(read.more()).isTrue();
    assertThatThrownBy(() -> StatusChunk.fromJson(wire.copy().put("times", new JsonArray().add("x"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cidsAreCanonicalAndAFilterMayBeAnArrayOrCommaSeparated() {
    String base58 = Cid.parse(A).toBase58btc();
    assertThat(decode(new JsonObject().put("op", "unpin").put("cid", base58))).isEqualTo(new PinRequest.Unpin(A));
    PinRequest.Statuses both = new PinRequest.Statuses(ReadFrom.replica(0), null, null, Set.of("pin_error",
        "unpin_error", "cluster_error", "pinned"), false, null);
    assertThat(decode(both.toJson().put("filter", "pinned,error"))).isEqualTo(both);
    assertThat(decode(both.toJson().put("filter", new JsonArray().add("error").add("pinned")))).isEqualTo(both);
    assertThat(decode(new JsonObject().put("op", "statuses").put("local", true).put("cids", new JsonArray().add(B).add(A).add(B))))
        .isEqualTo(new PinRequest.Statuses(ReadFrom.replica(0), null, null, Set.of(), false, List.of(A, B)));
  }

  @Test
  void aMalformedRequestIsABadRequestNamingTheField() {
    assertBad(new JsonObject().put("op", "explode"), "field op: expected one of pin, pin-many, unpin, get, list, status, "
        + "recover, statuses, errors, members, peer-add, peer-rm, read-index, got \"explode\"");
    assertBad(new JsonObject().put("op", "pin"), "field cid: expected a string, got nothing");
    assertBad(new JsonObject().put("op", "pin").put("cid", 7), "field cid: expected a string, got 7");
    assertBad(new JsonObject().put("op", "pin").put("cid", "QmNotACid"), "not a CID: 'QmNotACid'");
    assertBad(new JsonObject().put("op", "pin").put("cid", A).put("size", -1), "field size: expected a whole number "
        + ">= 0, got -1");
    assertBad(new JsonObject().put("op", "pin").put("cid", A).put("replication_min", 0),
        "field replication_min: expected a positive whole number or -1 (every node), got 0");
    assertBad(new JsonObject().put("op", "pin").put("cid", A).put("replication_max", "two"),
        "field replication_max: expected a whole number >= -1, got \"two\"");
    assertBad(new JsonObject().put("op", "pin").put("cid", A).put("name", "x".repeat(300)),
        "field name: at most 255 characters, got 300");
    assertBad(new JsonObject().put("op", "get").put("cid", A).put("local", "yes"),
        "field local: expected true or false, got \"yes\"");
    assertBad(new JsonObject().put("op", "get").put("cid", A).put("local", true).put("min_index", -1),
        "field min_index: expected a whole number >= 0, got -1");
    assertBad(new JsonObject().put("op", "list").put("limit", 0), "field limit: expected a whole number >= 1, got 0");
    assertBad(new JsonObject().put("op", "statuses").put("cids", A), "field cids: expected an array of CID strings");
    assertBad(new JsonObject().put("op", "statuses").put("cids", new JsonArray().add("QmNotACid")),
        "not a CID: 'QmNotACid'");
    assertBad(new JsonObject().put("op", "statuses").put("filter", "pinned,bogus"), "filter: unknown status 'bogus'");
    assertThatThrownBy(() -> TrackerRequest.REQUESTS.decode(new JsonObject().put("op", "status")))
        .isInstanceOf(FerryException.class).hasMessage("field cid: expected a string, got nothing");
    assertThatThrownBy(() -> TrackerRequest.REQUESTS.decode(new JsonObject().put("op", "status").put("cids", 3)))
        .isInstanceOf(FerryException.class).hasMessage("field cids: expected an array of CID strings, got 3");
  }

  @Test
  void answersReadBackFromTheirJson() {
    Pin pin = new Pin(A, "doc", 1, 2, List.of("node1"), "node1", "2026-12-02T00:00:00Z", 12);
    PinReply.Change change = new PinReply.Change(pin, true, 12);
    assertThat(PinReply.Change.fromJson(change.toJson())).isEqualTo(change);
    PinReply.Page page = new PinReply.Page(List.of(pin), 5, true);
    assertThat(PinReply.Page.fromJson(page.toJson())).isEqualTo(page);
    assertThat(page.next()).isEqualTo(A);
    PinReply.Status status = new PinReply.Status(pin, Map.of("node1", new PinReply.NodeStatus("pinned", "", "t", 1)));
    PinReply.StatusPage statuses = new PinReply.StatusPage(List.of(status), null);
    assertThat(PinReply.StatusPage.fromJson(statuses.toJson())).isEqualTo(statuses);
    assertThat(PinReply.Page.fromJson(new JsonObject().put("pins", new JsonArray().add(pin.toJson()))))
        .isEqualTo(new PinReply.Page(List.of(pin), 1, false));
  }

  @Test
  void aPinLeftOnNoNodeReadsBackAsThePinsetWroteIt() {
    // a move off a node that left, with no live node to take the pin, allocates none
    Pin nowhere = new Pin(A, "doc", 1, 2, List.of(), "node1", "2026-12-02T00:00:00Z", 12);
    assertThat(Pin.fromJson(nowhere.toJson())).isEqualTo(nowhere);
    assertThat(Pin.fromJson(nowhere.toJson()).toJson().encode()).isEqualTo(nowhere.toJson().encode());
  }

  private static PinRequest decode(JsonObject json) {
    return PinRequest.REQUESTS.decode(json);
  }

  private static void assertBad(JsonObject json, String message) {
    assertThatThrownBy(() -> decode(json)).isInstanceOfSatisfying(FerryException.class, e -> {
      assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST);
      assertThat(e.getMessage()).startsWith(message);
    });
  }
}
