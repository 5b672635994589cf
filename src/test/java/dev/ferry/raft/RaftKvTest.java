package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Three nodes in one JVM: election, proposals from any node, queries, the feed, bad input. */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RaftKvTest {
  private RaftCluster cluster;
  private int leader;
  private int follower;

  @BeforeAll
  void start() {
    cluster = RaftCluster.start(3);
  }

  /** The leader as of this test: under load a heartbeat can time out and another node take over. */
  @BeforeEach
  void findLeader() {
    leader = cluster.leader(KV);
    follower = cluster.other(leader);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static KvOp.Put put(String key, String value) {
    return new KvOp.Put(key, value);
  }

  static KvOp.Get get(String key) {
    return new KvOp.Get(key);
  }

  @Test
  void everyNodeSeesTheSameLeaderAndMembers() {
    for (int i = 1; i <= 3; i++) {
      GroupStatus status = cluster.status(i, KV);
      assertThat(status.leader()).isEqualTo(cluster.name(leader));
      assertThat(status.voters()).containsExactly("node1", "node2", "node3");
      assertThat(status.learners()).isEmpty();
      assertThat(status.role()).isEqualTo(i == leader ? "leader" : "follower");
    }
  }

  /**
   * Proposals that reach the leader together share one log entry: each proposer still gets its own
   * op's result, at the entry's index, and the feed lists every op in the order applied (the
   * leader's: it answered every proposal, so it has applied them all).
   */
  @Test
  void concurrentProposalsAreBatchedAndEachGetsItsOwnResult() {
    int count = 200;
    RaftClient client = cluster.client(follower);
    await(client.propose(KV, put("batch/seed", "0")));
    long start = cluster.status(leader, KV).commitIndex();
    List<Future<Committed<KvOp.Swapped>>> proposals = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      String key = "batch/" + (n % 2 == 0 ? "even" : n);
      proposals.add(client.propose(KV, new KvOp.Cas(key, null, "v" + n)));
    }
    await(Future.all(proposals));
    List<Committed<KvOp.Swapped>> answers = proposals.stream().map(f -> f.result()).toList();
    assertThat(answers.stream().filter(c -> c.result().ok()).count())
        .as("one cas on the shared key wins, every cas on its own key does").isEqualTo(count / 2 + 1);
    assertThat(answers.stream().map(Committed::index).distinct().count())
        .as("fewer log entries than ops").isLessThan(count);
    assertThat(await(cluster.client(leader).feed(KV, start))).extracting(e -> e.op().getString("value"))
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, count).mapToObj(n -> "v" + n).toList());
  }

  @Test
  void aFollowerForwardsProposalsAndEveryConsistencyReadsThem() {
    Committed<KvOp.Written> put = await(cluster.client(follower).propose(KV, put("fwd", "one")));
    assertThat(put.index()).isPositive();
    assertThat(put.result().value()).isEqualTo("one");

    for (int i = 1; i <= 3; i++) {
      RaftClient client = cluster.client(i);
      assertThat(await(client.query(KV, get("fwd"))).result().value()).isEqualTo("one");
      assertThat(await(client.query(KV, get("fwd"), Consistency.LEASE, 0)).result().value())
          .isEqualTo("one");
      Committed<KvOp.Entry> eventual = await(client.query(KV, get("fwd"), Consistency.EVENTUAL, put.index()));
      assertThat(eventual.result().index()).isEqualTo(put.index());
    }
  }

  /**
   * The read index asked of any node is at least the index of every change committed before it, so
   * a replica read at it sees them; asked on the bus as {@code {"op": "read-index"}}.
   */
  @Test
  void aReadIndexAskedOfAnyNodeCoversEveryCommittedChange() {
    Committed<KvOp.Written> put = await(cluster.client(follower).propose(KV, put("read-index", "seen")));
    for (int i = 1; i <= 3; i++) {
      long index = await(cluster.client(i).readIndex(KV));
      assertThat(index).as("node%d", i).isGreaterThanOrEqualTo(put.index());
      assertThat(await(cluster.client(i).query(KV, get("read-index"), Consistency.EVENTUAL, index)).result().value())
          .isEqualTo("seen");
    }
    JsonObject answer = (JsonObject) await(cluster.node(follower).vertx().eventBus().request(Addresses.raft(KV),
        new JsonObject().put("op", "read-index"))).body();
    assertThat(answer.getLong("index")).isGreaterThanOrEqualTo(put.index());
  }

  /**
   * A follower's client sends a propose and a leader read straight to the leader's node (marked
   * {@code routed}), not through its own replica; the leader checks what it is sent that way; and a
   * node that does not lead answers a routed request with a redirect to the leader, without
   * applying it (the client then takes the way through its own node).
   */
  @Test
  void aFollowersClientSendsLeaderWorkStraightToTheLeader() {
    String leaderName = cluster.name(leader);
    List<Map.Entry<String, JsonObject>> sent = cluster.recordRequests(follower, KV);
    try {
      RaftClient client = cluster.client(follower);
      await(client.propose(KV, put("routed", "one")));
      assertThat(await(client.query(KV, get("routed"))).result().value()).isEqualTo("one");
      assertThat(code(client.propose(KV, new JsonOp(new JsonObject().put("op", "explode")))))
          .isEqualTo(FerryException.BAD_REQUEST);
    } finally {
      cluster.heal();
    }
    Assumptions.assumeTrue(cluster.leader(KV) == leader, "the leadership moved during the test");
    assertThat(sent).extracting(Map.Entry::getKey).containsOnly(Addresses.raftNode(KV, leaderName));
    assertThat(sent).extracting(e -> e.getValue().getBoolean("routed")).containsOnly(true);
    assertThat(sent).hasSize(3);

    int other = IntStream.rangeClosed(1, 3).filter(i -> i != leader && i != follower).findFirst().orElseThrow();
    JsonObject routed = new RaftRequest.Propose(put("misrouted", "x").toJson()).toJson().put("routed", true);
    JsonObject answer = await(cluster.node(follower).vertx().eventBus()
        .<JsonObject>request(Addresses.raftNode(KV, cluster.name(other)), routed)).body();
    assertThat(answer.getString("redirect")).isEqualTo(leaderName);
    assertThat(await(cluster.client(leader).query(KV, get("misrouted"))).result()).as("not applied").isNull();
  }

  @Test
  void casAndDeleteFollowTheirRules() {
    RaftClient client = cluster.client(follower);
    KvOp.Cas cas = new KvOp.Cas("cas", null, "a");
    assertThat(await(client.propose(KV, cas)).result().ok()).isTrue();
    assertThat(await(client.propose(KV, cas)).result().ok()).isFalse();
    KvOp.Cas swap = new KvOp.Cas("cas", "a", "b");
    assertThat(await(client.propose(KV, swap)).result().value()).isEqualTo("b");
    KvOp.Delete delete = new KvOp.Delete("cas");
    assertThat(await(client.propose(KV, delete)).result().deleted()).isTrue();
    assertThat(await(client.query(KV, get("cas"))).result()).isNull();
  }

  @Test
  void aNodesClientIsBuiltOnceFromItsSettings() {
    assertThat(RaftClient.forNode(cluster.node(follower))).isSameAs(RaftClient.forNode(cluster.node(follower)))
        .isNotSameAs(RaftClient.forNode(cluster.node(leader)));
  }

  @Test
  void theChangeFeedDeliversEveryCommittedOpInOrderFromAnyIndex() {
    RaftClient client = cluster.client(follower);
    long start = await(client.propose(KV, put("feed/0", "x"))).index();
    List<FeedEntry> seen = new CopyOnWriteArrayList<>();
    var consumer = await(client.follow(KV, start - 1, seen::add));
    for (int n = 1; n <= 5; n++) {
      await(cluster.client(leader).propose(KV, put("feed/" + n, "v" + n)));
    }
    Eventually.await("six feed entries", RaftCluster.WAIT, () -> seen.size() == 6);
    await(consumer.stop());
    assertThat(seen).extracting(e -> e.op().getString("key"))
        .containsExactly("feed/0", "feed/1", "feed/2", "feed/3", "feed/4", "feed/5");
    assertThat(seen).extracting(FeedEntry::index).isSorted().doesNotHaveDuplicates();
    assertThat(seen).allSatisfy(e -> assertThat(e.term()).isEqualTo(cluster.status(leader, KV).term()));
    assertThat(await(client.feed(KV, start))).extracting(e -> e.op().getString("key")).startsWith("feed/1");
  }

  /**
   * Concurrent proposals share log entries; every subscriber still gets every op exactly once, in
   * log order, each at its own position: a follower's {@code follow} on every node, and a raw
   * consumer of {@code ferry.raft.kv.log} as a bridge client sees it.
   */
  @Test
  void everySubscriberGetsEveryBatchedOpOnceInOrder() {
    int count = 200;
    long start = cluster.status(leader, KV).commitIndex();
    List<List<FeedEntry>> seen = new ArrayList<>();
    List<FeedSubscription> consumers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      List<FeedEntry> node = new CopyOnWriteArrayList<>();
      seen.add(node);
      consumers.add(await(cluster.client(i).follow(KV, start, e -> {
        if (e.op().getString("key", "").startsWith("together/")) {
          node.add(e);
        }
      })));
    }
    List<JsonObject> raw = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> bridgeLike = cluster.node(follower).vertx().eventBus().<JsonObject>localConsumer(
        Addresses.raftLog(KV), m -> {
          if (m.body().getJsonObject("op").getString("key", "").startsWith("together/")) {
            raw.add(m.body());
          }
        });
    consumers.add(bridgeLike::unregister);
    List<Future<Committed<KvOp.Written>>> proposals = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      proposals.add(cluster.client(1 + n % 3).propose(KV, put("together/" + n, "v" + n)));
    }
    await(Future.all(proposals));
    assertThat(proposals.stream().map(f -> f.result().index()).distinct().count())
        .as("the leader batched the proposals").isLessThan(count);

    Eventually.await("every node's follower to see " + count + " ops", RaftCluster.WAIT,
        () -> seen.stream().allMatch(node -> node.size() >= count) && raw.size() >= count);
    consumers.forEach(c -> await(c.stop()));
    List<String> keys = IntStream.range(0, count).mapToObj(n -> "together/" + n).toList();
    for (List<FeedEntry> node : seen) {
      assertThat(node).extracting(e -> e.op().getString("key")).containsExactlyInAnyOrderElementsOf(keys);
      assertThat(node).extracting(FeedEntry::position).isSorted().doesNotHaveDuplicates();
      assertThat(node).extracting(e -> e.op().getString("key")).containsExactlyElementsOf(
          seen.get(0).stream().map(e -> e.op().getString("key")).toList());
    }
    assertThat(raw).extracting(j -> j.getLong("index") + "/" + j.getInteger("offset")).doesNotHaveDuplicates()
        .hasSize(count);
  }

  /** A follow resumed from a position inside a batch delivers the rest of that batch and what follows, each once. */
  @Test
  void aFeedResumedInsideABatchNeitherSkipsNorRepeatsAnOp() {
    int count = 60;
    long start = cluster.status(leader, KV).commitIndex();
    List<Future<Committed<KvOp.Written>>> proposals = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      proposals.add(cluster.client(follower).propose(KV, put("resume/" + n, "v" + n)));
    }
    await(Future.all(proposals));
    RaftClient client = cluster.client(follower);
    Eventually.await("the follower to apply every op", RaftCluster.WAIT,
        () -> await(client.feed(KV, start)).stream().filter(e -> e.op().getString("key", "").startsWith("resume/"))
            .count() == count);
    List<FeedEntry> all = await(client.feed(KV, start)).stream()
        .filter(e -> e.op().getString("key", "").startsWith("resume/")).toList();
    FeedEntry middle = all.stream().filter(e -> e.offset() > 0).findFirst()
        .orElseThrow(() -> new AssertionError("no batch of several ops among " + all));
    List<FeedEntry> rest = all.subList(all.indexOf(middle) + 1, all.size());

    assertThat(await(client.feed(KV, middle.position()))).extracting(FeedEntry::position)
        .startsWith(rest.get(0).position()).doesNotContain(middle.position());
    List<FeedEntry> resumed = new CopyOnWriteArrayList<>();
    var consumer = await(client.follow(KV, middle.position(), e -> {
      if (e.op().getString("key", "").startsWith("resume/")) {
        resumed.add(e);
      }
    }));
    Eventually.await(rest.size() + " ops after " + middle.position(), RaftCluster.WAIT,
        () -> resumed.size() >= rest.size());
    await(client.propose(KV, put("resume/after", "x")));
    Eventually.await("the op proposed after resuming", RaftCluster.WAIT,
        () -> resumed.size() == rest.size() + 1);
    await(consumer.stop());
    assertThat(resumed.subList(0, rest.size())).isEqualTo(rest);
    assertThat(resumed.get(rest.size()).op().getString("key")).isEqualTo("resume/after");
  }

  @Test
  void discoverNamesTheNodeBehindAnAddress() {
    RaftClient client = cluster.client(1);
    for (int i = 1; i <= 3; i++) {
      Discovered id = await(client.discover(Addresses.raftPeer(KV, cluster.name(i))));
      assertThat(id.node()).isEqualTo(cluster.name(i));
      assertThat(id.incarnation()).isEqualTo(cluster.node(i).incarnation().id());
    }
  }

  @Test
  void badInputIsRejectedWithItsCode() {
    RaftClient client = cluster.client(follower);
    assertThat(code(client.propose("nosuch", put("k", "v")))).isEqualTo(FerryException.NOT_FOUND);
    assertThat(code(RaftClient.overBus(cluster.node(1).vertx(), RaftCluster.WAIT, RaftCluster.WAIT)
        .propose("nosuch", put("k", "v")))).isEqualTo(FerryException.NOT_FOUND);
    assertThat(code(client.propose(KV, new JsonOp(new JsonObject().put("op", "explode")))))
        .isEqualTo(FerryException.BAD_REQUEST);
    assertThat(code(client.propose(KV, new JsonOp(new JsonObject().put("op", "put").put("key", "")))))
        .isEqualTo("bad-request");
    assertThat(code(client.query(KV, new JsonOp(put("k", "v").toJson())))).isEqualTo(FerryException.BAD_REQUEST);
    String huge = "x".repeat(70_000);
    assertThat(code(client.propose(KV, put("big", huge)))).isEqualTo(FerryException.TOO_LARGE);
    var raw = cluster.node(follower).vertx().eventBus()
        .request(Addresses.raftNode(KV, cluster.name(follower)), "not json");
    assertThat(code(raw)).isEqualTo(FerryException.BAD_REQUEST);
  }

  /**
   * A request is named by "op", as on every service; the old "action" still names it, with the
   * state machine's op in "op" (docs/RAFT.md): bridge clients of either spelling are served alike.
   */
  @Test
  void bothSpellingsOfARequestAreServedOnTheBus() {
    var bus = cluster.node(follower).vertx().eventBus();
    JsonObject proposed = (JsonObject) await(bus.request(Addresses.raft(KV), new JsonObject().put("op", "propose")
        .put("payload", put("spelling", "op").toJson()))).body();
    assertThat(proposed.getLong("index")).isPositive();
    JsonObject old = (JsonObject) await(bus.request(Addresses.raft(KV), new JsonObject().put("action", "query")
        .put("op", get("spelling").toJson()))).body();
    assertThat(old.getJsonObject("result").getString("value")).isEqualTo("op");
    await(bus.request(Addresses.raft(KV), new JsonObject().put("action", "propose").put("op", put("spelling", "action").toJson())));
    JsonObject read = (JsonObject) await(bus.request(Addresses.raft(KV), new JsonObject().put("op", "query")
        .put("payload", get("spelling").toJson()).put("consistency", "linearizable"))).body();
    assertThat(read.getJsonObject("result").getString("value")).isEqualTo("action");
    JsonObject status = (JsonObject) await(bus.request(Addresses.raft(KV), new JsonObject().put("op", "status"))).body();
    assertThat(status.getString("group")).isEqualTo(KV);

    FerryException noPayload = FerryException.from(Futures.cause(bus.request(Addresses.raft(KV),
        new JsonObject().put("op", "propose")), RaftCluster.WAIT));
    assertThat(noPayload.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(noPayload.getMessage()).isEqualTo("field payload: expected a JSON object, got nothing");
    FerryException unknown = FerryException.from(Futures.cause(bus.request(Addresses.raft(KV),
        new JsonObject().put("action", "dance")), RaftCluster.WAIT));
    assertThat(unknown.getMessage()).startsWith("field op: expected one of propose, query, status");
  }

  @Test
  void kvOverHttpOnAFollower() {
    int port = cluster.apiPort(follower);
    HttpResponse<String> put = http(port, "PUT", "/kv/http%2Fa", "hello world");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    long index = new JsonObject(put.body()).getLong("index");
    assertThat(index).isPositive();

    JsonObject got = new JsonObject(http(port, "GET", "/kv/http%2Fa", null).body());
    assertThat(got.getString("key")).isEqualTo("http/a");
    assertThat(got.getString("value")).isEqualTo("hello world");
    assertThat(got.getLong("index")).isEqualTo(index);
    http(port, "PUT", "/kv/http%2Fb", "two");
    http(port, "PUT", "/kv/other", "three");

    JsonObject listed = new JsonObject(http(port, "GET", "/kv?prefix=http%2F", null).body());
    assertThat(listed.getJsonArray("entries")).extracting(e -> ((JsonObject) e).getString("key"))
        .containsExactly("http/a", "http/b");
    JsonObject eventual = new JsonObject(http(cluster.apiPort(leader), "GET",
        "/kv/http%2Fa?consistency=eventual&min_index=" + index, null).body());
    assertThat(eventual.getString("value")).isEqualTo("hello world");

    HttpResponse<String> deleted = http(port, "DELETE", "/kv/http%2Fa", null);
    assertThat(new JsonObject(deleted.body()).getBoolean("deleted")).isTrue();
    HttpResponse<String> missing = http(port, "GET", "/kv/http%2Fa", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getString("error")).isEqualTo("not-found");
  }

  @Test
  void raftStatusOverHttpNamesLeaderAndMembers() {
    JsonObject body = new JsonObject(http(cluster.apiPort(follower), "GET", "/raft/status", null).body());
    JsonObject kv = body.getJsonObject("groups").getJsonObject("kv");
    assertThat(kv.getString("role")).isEqualTo("follower");
    assertThat(kv.getString("leader")).isEqualTo(cluster.name(leader));
    assertThat(names(kv, "members")).containsExactly("node1", "node2", "node3");
    assertThat(names(kv, "voters")).containsExactly("node1", "node2", "node3");
    assertThat(names(kv, "learners")).isEmpty();
    assertThat(kv.getInteger("term")).isPositive();
    assertThat(kv.getLong("commitIndex")).isPositive();
    assertThat(kv.getLong("lastLogIndex")).isGreaterThanOrEqualTo(kv.getLong("commitIndex"));
  }

  @Test
  void badHttpInputGetsItsStatus() {
    int port = cluster.apiPort(follower);
    HttpResponse<String> big = http(port, "PUT", "/kv/big", "x".repeat(70_000));
    assertThat(big.statusCode()).isEqualTo(413);
    HttpResponse<String> consistency = http(port, "GET", "/kv/a?consistency=psychic", null);
    assertThat(consistency.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(consistency.body()).getString("error")).isEqualTo("bad-request");
  }

  private static List<String> names(JsonObject status, String field) {
    return status.getJsonArray(field).stream().map(String::valueOf).toList();
  }

  static HttpResponse<String> http(int port, String method, String path, String body) {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(request);
  }

  static String code(Future<?> future) {
    Throwable[] failure = new Throwable[1];
    assertThatThrownBy(() -> await(future)).satisfies(e -> failure[0] = e);
    return FerryException.from(failure[0]).code();
  }
}
