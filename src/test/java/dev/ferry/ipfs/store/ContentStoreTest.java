package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.KuboRpcConnector;
import dev.ferry.testing.SmallDisk;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store as a node's IPFS connector: add, cat, pins, limits ({@code ipfs.storage_max},
 * and a real full disk: a small tmpfs, {@link SmallDisk}, mounted as root, as here and in CI).
 */
class ContentStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long UNBOUNDED = Long.MAX_VALUE;
  private static final int CHUNK = ImportOptions.DEFAULT_CHUNK_SIZE;

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() {
    await(vertx.close(), WAIT);
  }

  @Test
  void anAddedFileIsPinnedUnderItsCidV1AndReadBackWholeOrInRanges() throws Exception {
    byte[] content = bytes(2 * CHUNK + 1000);
    Path file = Files.write(dir.resolve("report.pdf"), content);
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);

    Cid cid = await(store.add(file, "report.pdf"), WAIT);

    Cid expected = new Importer(new ImportOptions(CHUNK, 1, true, HashFunction.SHA2_256, false, false),
        (c, b) -> { }).file("report.pdf", new ByteArrayInputStream(content)).cid();
    assertThat(cid).isEqualTo(expected);
    assertThat(await(store.pins(), WAIT)).containsExactly(cid);
    assertThat(await(store.cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store.cat(cid, CHUNK - 10, 20), WAIT).getBytes())
        .as("a range across two leaves").isEqualTo(Arrays.copyOfRange(content, CHUNK - 10, CHUNK + 10));
    assertThat(await(store.cat(cid, 2L * CHUNK + 990, 100), WAIT).getBytes())
        .as("a range past the end stops at the end").isEqualTo(Arrays.copyOfRange(content, 2 * CHUNK + 990, content.length));
    assertThat(await(store.cat(cid, content.length + 5, 10), WAIT).length()).isZero();
    assertThat(cause(store.cat(cid, -1, 10), WAIT)).hasMessageContaining("offset: -1 is negative");
    assertThat(await(store.stat(), WAIT).numObjects()).isEqualTo(3 + 1);  // three raw leaves, their parent
  }

  @Test
  void aPinWaitsForARunningCollectionOffTheEventLoop() throws Exception {
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);
    Cid cid = await(store.add(new ByteArrayInputStream(bytes(1000)), "a.bin", ImportOptions.fromKubo(k -> null)), WAIT);
    assertThat(await(store.pins(), WAIT)).as("added, not pinned").doesNotContain(cid);
    Collector collector = await(store.collector(), WAIT);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread collection = new Thread(() -> {
      synchronized (collector) {  // as a garbage collection removing a block's file holds it
        held.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    collection.start();
    try {
      assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
      Context loop = vertx.getOrCreateContext();
      CompletableFuture<Void> pinned = new CompletableFuture<>();
      CountDownLatch loopFree = new CountDownLatch(1);
      loop.runOnContext(x -> {
        store.pin(cid, WAIT).onSuccess(pinned::complete).onFailure(pinned::completeExceptionally);
        loop.runOnContext(y -> loopFree.countDown());  // runs only if the pin did not wait on this loop
      });
      assertThat(loopFree.await(30, TimeUnit.SECONDS)).as("the event loop went on while the lock was held").isTrue();
      assertThat(pinned).isNotDone();
      release.countDown();
      pinned.get(30, TimeUnit.SECONDS);  // the pin goes on once the collection lets go
    } finally {
      release.countDown();
      collection.join();
    }
    assertThat(await(store.pins(), WAIT)).contains(cid);
    await(store.unpin(cid), WAIT);
    await(store.release(cid), WAIT);  // the add's protection
    assertThat(await(store.collectGarbage(), WAIT).removed()).as("the pin's session closed: nothing holds its block")
        .hasSize(1);
    assertThat(cause(store.block(cid), WAIT)).hasMessageContaining("not in the block store");
  }

  @Test
  void catReadsDagPbLeavesAndDeepTreesFromAnOffset() {
    byte[] content = bytes(200 * 1024 + 7);
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);
    ImportOptions v0 = ImportOptions.fromKubo(Map.of("chunker", "size-1024")::get);  // 201 leaves: two levels

    Cid cid = await(store.add(new ByteArrayInputStream(content), "f", v0), WAIT);

    assertThat(cid.version()).isZero();
    assertThat(await(store.cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store.cat(cid, 174 * 1024 - 3, 2000), WAIT).getBytes())
        .isEqualTo(Arrays.copyOfRange(content, 174 * 1024 - 3, 174 * 1024 - 3 + 2000));
    assertThat(cause(store.cat(Cid.parse("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"), 0, -1), WAIT))
        .hasMessageContaining("is not in the block store");
  }

  @Test
  void contentThatIsNotHereCannotBePinnedUntilItIsAdded() {
    byte[] content = bytes(3 * 1024);
    ImportOptions options = ImportOptions.fromKubo(Map.of("chunker", "size-1024", "cid-version", "1")::get);
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);
    Cid cid = await(store.add(new ByteArrayInputStream(content), "f",
        new ImportOptions(1024, 1, true, HashFunction.SHA2_256, false, true)), WAIT);  // only-hash

    Throwable refused = cause(store.pin(cid, WAIT), WAIT);
    assertThat(refused).isInstanceOf(FerryException.class).hasMessageContaining("cannot pin " + cid)
        .hasMessageContaining("is not in this node's store").hasMessageContaining("set ipfs.api");
    assertThat(((FerryException) refused).code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(await(store.pins(), WAIT)).isEmpty();

    assertThat(await(store.add(new ByteArrayInputStream(content), "f", options), WAIT)).isEqualTo(cid);
    await(store.pin(cid, WAIT), WAIT);
    assertThat(await(store.pins(), WAIT)).containsExactly(cid);
  }

  @Test
  void pinsOutliveTheStoreAndUnpinningWhatIsNotPinnedSucceeds() {
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);
    Cid a = await(store.add(Buffer.buffer("a"), "a"), WAIT);
    Cid b = await(store.add(Buffer.buffer("b"), "b"), WAIT);
    await(store.unpin(a), WAIT);
    await(store.unpin(a), WAIT);

    ContentStore reopened = new ContentStore(vertx, dir.resolve("ipfs"), UNBOUNDED);
    assertThat(await(reopened.pins(), WAIT)).containsExactly(b);
    assertThat(await(reopened.cat(a, 0, -1), WAIT).toString()).as("unpinned, not collected yet").isEqualTo("a");
  }

  @Test
  void anAddBeyondStorageMaxFailsWithStorageFullAndKeepsWhatIsStored() {
    ContentStore store = new ContentStore(vertx, dir.resolve("ipfs"), 100_000);
    Cid small = await(store.add(Buffer.buffer(bytes(50_000)), "small"), WAIT);

    Throwable full = cause(store.add(Buffer.buffer(bytes(60_000)), "big"), WAIT);

    assertThat(full).isInstanceOf(FerryException.class).hasMessageContaining("ipfs.storage_max (100000)");
    assertThat(((FerryException) full).code()).isEqualTo(FerryException.STORAGE_FULL);
    assertThat(await(store.pins(), WAIT)).containsExactly(small);
    assertThat(await(store.cat(small, 0, -1), WAIT).length()).isEqualTo(50_000);
  }

  @Test
  void anAddThatDoesNotFitOnTheDiskFailsWithStorageFullNamingTheFreeSpaceAndSucceedsOnceSpaceReturns() {
    Assumptions.assumeTrue(SmallDisk.canMount(), "mounting a tmpfs needs root (the storage_max test covers the limit)");
    Path ipfs = dir.resolve("ipfs");
    try (SmallDisk disk = SmallDisk.mount(ipfs, "2m")) {
      ContentStore store = new ContentStore(vertx, ipfs, UNBOUNDED);
      Cid small = await(store.add(Buffer.buffer(bytes(50_000)), "small"), WAIT);
      disk.fillLeaving(CHUNK / 2);

      Throwable full = cause(store.add(Buffer.buffer(bytes(3 * CHUNK)), "big"), WAIT);

      assertThat(full).isInstanceOf(FerryException.class).hasMessageContaining("storage full: block ")
          .hasMessageContaining("does not fit on the disk of " + ipfs.resolve("blocks") + ": ")
          .hasMessageContaining(" bytes free; free space there");
      assertThat(((FerryException) full).code()).isEqualTo(FerryException.STORAGE_FULL);
      assertThat(await(store.pins(), WAIT)).containsExactly(small);
      assertThat(await(store.cat(small, 0, -1), WAIT).getBytes()).as("what was stored: whole").isEqualTo(bytes(50_000));

      disk.freeSpace();
      Cid big = await(store.add(Buffer.buffer(bytes(3 * CHUNK)), "big"), WAIT);
      assertThat(await(store.cat(big, 0, -1), WAIT).getBytes()).as("once space returns, no restart")
          .isEqualTo(bytes(3 * CHUNK));
    }
  }

  @Test
  void aNodeWithIpfsApiSetKeepsTheKuboConnector() {
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(),
        new JsonObject().put("ipfs", new JsonObject().put("api", "http://127.0.0.1:5999")), "localhost", dir, dir));
    IpfsConnector connector = forNode(config);
    assertThat(connector).isInstanceOf(KuboRpcConnector.class).hasToString("IPFS daemon at http://127.0.0.1:5999");
  }

  @Test
  void aNodeWithoutIpfsApiGetsItsEmbeddedStoreSharedByItsVerticles() {
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(),
        new JsonObject().put("data_dir", dir.resolve("node").toString()), "localhost", dir, dir));
    IpfsConnector connector = forNode(config);
    assertThat(connector).isInstanceOf(ContentStore.class)
        .hasToString("the embedded IPFS store in " + dir.resolve("node").resolve("ipfs").toAbsolutePath())
        .isSameAs(forNode(config));
    assertThat(await(connector.id(), WAIT).agent()).startsWith("ferry-embedded/");
  }

  @Test
  void aStorageMaxThatIsNoPositiveNumberOfBytesNamesTheKey() {
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(),
        new JsonObject().put("ipfs", new JsonObject().put("storage_max", "lots")), "localhost", dir, dir));
    assertThatThrownBy(() -> forNode(config))
        .hasMessageContaining("ipfs.storage_max").hasMessageContaining("positive number of bytes");
  }

  /** The connector of a node with {@code config} (the tracker's default of 10 pins at once). */
  private IpfsConnector forNode(NodeConfig config) {
    return ContentStore.forNode(vertx, config.dataDir(), IpfsConfig.from(config), 10);
  }

  private static byte[] bytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }
}
