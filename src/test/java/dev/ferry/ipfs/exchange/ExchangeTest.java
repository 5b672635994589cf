package dev.ferry.ipfs.exchange;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.node.Node;
import dev.ferry.testing.TestCluster;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The block exchange between two in-JVM nodes: content added on node 1's store is pinned on node
 * 2's, which fetches every block over circuits; blocks larger than a fragment travel in pieces;
 * content no node has fails the pin with {@code timeout} naming a block, after the pin timeout.
 */
@Timeout(180)
class ExchangeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startTwoNodes() {
    // node 1 serves blocks in pieces smaller than its 256 KiB chunks
    cluster = TestCluster.inJvm(2, i -> i == 1 ? List.of("exchange.fragment_bytes=65536") : List.of())
        .awaitFullMembership();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static ContentStore store(Node node) {
    return ContentStore.embedded(node.vertx(), node.config());
  }

  static byte[] bytes(int size, long seed) {
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    return content;
  }

  @Test
  void contentAddedOnOneNodeIsPinnedOnAnotherWithEveryBlock() {
    byte[] content = bytes(3 * 1024 * 1024 + 17, 1);
    ImportOptions v0 = ImportOptions.fromKubo(Map.<String, String>of()::get);  // CIDv0, dag-pb leaves of 256 KiB
    Cid cid = await(store(cluster.node(1)).add(new ByteArrayInputStream(content), "f", v0), WAIT);

    await(store(cluster.node(2)).pin(cid, WAIT), WAIT);

    assertThat(await(store(cluster.node(2)).pins(), WAIT)).contains(cid);
    assertThat(await(store(cluster.node(2)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  @Test
  void manySmallBlocksAndRawLeavesArriveToo() {
    byte[] content = bytes(2 * 1024 * 1024, 2);
    ImportOptions v1 = ImportOptions.fromKubo(Map.of("cid-version", "1", "chunker", "size-4096")::get);  // 512 leaves, 3 parents
    Cid cid = await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "g", v1), WAIT);

    await(store(cluster.node(1)).pin(cid, WAIT), WAIT);

    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  @Test
  void contentNoNodeHasFailsThePinWithTimeoutNamingABlock() {
    ImportOptions onlyHash = ImportOptions.fromKubo(Map.of("only-hash", "true")::get);
    Cid nowhere = await(store(cluster.node(1)).add(new ByteArrayInputStream(bytes(1000, 3)), "h", onlyHash), WAIT);

    long started = System.nanoTime();
    Throwable failed = cause(store(cluster.node(2)).pin(nowhere, Duration.ofSeconds(3)), WAIT);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("about the pin timeout")
        .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    assertThat(failed).isInstanceOf(FerryException.class)
        .hasMessageContaining("fetching " + nowhere).hasMessageContaining("was not found on any node")
        .hasMessageContaining("nodes asked: " + cluster.name(1));
    assertThat(((FerryException) failed).code()).isEqualTo(FerryException.TIMEOUT);
    assertThat(await(store(cluster.node(2)).pins(), WAIT)).doesNotContain(nowhere);
  }
}
