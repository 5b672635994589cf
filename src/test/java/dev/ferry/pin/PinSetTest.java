package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.raft.SnapshotChunks;
import dev.ferry.raft.StateMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PinSetTest {
  private static final String CID = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
  private static final String SAME_CID_BASE58 = "zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr";
  private static final String OTHER = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB";

  private static JsonObject pin(String cid, String... nodes) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("name", "n").put("replication_min", 1)
        .put("replication_max", 2).put("allocations", new JsonArray(List.of(nodes))).put("origin", "node1")
        .put("time", "2026-11-22T08:00:00Z");
  }

  @Test
  void pinsAreKeptByCanonicalCidWithTheirAllocations() {
    PinSet set = new PinSet(10);
    set.checkProposal(pin(SAME_CID_BASE58, "node2", "node1"));
    JsonObject pinned = set.apply(5, pin(SAME_CID_BASE58, "node2", "node1"));
    assertThat(pinned.getString("cid")).isEqualTo(CID);
    assertThat(pinned.getJsonArray("allocations")).containsExactly("node1", "node2");
    assertThat(pinned.getLong("index")).isEqualTo(5);

    JsonObject moved = set.apply(6, new JsonObject().put("op", "allocate").put("cid", CID)
        .put("allocations", new JsonArray().add("node3").add("node1")));
    assertThat(moved.getJsonArray("allocations")).containsExactly("node1", "node3");
    assertThat(set.query(new JsonObject().put("op", "get").put("cid", SAME_CID_BASE58)).getString("name")).isEqualTo("n");

    set.apply(7, pin(OTHER, "node1"));
    assertThat(set.query(new JsonObject().put("op", "list")).getJsonArray("pins")).hasSize(2);

    assertThat(set.apply(8, new JsonObject().put("op", "unpin").put("cid", CID)).getBoolean("removed")).isTrue();
    assertThatThrownBy(() -> set.query(new JsonObject().put("op", "get").put("cid", CID)))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.NOT_FOUND));
    assertThatThrownBy(() -> set.apply(9, new JsonObject().put("op", "unpin").put("cid", CID)))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.NOT_FOUND));
  }

  @Test
  void aSnapshotRestoresTheSamePinset() {
    PinSet set = new PinSet(2);
    set.apply(1, pin(CID, "node1"));
    set.apply(2, pin(OTHER, "node1", "node2"));
    set.apply(3, pin("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", "node3"));
    List<JsonObject> chunks = new ArrayList<>();
    set.snapshot(chunks::add);
    assertThat(chunks).hasSize(2);

    PinSet copy = new PinSet(2);
    copy.restore(chunks);
    JsonObject list = new JsonObject().put("op", "list");
    assertThat(copy.query(list)).isEqualTo(set.query(list));
  }

  @Test
  void badOpsAreRefusedBeforeTheLogSayingWhichField() {
    PinSet set = new PinSet(10);
    assertRefused(set, new JsonObject().put("op", "explode"), "field op: expected one of [allocate, expire, expired, get, list, pin, pins, unpin]");
    assertRefused(set, pin("not-a-cid", "node1"), "not a CID: 'not-a-cid'");
    assertRefused(set, pin(CID), "field allocations: expected a non-empty array");
    assertRefused(set, pin(CID, "node1", "node1"), "expected distinct node names");
    assertRefused(set, pin(CID, "node1").put("replication_min", 3), "replication_min (3) must not exceed replication_max (2)");
    assertRefused(set, pin(CID, "node1").put("replication_max", 0), "field replication_max: expected a positive");
    assertRefused(set, pin(CID, "node1").put("name", "x".repeat(300)), "field name: at most 255");
    assertRefused(set, new JsonObject().put("op", "allocate").put("cid", CID), "field allocations");
    assertThatThrownBy(() -> set.checkQuery(new JsonObject().put("op", "pin")))
        .isInstanceOf(FerryException.class).hasMessageContaining("expected one of [expired, get, list]");
  }

  @Test
  void anOpReadsBackAsTheSameOpAndChangesTheMirrorAsThePinSet() {
    List<PinOp> ops = List.of(PinOp.parse(pin(SAME_CID_BASE58, "node2", "node1")),
        PinOp.parse(pin(OTHER, "node3")),
        PinOp.parse(new JsonObject().put("op", "allocate").put("cid", CID).put("allocations", new JsonArray().add("node3"))),
        PinOp.parse(new JsonObject().put("op", "unpin").put("cid", OTHER)));
    PinSet set = new PinSet(10);
    PinState mirror = new PinState();
    long index = 1;
    for (PinOp op : ops) {
      assertThat(PinOp.parse(op.toJson())).isEqualTo(op);
      set.apply(index, op.toJson());
      mirror.apply(index++, op);
    }
    assertThat(new JsonArray(mirror.pins().stream().map(Pin::toJson).toList()))
        .isEqualTo(set.query(new JsonObject().put("op", "list")).getJsonArray("pins"));
    assertThat(mirror.get(CID).allocations()).containsExactly("node3");
  }

  @Test
  void aPinsOpAppliesEachOfItsOpsOnItsOwnAsTheMirrorDoes() {
    PinSet set = new PinSet(10);
    set.apply(1, pin(OTHER, "node1"));
    List<PinOp> ops = List.of(PinOp.parse(placed(CID, 2, "node1", "node2", "node3")),
        PinOp.parse(new JsonObject().put("op", "unpin").put("cid", cid(7))),
        PinOp.parse(placed(cid(8), 3, "node1", "node2")),
        PinOp.parse(placed(cid(9), 1, "node1", "node2", "node3")),
        PinOp.parse(new JsonObject().put("op", "unpin").put("cid", OTHER)));
    JsonObject batch = new PinOp.Each(ops).toJson();
    set.checkProposal(batch);
    assertThat(PinOp.parseEach(batch)).isEqualTo(ops);

    JsonObject applied = set.apply(2, batch);
    assertThat(applied.getInteger("applied")).isEqualTo(3);
    assertThat(applied.getJsonArray("refused").stream().map(r -> ((JsonObject) r).getInteger("at")).toList())
        .containsExactly(1, 2);
    assertThat(applied.getJsonArray("refused").getJsonObject(0).getString("code")).isEqualTo(FerryException.NOT_FOUND);
    JsonArray pins = set.query(new JsonObject().put("op", "list")).getJsonArray("pins");
    assertThat(pins.stream().map(p -> ((JsonObject) p).getString("cid")).toList())
        .containsExactlyInAnyOrder(CID, cid(9));
    // the ops share the entry's index
    assertThat(set.query(new JsonObject().put("op", "get").put("cid", CID)).getLong("index")).isEqualTo(2);

    PinState mirror = new PinState();
    mirror.apply(1, PinOp.parse(pin(OTHER, "node1")));
    for (PinOp op : PinOp.parseEach(batch)) {
      try {
        mirror.apply(2, op);
      } catch (FerryException e) {
        // refused alike on every replica
      }
    }
    assertThat(new JsonArray(mirror.pins().stream().map(Pin::toJson).toList())).isEqualTo(pins);

    assertRefused(set, new PinOp.Each(List.of()).toJson().put("ops", new JsonArray()), "field ops: expected a non-empty array");
    assertRefused(set, new JsonObject().put("op", "pins").put("ops", new JsonArray().add(batch)),
        "field op: expected one of [allocate, expire, pin, unpin], got pins");
  }

  /** A pin the pinset allocates when it applies it, among the nodes its proposer saw live. */
  private static JsonObject placed(String cid, int replication, String... live) {
    return new JsonObject().put("op", "pin").put("cid", cid).put("name", "").put("replication_min", replication)
        .put("replication_max", replication).put("live", new JsonArray(List.of(live))).put("origin", "node1")
        .put("time", "2026-11-22T08:00:00Z");
  }

  /** A CIDv1 (raw, SHA-256) of some content of its own. */
  static String cid(int n) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("pin " + n).getBytes(StandardCharsets.UTF_8));
      return Cid.parse("f01551220" + HexFormat.of().formatHex(digest)).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theSameOpsAllocateTheSameOnEveryReplicaAndBalanceTheLoad() {
    PinSet one = new PinSet(7);
    PinSet other = new PinSet(7);
    List<JsonObject> log = new ArrayList<>();
    for (int n = 0; n < 60; n++) {
      log.add(placed(cid(n), n % 2 + 1, "node1", "node2", "node3"));
    }
    for (int n = 0; n < 60; n += 5) {
      log.add(new JsonObject().put("op", "unpin").put("cid", cid(n)));
    }
    for (int n = 60; n < 90; n++) {
      log.add(placed(cid(n), 2, "node1", "node2", "node3", "node4"));
    }
    for (int n = 0; n < log.size(); n++) {
      JsonObject a = one.apply(n + 1, log.get(n));
      if (n == 70) {   // the other replica installs a snapshot and applies the rest from there
        List<JsonObject> chunks = new ArrayList<>();
        one.snapshot(chunks::add);
        other.restore(chunks);
      } else {
        assertThat(other.apply(n + 1, log.get(n))).isEqualTo(a);
      }
    }
    JsonObject list = new JsonObject().put("op", "list");
    assertThat(other.query(list)).isEqualTo(one.query(list));

    Map<String, Integer> load = new TreeMap<>();
    one.query(list).getJsonArray("pins").forEach(pin -> ((JsonObject) pin).getJsonArray("allocations")
        .forEach(node -> load.merge((String) node, 1, Integer::sum)));
    // 48 pins left of the first 60 (24 with replication 1, 24 with 2: 72 allocations) on 3 nodes;
    // then 30 pins with replication 2 on 4 nodes: one copy of each on node4, which holds the fewest,
    // the other on whichever of the first three holds the fewest then, which evens them out
    assertThat(load).containsEntry("node4", 30);
    assertThat(load.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(72 + 60);
    assertThat(List.of(load.get("node1"), load.get("node2"), load.get("node3"))).containsOnly(34);
  }

  @Test
  void theExpiredQueryReadsTheExpiringPinsSoonestFirstAndFollowsRepinsUnpinsAndSnapshots() {
    PinSet set = new PinSet(10);
    String third = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    set.apply(1, pin(CID, "node1").put("expire_at", "2026-12-03T10:00:00Z"));
    set.apply(2, pin(OTHER, "node1").put("expire_at", "2026-12-03T09:00:00Z"));
    set.apply(3, pin(third, "node1"));   // never expires
    JsonObject at11 = new JsonObject().put("op", "expired").put("at", "2026-12-03T11:00:00Z");
    assertThat(cids(set.query(at11))).containsExactly(OTHER, CID);
    assertThat(cids(set.query(at11.copy().put("at", "2026-12-03T09:30:00Z")))).containsExactly(OTHER);

    JsonObject first = set.query(at11.copy().put("limit", 1));
    assertThat(cids(first)).containsExactly(OTHER);
    assertThat(first.getBoolean("more")).isTrue();
    JsonObject next = set.query(at11.copy().put("limit", 1).put("after", first.getJsonArray("pins").getJsonObject(0)));
    assertThat(cids(next)).containsExactly(CID);
    assertThat(next.getBoolean("more")).isFalse();

    set.apply(4, pin(OTHER, "node1").put("expire_at", "2026-12-03T12:00:00Z"));   // pinned again, later
    set.apply(5, new JsonObject().put("op", "unpin").put("cid", CID));
    assertThat(cids(set.query(at11))).isEmpty();
    assertThat(cids(set.query(at11.copy().put("at", "2026-12-03T13:00:00Z")))).containsExactly(OTHER);

    PinSet copy = new PinSet(10);
    List<JsonObject> chunks = new ArrayList<>();
    set.snapshot(chunks::add);
    copy.restore(chunks);
    assertThat(cids(copy.query(at11.copy().put("at", "2026-12-03T13:00:00Z")))).containsExactly(OTHER);
    assertThatThrownBy(() -> set.query(at11.copy().put("at", "soon")))
        .hasMessageContaining("field at: expected a time");
  }

  /**
   * Each query reads back from its JSON as the same record, and the pinset takes it as a query and
   * as a proposal; an {@code expired} page after a pin too, whose {@code after} is that pin's
   * {@code {"cid", "expire_at"}} (once refused as not a CID, so expiry read one page only).
   */
  @Test
  void eachQueryReadsBackAsTheSameRecordAndPassesTheChecks() {
    PinSet set = new PinSet(10);
    Instant at = Instant.parse("2026-12-03T11:00:00Z");
    List<PinQuery<?>> queries = List.of(new PinQuery.Get(CID), new PinQuery.Listing(null, null, PinQuery.MAX_PAGE),
        new PinQuery.Listing("node2", CID, 5), new PinQuery.Expired(at, null, 10),
        new PinQuery.Expired(at, new PinState.Expiring(Instant.parse("2026-12-03T09:00:00Z"), CID), 10));
    for (PinQuery<?> query : queries) {
      assertThat(PinQuery.parse(query.toJson())).isEqualTo(query);
      set.checkQuery(query.toJson());
      set.checkProposal(query.toJson());
    }
  }

  private static List<String> cids(JsonObject expired) {
    return expired.getJsonArray("pins").stream().map(pin -> ((JsonObject) pin).getString("cid")).toList();
  }

  @Test
  void aPinThatLosesANodeMovesToTheLeastLoadedLiveNodeAndARepinKeepsItsNodes() {
    PinSet set = new PinSet(10);
    set.apply(1, pin(CID, "node1", "node2"));
    set.apply(2, pin(OTHER, "node2"));
    JsonObject moved = set.apply(3, new JsonObject().put("op", "allocate").put("cid", CID)
        .put("live", new JsonArray().add("node1").add("node3").add("node4")));
    assertThat(moved.getJsonArray("allocations")).containsExactly("node1", "node3");

    JsonObject repinned = set.apply(4, placed(CID, 2, "node1", "node2", "node3", "node4"));
    assertThat(repinned.getJsonArray("allocations")).containsExactly("node1", "node3");
    assertThat(repinned.getLong("index")).isEqualTo(4);

    assertThatThrownBy(() -> set.apply(5, placed(OTHER, 3, "node1", "node2")))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE))
        .hasMessageContaining("replication_min is 3 but only 2 node(s) can take the pin (node1, node2)");
    assertThat(set.query(new JsonObject().put("op", "get").put("cid", OTHER)).getJsonArray("allocations"))
        .containsExactly("node2");
    assertRefused(set, placed(OTHER, 1).put("live", new JsonArray().add("node1").add("node1")),
        "field live: expected distinct node names");
  }

  @Test
  void noListingHoldsMoreThanOnePageWhateverItAsks() {
    PinSet set = new PinSet(10);
    for (int n = 0; n <= PinQuery.MAX_PAGE; n++) {
      set.apply(n + 1, placed(cid(n), 1, "node1"));
    }
    for (JsonObject query : List.of(new JsonObject().put("op", "list"),
        new JsonObject().put("op", "list").put("limit", Long.MAX_VALUE))) {
      JsonObject page = set.query(query);
      assertThat(page.getJsonArray("pins")).as(query.encode()).hasSize(PinQuery.MAX_PAGE);
      assertThat(page.getLong("count")).isEqualTo(PinQuery.MAX_PAGE + 1L);
      assertThat(page.getBoolean("more")).isTrue();
    }
  }

  @Test
  void aListingComesInPagesAfterACid() {
    PinSet set = new PinSet(10);
    List<String> cids = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      cids.add(cid(n));
      set.apply(n + 1, placed(cid(n), 1, "node1"));
    }
    List<String> sorted = cids.stream().sorted().toList();
    JsonObject first = set.query(new JsonObject().put("op", "list").put("limit", 2));
    assertThat(first.getJsonArray("pins").stream().map(p -> ((JsonObject) p).getString("cid")))
        .containsExactlyElementsOf(sorted.subList(0, 2));
    assertThat(first.getInteger("count")).isEqualTo(5);
    assertThat(first.getBoolean("more")).isTrue();
    JsonObject last = set.query(new JsonObject().put("op", "list").put("limit", 3).put("after", sorted.get(1)));
    assertThat(last.getJsonArray("pins").stream().map(p -> ((JsonObject) p).getString("cid")))
        .containsExactlyElementsOf(sorted.subList(2, 5));
    assertThat(last.getBoolean("more")).isFalse();

    assertThatThrownBy(() -> set.checkQuery(new JsonObject().put("op", "list").put("limit", 0)))
        .isInstanceOf(FerryException.class).hasMessageContaining("field limit: expected a positive whole number");
    assertThatThrownBy(() -> set.checkQuery(new JsonObject().put("op", "list").put("after", 7)))
        .isInstanceOf(FerryException.class).hasMessageContaining("field after: expected the CID");
  }

  @Test
  void aSnapshotOfAHundredThousandPinsRestoresEveryPinAllocationAndOption() {
    int count = 100_000;
    int perChunk = 1_000;
    PinSet set = new PinSet(perChunk);
    List<String> nodes = List.of("node1", "node2", "node3", "node4", "ñode5");
    String[] times = {"2026-11-22T08:00:00Z", "2026-12-02T16:25:35.123456789Z", "2026-12-02T16:25:35.120Z",
        "yesterday", "", "2026-11-22T08:00:00.000Z"};
    for (int n = 0; n < count; n++) {
      int max = n % 7 == 0 ? Pin.EVERYWHERE : n % 3 + 1;
      int min = max == Pin.EVERYWHERE ? Pin.EVERYWHERE : 1 + n % max;
      JsonObject op = new JsonObject().put("op", "pin").put("cid", cid(n))
          .put("name", n % 4 == 0 ? "" : "pin №" + n).put("replication_min", min).put("replication_max", max)
          .put("origin", nodes.get(n % nodes.size())).put("time", times[n % times.length]);
      if (max != Pin.EVERYWHERE) {
        op.put("live", new JsonArray(nodes.subList(0, 3 + n % 3)));
      }
      set.apply(n + 1, op);
    }
    List<JsonObject> chunks = new ArrayList<>();
    set.snapshot(chunks::add);
    assertThat(chunks).hasSize(count / perChunk).allSatisfy(chunk -> {
      assertThat(chunk.getInteger("v")).isEqualTo(PinsetSnapshot.VERSION);
      assertThat(chunk.getMap().get("pins")).as("bytes, not text, in memory").isInstanceOf(byte[].class);
    });

    PinSet copy = new PinSet(perChunk);
    copy.restore(roundTripped(chunks));
    JsonArray pins = every(set);
    assertThat(pins).hasSize(count);
    assertThat(every(copy)).isEqualTo(pins);
    assertThat(pins.getJsonObject(0).getString("time")).isIn((Object[]) times);
    // the per-node counts came back too: the next pin lands on the same nodes on both
    JsonObject next = placed(cid(count), 2, nodes.toArray(String[]::new));
    assertThat(copy.apply(count + 1, next)).isEqualTo(set.apply(count + 1, next));
  }

  @Test
  void aSnapshotOfTheEarlierVersionAJsonLinePerPinDeflatedStillRestores() {
    PinSet set = new PinSet(2);
    set.apply(1, pin(CID, "node1"));
    set.apply(2, pin(OTHER, "node1", "node2"));
    set.apply(3, pin(cid(3), "node3").put("mode", "direct").put("metadata", new JsonObject().put("k", "v")));
    List<Pin> pins = new ArrayList<>();
    set.query(new JsonObject().put("op", "list")).getJsonArray("pins").forEach(p -> pins.add(Pin.fromJson((JsonObject) p)));
    List<JsonObject> version1 = new ArrayList<>();
    StateMachine.Snapshot packed = SnapshotChunks.of(pins, "pins", 2, Pin::toJson);   // how ferry wrote pinset snapshots before
    for (int i = 0; i < packed.chunks(); i++) {
      version1.add(packed.chunk(i));
    }
    assertThat(version1).hasSize(2).allSatisfy(chunk -> assertThat(chunk.getValue("pins")).isInstanceOf(String.class));

    PinSet copy = new PinSet(2);
    copy.restore(roundTripped(version1));
    JsonObject list = new JsonObject().put("op", "list");
    assertThat(copy.query(list)).isEqualTo(set.query(list));
    JsonObject next = placed(cid(4), 2, "node1", "node2", "node3");
    assertThat(copy.apply(4, next)).as("the per-node counts came back too").isEqualTo(set.apply(4, next));
  }

  @Test
  void aSnapshotHoldsThePinsetAsItWasWhenCapturedWhileOpsGoOnBeingApplied() {
    PinSet set = new PinSet(7);
    for (int n = 0; n < 300; n++) {
      set.apply(n + 1, placed(cid(n), 2, "node1", "node2", "node3"));
    }
    JsonObject list = new JsonObject().put("op", "list");
    JsonObject atCapture = set.query(list);
    dev.ferry.raft.StateMachine.Snapshot captured = set.capture();
    // the group goes on: new pins, pins moved, unpinned, pinned again, before any chunk is made
    for (int n = 0; n < 300; n++) {
      long index = 301 + n;
      switch (n % 4) {
        case 0 -> set.apply(index, placed(cid(1_000 + n), 1, "node1", "node2"));
        case 1 -> set.apply(index, new JsonObject().put("op", "unpin").put("cid", cid(n)));
        case 2 -> set.apply(index, new JsonObject().put("op", "allocate").put("cid", cid(n))
            .put("allocations", new JsonArray().add("node3")));
        default -> set.apply(index, placed(cid(n), 3, "node1", "node2", "node3").put("name", "again"));
      }
    }
    List<JsonObject> chunks = new ArrayList<>();
    for (int i = captured.chunks() - 1; i >= 0; i--) {   // in any order, as a worker and the transport may
      chunks.add(0, captured.chunk(i));
    }
    PinSet copy = new PinSet(7);
    copy.restore(roundTripped(chunks));
    assertThat(copy.query(list)).isEqualTo(atCapture);
    assertThat(set.query(list)).isNotEqualTo(atCapture);
  }

  @Test
  void aSnapshotChunkOfALaterVersionIsRefusedNamingIt() {
    assertThatThrownBy(() -> new PinSet(2).restore(List.of(new JsonObject().put("v", 3).put("pins", new byte[1]))))
        .hasMessageContaining("version 3").hasMessageContaining("upgrade this node");
  }

  /** Chunks as a restarted node or a follower reads them: through their JSON text. */
  private static List<JsonObject> roundTripped(List<JsonObject> chunks) {
    return chunks.stream().map(chunk -> new JsonObject(chunk.encode())).toList();
  }

  @Test
  void aSnapshotWrittenBeforeChunksWerePackedStillRestores() {
    PinSet set = new PinSet(10);
    set.apply(1, pin(CID, "node1"));
    set.apply(2, pin(OTHER, "node1", "node2"));
    JsonArray pins = set.query(new JsonObject().put("op", "list")).getJsonArray("pins");
    PinSet copy = new PinSet(10);
    copy.restore(List.of(new JsonObject().put("pins", pins)));
    assertThat(copy.query(new JsonObject().put("op", "list")).getJsonArray("pins")).isEqualTo(pins);
  }

  @Test
  void aListingOfOneNodesPinsHoldsOnlyThoseInPages() {
    PinSet set = new PinSet(10);
    List<String> onNode2 = new ArrayList<>();
    for (int n = 0; n < 30; n++) {
      String[] nodes = n % 3 == 0 ? new String[] {"node1", "node2"} : new String[] {"node1", "node3"};
      set.apply(n + 1, pin(cid(n), nodes));
      if (n % 3 == 0) {
        onNode2.add(cid(n));
      }
    }
    set.apply(31, pin(cid(30)).put("replication_min", -1).put("replication_max", -1));   // every node: none named
    List<String> listed = new ArrayList<>();
    String after = null;
    boolean more = true;
    while (more) {
      JsonObject op = new JsonObject().put("op", "list").put("node", "node2").put("limit", 4);
      JsonObject page = set.query(after == null ? op : op.put("after", after));
      JsonArray pins = page.getJsonArray("pins");
      assertThat(pins.size()).isLessThanOrEqualTo(4);
      pins.forEach(p -> listed.add(((JsonObject) p).getString("cid")));
      more = page.getBoolean("more");
      after = listed.get(listed.size() - 1);
    }
    assertThat(listed).containsExactlyElementsOf(onNode2.stream().sorted().toList());
    assertThatThrownBy(() -> set.checkQuery(new JsonObject().put("op", "list").put("node", 3)))
        .isInstanceOf(FerryException.class).hasMessageContaining("field node: expected the name of the node");
  }

  @Test
  void aPinsTimeIsKeptAsANumberOnlyWhenItReadsBackAsTheSameText() {
    java.util.Random random = new java.util.Random(13);
    for (int n = 0; n < 20_000; n++) {
      long second = -62_167_219_200L + (long) (random.nextDouble() * 315_537_897_600L);   // years 0000–9999
      int nano = switch (n % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1_000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      java.time.Instant instant = java.time.Instant.ofEpochSecond(second, nano);
      long packed = PinState.instantNanos(instant.toString());
      boolean fits = Math.abs(second) < Long.MAX_VALUE / 1_000_000_000L - 1;   // years 1678–2261 in a long of ns
      if (fits) {
        assertThat(java.time.Instant.ofEpochSecond(0, packed)).as(instant.toString()).isEqualTo(instant);
      } else {
        assertThat(packed).as(instant.toString()).isEqualTo(Long.MIN_VALUE);   // kept as text
      }
    }
    for (String text : List.of("2026-11-22T08:00:00.000Z", "2026-11-22T08:00:00.120000Z", "2026-11-22T08:00Z",
        "2026-02-29T08:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T08:00:60Z", "2026-11-22 08:00:00Z",
        "2026-11-22T08:00:00.1Z", "+12026-11-22T08:00:00Z", "2026-11-22T08:00:00", "yesterday", "",
        "2026-13-01T08:00:00Z", "2026-11-22T08:00:00.12aZ")) {
      assertThat(PinState.instantNanos(text)).as(text).isEqualTo(Long.MIN_VALUE);
      PinState state = new PinState();
      Pin pin = new Pin(CID, "", 1, 1, List.of("node1"), "node1", text, 3);
      state.put(CID, pin);
      assertThat(state.get(CID)).isEqualTo(pin);
    }
  }

  private static void assertRefused(PinSet set, JsonObject op, String why) {
    assertThatThrownBy(() -> set.checkProposal(op))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST))
        .hasMessageContaining(why);
  }

  /** Every pin of {@code set}, read a page at a time as any client reads it. */
  private static JsonArray every(PinSet set) {
    JsonArray all = new JsonArray();
    JsonObject page = set.query(new JsonObject().put("op", "list"));
    all.addAll(page.getJsonArray("pins"));
    while (page.getBoolean("more")) {
      String last = all.getJsonObject(all.size() - 1).getString("cid");
      page = set.query(new JsonObject().put("op", "list").put("after", last));
      all.addAll(page.getJsonArray("pins"));
    }
    return all;
  }
}