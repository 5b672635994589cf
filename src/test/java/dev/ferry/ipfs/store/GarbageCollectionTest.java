package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection of the embedded store: it removes exactly the blocks no recursive pin, direct
 * pin or protected root reaches, and never a block an add, pin or fetch that is still running uses.
 */
class GarbageCollectionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int CHUNK = 1024;
  /** Kubo's options with 1 KiB chunks: many blocks from little data. */
  private static final ImportOptions SMALL_CHUNKS = ImportOptions.fromKubo(Map.of("chunker", "size-" + CHUNK)::get);

  @TempDir
  Path dir;
  private Vertx vertx;
  private ContentStore store;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = new ContentStore(vertx, dir.resolve("ipfs"), Long.MAX_VALUE);
  }

  @AfterEach
  void closeVertx() {
    await(vertx.close(), WAIT);
  }

  @Test
  void removesExactlyTheBlocksNoPinAndNoProtectedRootReaches() {
    byte[] shared = bytes(CHUNK, 0);  // one leaf both `kept` and `dropped` hold
    Cid kept = add(concat(shared, bytes(5 * CHUNK, 1)));
    Cid dropped = add(concat(shared, bytes(5 * CHUNK, 2)));
    Cid protectedOnly = add(bytes(3 * CHUNK, 3));
    Cid directRoot = add(bytes(4 * CHUNK, 4));
    await(store.pin(kept, WAIT), WAIT);
    await(store.pinDirect(directRoot), WAIT);
    for (Cid cid : List.of(kept, dropped, directRoot)) {
      await(store.release(cid), WAIT);
    }
    long objects = await(store.stat(), WAIT).numObjects();
    long bytesBefore = await(store.stat(), WAIT).repoSize();

    ContentStore.Collected collected = await(store.collectGarbage(), WAIT);

    // dropped: its root and its 5 own leaves; directRoot: its 4 leaves (the root is pinned directly)
    assertThat(collected.removed()).hasSize(6 + 4);
    assertThat(collected.bytes()).isEqualTo(bytesBefore - await(store.stat(), WAIT).repoSize()).isPositive();
    assertThat(await(store.stat(), WAIT).numObjects()).isEqualTo(objects - 10);
    assertThat(await(store.cat(kept, 0, -1), WAIT).getBytes()).isEqualTo(concat(shared, bytes(5 * CHUNK, 1)));
    assertThat(await(store.cat(protectedOnly, 0, -1), WAIT).getBytes()).isEqualTo(bytes(3 * CHUNK, 3));
    assertThat(await(store.block(directRoot), WAIT).length()).isPositive();
    assertThat(cause(store.block(dropped), WAIT)).hasMessageContaining("is not in the block store");
    assertThat(cause(store.cat(directRoot, 0, -1), WAIT)).hasMessageContaining("is not in the block store");

    assertThat(await(store.collectGarbage(), WAIT).removed()).as("nothing more to collect").isEmpty();
    await(store.unpin(kept), WAIT);
    await(store.unpinDirect(directRoot), WAIT);
    await(store.release(protectedOnly), WAIT);
    await(store.collectGarbage(), WAIT);
    assertThat(await(store.stat(), WAIT).numObjects()).as("everything unpinned is gone").isZero();
  }

  @Test
  void aCollectionDuringAnAddKeepsTheBlocksTheAddHasWrittenButNotYetPinned() throws Exception {
    byte[] content = bytes(40 * CHUNK, 5);
    CountDownLatch halfWritten = new CountDownLatch(1);
    CountDownLatch collected = new CountDownLatch(1);
    InputStream pausing = new ByteArrayInputStream(content) {
      private boolean paused;

      @Override
      public synchronized int read(byte[] b, int off, int len) {
        if (!paused && pos >= content.length / 2) {
          paused = true;
          halfWritten.countDown();
          try {
            collected.await(WAIT.toSeconds(), TimeUnit.SECONDS);  // the importer's worker waits for the collection
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.read(b, off, len);
      }
    };
    Future<Cid> adding = store.add(pausing, "f", SMALL_CHUNKS);
    assertThat(halfWritten.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // the importer waits; the writes of the leaves it made finish behind it (WriteBehind)
    Eventually.await("the first half's leaves stored", WAIT, () -> await(store.stat(), WAIT).numObjects() > 10);

    ContentStore.Collected during = await(store.collectGarbage(), WAIT);
    collected.countDown();
    Cid cid = await(adding, WAIT);

    assertThat(during.removed()).isEmpty();
    assertThat(await(store.cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store.collectGarbage(), WAIT).removed()).as("protected after the add").isEmpty();
  }

  @Test
  void collectionsRunningAllTheTimeNeverTakeABlockOfAnAddOrAPin() throws Exception {
    AtomicBoolean adding = new AtomicBoolean(true);
    List<Throwable> failures = new ArrayList<>();
    Thread collector = new Thread(() -> {
      while (adding.get()) {
        try {
          store.collectGarbage().toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
          failures.add(e);
          return;
        }
      }
    });
    collector.start();
    List<Cid> pinned = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    try {
      for (int i = 0; i < 30; i++) {
        byte[] content = bytes(8 * CHUNK + i, 100 + i);
        Cid cid = add(content);
        await(store.pin(cid, WAIT), WAIT);    // pinned before the add's protection goes
        await(store.release(cid), WAIT);
        Cid garbage = add(bytes(3 * CHUNK, 1000 + i));
        await(store.release(garbage), WAIT);  // unreachable: any collection may take it
        pinned.add(cid);
        contents.add(content);
      }
    } finally {
      adding.set(false);
      collector.join(WAIT.toMillis());
    }

    assertThat(failures).isEmpty();
    for (int i = 0; i < pinned.size(); i++) {
      assertThat(await(store.cat(pinned.get(i), 0, -1), WAIT).getBytes()).isEqualTo(contents.get(i));
    }
    await(store.collectGarbage(), WAIT);
    assertThat(await(store.stat(), WAIT).numObjects()).as("only the pinned DAGs are left: 8 or 9 leaves and a root each")
        .isBetween(30L * 9, 30L * 10);
  }

  private Cid add(byte[] content) {
    return await(store.add(new ByteArrayInputStream(content), "f", SMALL_CHUNKS), WAIT);
  }

  private static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
