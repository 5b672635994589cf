package dev.ferry.ipfs.exchange;

import static dev.ferry.ipfs.exchange.ExchangeTest.store;
import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end on three nodes with their embedded stores and no daemon: {@code POST /add} with
 * replication 2 on node 3, which the cluster does not allocate (a fresh cluster allocates node1 and
 * node2), sends the file once; the allocated nodes fetch it from node 3 and pin it; node 3 keeps
 * the blocks protected from garbage collection until both report {@code pinned}, then lets them go.
 * Content two nodes hold is fetched from both at once (each node counts the blocks it serves,
 * {@code ferry.exchange.blocks.served}).
 */
@Timeout(240)
class ReplicatedAddTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String BOUNDARY = "exchange-boundary-3f9";
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startThreeNodes() {
    // node 3 asks a node for few blocks at a time, so that one fetch of many blocks needs both sources
    cluster = TestCluster.inJvm(3, i -> i == 3 ? List.of("exchange.wants_per_node=8") : List.of())
        .awaitFullMembership();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void anAddOnANodeOutsideTheAllocationsIsPinnedOnBothAllocatedNodesAndProtectedUntilThen() {
    String content = text(3 * 256 * 1024 + 99);  // four leaves and a root
    HttpResponse<String> response = Http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + cluster.apiPort(3) + "/add?replication=2"))
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(BodyPublishers.ofByteArray(multipart("report.txt", content))));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject added = new JsonObject(response.body().lines().findFirst().orElseThrow());
    Cid cid = Cid.parse(added.getString("cid"));
    // the API names nodes by their libp2p peer IDs, as IPFS Cluster does
    assertThat(added.getJsonArray("allocations").getList()).containsExactlyInAnyOrder(peerId(1), peerId(2));

    // at once, before the allocated nodes need have fetched anything: a collection on the adder keeps the only copy
    await(store(cluster.node(3)).collectGarbage(), WAIT);
    assertThat(await(store(cluster.node(3)).cat(cid, 0, -1), WAIT).toString()).isEqualTo(content);

    for (int i : new int[] {1, 2}) {
      int node = i;
      Eventually.await(cluster.name(node) + " to pin " + cid, WAIT, () -> await(store(cluster.node(node)).pins(), WAIT)
          .contains(cid));
      assertThat(await(store(cluster.node(node)).cat(cid, 0, -1), WAIT).toString()).isEqualTo(content);
    }
    Eventually.await("node 3 to stop protecting " + cid + " once both allocated nodes report it pinned", WAIT,
        () -> !await(store(cluster.node(3)).protectedRoots(), WAIT).contains(cid));
    assertThat(await(store(cluster.node(3)).pins(), WAIT)).as("not allocated there: unpinned").doesNotContain(cid);
    assertThat(await(store(cluster.node(3)).collectGarbage(), WAIT).removed()).hasSize(5);
    assertThat(cause(store(cluster.node(3)).block(cid), WAIT)).hasMessageContaining("is not in the block store");
    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).toString()).isEqualTo(content);
  }

  @Test
  void contentTwoNodesHoldIsFetchedFromBothAtOnceEachBlockOnce() throws IOException {
    byte[] content = new byte[1024 * 1024 + 3];
    new Random(11).nextBytes(content);
    ImportOptions small = ImportOptions.fromKubo(Map.of("chunker", "size-4096")::get);  // 257 leaves, 2 parents, a root
    AtomicLong blocks = new AtomicLong();
    Cid cid = new Importer(small, (c, b) -> blocks.incrementAndGet()).file("both", new ByteArrayInputStream(content))
        .cid();
    for (int i : new int[] {1, 2}) {
      assertThat(await(store(cluster.node(i)).add(new ByteArrayInputStream(content), "both", small), WAIT))
          .isEqualTo(cid);
    }
    double[] before = {served(1), served(2)};

    await(store(cluster.node(3)).pin(cid, WAIT), WAIT);

    long fromNode1 = Math.round(served(1) - before[0]);
    long fromNode2 = Math.round(served(2) - before[1]);
    assertThat(fromNode1).as("blocks node 1 served").isPositive();
    assertThat(fromNode2).as("blocks node 2 served").isPositive();
    assertThat(fromNode1 + fromNode2).as("every block of the DAG, each asked of one node only").isEqualTo(blocks.get());
    assertThat(await(store(cluster.node(3)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  /** The blocks node {@code i}'s exchange has sent to other nodes since it started. */
  private static double served(int i) {
    return cluster.node(i).meters().get("ferry.exchange.blocks.served").counter().count();
  }

  private static String text(int length) {
    Random random = new Random(length);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    return text.toString();
  }

  private static byte[] multipart(String name, String content) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
        + "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--" + BOUNDARY + "--\r\n")
        .getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  private String peerId(int node) {
    HttpResponse<String> id = Http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + cluster.apiPort(node) + "/id")).GET());
    return new JsonObject(id.body()).getString("id");
  }
}
