package dev.ferry.ipfs.exchange;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.CircuitConfig;
import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.BlockSource;
import dev.ferry.ipfs.store.BlockStore;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The block exchange between two in-JVM nodes: content added on node 1's store is pinned on node
 * 2's, which fetches every block over circuits; blocks larger than a fragment travel in pieces;
 * content no node has fails the pin with {@code timeout} naming a block, after the pin timeout; a
 * cluster pin whose fetch does not fit node 2's {@code ipfs.storage_max} is its {@code pin_error};
 * a fetch whose disk is stuck holds back its own transfer only.
 */
@Timeout(180)
class ExchangeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Node 2's room for blocks: what the other tests store there fits, with room to spare. */
  private static final long NODE2_STORAGE_MAX = 8 * 1024 * 1024;
  private static final ImportOptions V0 = ImportOptions.fromKubo(Map.<String, String>of()::get);
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void startTwoNodes() {
    // node 1 serves blocks in pieces smaller than its 256 KiB chunks; node 2 has little room and
    // tries a cluster pin once (a failed one is not fetched again behind the tests' back)
    cluster = TestCluster.inJvm(2, i -> i == 1 ? List.of("exchange.fragment_bytes=65536")
            : List.of("ipfs.storage_max=" + NODE2_STORAGE_MAX, "pin.max_attempts=1"))
        .awaitFullMembership();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static ContentStore store(Node node) {
    return ContentStore.embedded(node);
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

  @Test
  void aClusterPinWhoseFetchDoesNotFitIsAPinErrorNamingStorageMaxAndLeavesOnlyGarbage() {
    ContentStore full = store(cluster.node(2));
    await(full.collectGarbage(), WAIT);
    BlockStore.Stat before = await(full.stat(), WAIT);
    int size = (int) (before.storageMax() - before.repoSize()) + 1024 * 1024;
    Cid cid = await(store(cluster.node(1)).add(new ByteArrayInputStream(bytes(size, 4)), "too-big", V0), WAIT);
    String node2 = cluster.node(2).peerId().toString();

    HttpResponse<String> pinned = Http.send(api("/pins/" + cid + "?replication=-1")
        .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    Eventually.await(cluster.name(2) + " to report pin_error", WAIT,
        () -> "pin_error".equals(peerMap(cid).getJsonObject(node2).getString("status")));
    assertThat(peerMap(cid).getJsonObject(node2).getString("error")).contains("storage full")
        .contains("above ipfs.storage_max (" + NODE2_STORAGE_MAX + ")");
    assertThat(await(full.pins(), WAIT)).doesNotContain(cid);

    assertThat(Http.send(api("/pins/" + cid).DELETE()).statusCode()).isEqualTo(200);
    // what the fetch stored before the disk was full is garbage: a collection takes it all
    Eventually.await("node 2 to hold what it held before the pin", WAIT,
        () -> {
          await(full.collectGarbage(), WAIT);
          return await(full.stat(), WAIT).repoSize() == before.repoSize();
        });
  }

  @Test
  void aFetchWhoseDiskIsStuckHoldsBackItsOwnTransferOnly() throws IOException {
    Node fetching = cluster.node(2);
    Content slow = added(20 * 1024 * 1024, 5);   // 80 leaves of 256 KiB and a root
    Content fast = added(2 * 1024 * 1024 + 5, 6);
    ExchangeConfig config = ExchangeConfig.from(fetching.config());
    // the slow fetch asks for every block at once, so only its circuit's credit can hold the sender back,
    // and stops reading its circuit as soon as one block waits for its disk
    ExchangeConfig askAll = new ExchangeConfig(config.fragmentBytes(), config.maxBlockBytes(), 1000,
        config.readsInFlight(), 1, config.retryInterval(), config.handoffInterval(), config.protectUnclaimed());
    MemoryBlocks stuck = new MemoryBlocks(1);   // its disk takes the root, then nothing until released
    MemoryBlocks fine = new MemoryBlocks(Integer.MAX_VALUE);
    Circuits circuits = Circuits.of(fetching.vertx());
    Supplier<List<String>> node1 = () -> List.of(cluster.name(1));
    Instant deadline = Instant.now().plus(WAIT);
    LocalPeer me = await(circuits.startLocalPeer(ExchangeVerticle.SERVICE), WAIT);
    try {
      double servedBefore = served(1);
      Future<Void> slowFetch = new Fetch(me, circuits, node1, askAll, slow.root(), stuck, deadline).run();
      Eventually.await("the slow fetch to wait for its disk", WAIT, () -> stuck.waiting.get() == 1);

      await(new Fetch(me, circuits, node1, config, fast.root(), fine, deadline).run(), WAIT);

      assertThat(fine.blocks.keySet()).as("the other fetch, on the same nodes, whole").isEqualTo(fast.blocks());
      assertThat(slowFetch.isComplete()).isFalse();
      assertThat(stuck.puts.get()).as("the root, then one leaf: the fetch stopped reading its circuit").isEqualTo(2);
      CircuitConfig circuit = CircuitConfig.from(fetching.config().section("circuit"));
      long slowServed = Math.round(served(1) - servedBefore) - fast.blocks().size();
      // what node 1 may send it: the root and the leaf it took, its circuit's window and node 1's write
      // queue (about 16 leaves each), the reads under way when the queue filled, and one leaf across the edge
      long bound = 2 + (circuit.windowBytes() + circuit.writeQueueMaxBytes()) / ImportOptions.DEFAULT_CHUNK_SIZE
          + config.readsInFlight() + 1;
      assertThat(slowServed).as("blocks node 1 sent the stuck fetch: held back by its circuit's credit")
          .isLessThanOrEqualTo(bound).isLessThan(slow.blocks().size());

      stuck.disk.countDown();
      await(slowFetch, WAIT);
      assertThat(stuck.blocks.keySet()).isEqualTo(slow.blocks());
    } finally {
      stuck.disk.countDown();
      await(me.close("test-done"), WAIT);
    }
  }

  /** Content added to node 1's store: its root and the CIDs of its blocks. */
  private record Content(Cid root, Set<Cid> blocks) {}

  private static Content added(int size, long seed) throws IOException {
    byte[] content = bytes(size, seed);
    Set<Cid> blocks = new HashSet<>();
    Cid root = new Importer(V0, (cid, block) -> blocks.add(cid)).file("f", new ByteArrayInputStream(content)).cid();
    assertThat(await(store(cluster.node(1)).add(new ByteArrayInputStream(content), "f", V0), WAIT)).isEqualTo(root);
    return new Content(root, blocks);
  }

  /**
   * A fetch's store in memory whose disk takes {@code freeWrites} blocks, then holds each further
   * put (on its worker) until {@link #disk} is released.
   */
  private static final class MemoryBlocks implements BlockSource.LocalBlocks {
    final Map<Cid, byte[]> blocks = new ConcurrentHashMap<>();
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger();
    final CountDownLatch disk = new CountDownLatch(1);
    private final int freeWrites;

    MemoryBlocks(int freeWrites) {
      this.freeWrites = freeWrites;
    }

    @Override
    public boolean has(Cid cid) {
      return blocks.containsKey(cid);
    }

    @Override
    public byte[] get(Cid cid) {
      byte[] block = blocks.get(cid);
      if (block == null) {
        throw FerryException.notFound("block " + cid + " is not here");
      }
      return block;
    }

    @Override
    public void put(Cid cid, byte[] block) {
      BlockStore.check(cid, block);
      if (puts.incrementAndGet() > freeWrites) {
        waiting.incrementAndGet();
        try {
          if (!disk.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the disk");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        } finally {
          waiting.decrementAndGet();
        }
      }
      blocks.put(cid, block);
    }
  }

  /** The blocks node {@code i}'s exchange has sent to other nodes since it started. */
  private static double served(int i) {
    return cluster.node(i).meters().get("ferry.exchange.blocks.served").counter().count();
  }

  /** The cluster's status of {@code cid} on each node, asked of node 1, by peer ID. */
  private static JsonObject peerMap(Cid cid) {
    HttpResponse<String> status = Http.get(cluster.apiPort(1), "/pins/" + cid);
    return new JsonObject(status.body()).getJsonObject("peer_map");
  }

  private static HttpRequest.Builder api(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + path));
  }
}
