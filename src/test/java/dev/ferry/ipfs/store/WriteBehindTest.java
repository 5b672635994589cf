package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The add's write-behind sink: bounded bytes on their way, every write done before finish answers, failures surface. */
@Timeout(30)
class WriteBehindTest {
  private static final int BLOCK = 1000;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void finishAnswersOnlyOnceEveryBlockIsWrittenAndNoMoreThanTheBoundIsOnItsWay() throws Exception {
    Set<Cid> written = ConcurrentHashMap.newKeySet();
    AtomicInteger writing = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicBoolean allPut = new AtomicBoolean();
    Importer.BlockSink slow = (cid, block) -> {
      most.accumulateAndGet(writing.incrementAndGet(), Math::max);
      try {
        // a slow disk: a write ends only once another one waits beside it (or no more will come),
        // so puts outrun writes
        Eventually.await("a second write at the disk", WAIT, () -> writing.get() >= 2 || allPut.get());
      } finally {
        writing.decrementAndGet();
      }
      written.add(cid);
    };
    WriteBehind writes = new WriteBehind(slow, threads, 3 * BLOCK);
    Set<Cid> put = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 40; i++) {
      byte[] block = block(i);
      Cid cid = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block));
      writes.put(cid, block);
      put.add(cid);
    }
    allPut.set(true);
    writes.finish();

    assertThat(written).isEqualTo(put);
    assertThat(most.get()).as("blocks written at once, bounded by the bytes on their way").isBetween(2, 3);
  }

  @Test
  void aFailedWriteFailsTheNextPutAndFinishWithItsOwnError() throws Exception {
    FerryException full = new FerryException(FerryException.STORAGE_FULL, "storage full: block x");
    CountDownLatch failed = new CountDownLatch(1);
    Importer.BlockSink failing = (cid, block) -> {
      failed.countDown();
      throw full;
    };
    WriteBehind writes = new WriteBehind(failing, threads, 10 * BLOCK);
    writes.put(Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block(1))), block(1));
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
    writes.close();  // waits for the write: its failure is recorded by then

    assertThatThrownBy(() -> writes.put(Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block(2))), block(2)))
        .isSameAs(full);
    assertThatThrownBy(writes::finish).isSameAs(full);
  }

  @Test
  void anIoFailureComesBackAsThatIoException() throws Exception {
    IOException broken = new IOException("disk gone");
    WriteBehind writes = new WriteBehind((cid, block) -> {
      throw broken;
    }, threads, 10 * BLOCK);
    writes.put(Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block(1))), block(1));

    assertThatThrownBy(writes::finish).isSameAs(broken);
  }

  @Test
  void theWriteSettingsComeFromConfNodeJsonAndABadOneNamesItsKey(@TempDir Path data) {
    assertThat(IpfsConfig.from(config(data, new JsonObject())).writes())
        .as("conf/node.json's defaults are the ones a store outside a node uses").isEqualTo(BlockStore.Writes.DEFAULTS);
    assertThat(IpfsConfig.from(config(data, new JsonObject().put("write_threads", 2)
        .put("write_ahead_bytes", 1 << 20).put("recycle_bytes", 0))).writes())
        .isEqualTo(new BlockStore.Writes(2, 1 << 20, 0));

    assertThatThrownBy(() -> IpfsConfig.from(config(data, new JsonObject().put("write_threads", 0))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ipfs.write_threads: expected a positive integer");
    assertThatThrownBy(() -> IpfsConfig.from(config(data, new JsonObject().put("write_ahead_bytes", -1))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("ipfs.write_ahead_bytes: expected a positive number of bytes");
  }

  private static NodeConfig config(Path data, JsonObject ipfs) {
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), new JsonObject().put("ipfs", ipfs),
        "localhost", data, data));
  }

  private static byte[] block(int n) {
    byte[] block = new byte[BLOCK];
    block[0] = (byte) n;
    block[1] = (byte) (n >> 8);
    return block;
  }
}
