package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection over block files damaged on disk: a parent it cannot read makes it remove
 * nothing (it cannot know the parent's children) and fail naming the block, the pin and the
 * repair, after removing the damaged file; the pin is left out of {@code pin/ls} until a pin finds
 * its DAG whole. Leaves are not read, so a damaged leaf fails nothing.
 */
class GarbageCollectionDamageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int CHUNK = 1024;
  /** CIDv1 with raw leaves and 1 KiB chunks: 200 KiB is 200 raw leaves under 2 dag-pb parents and a root. */
  private static final ImportOptions RAW_LEAVES = ImportOptions.fromKubo(
      Map.of("cid-version", "1", "chunker", "size-" + CHUNK)::get);

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
  void aDamagedParentUnderAPinFailsTheCollectionWhichRemovesNothingButItsFile() throws IOException {
    byte[] content = bytes(200 * CHUNK, 1);
    Cid pinned = add(content);
    await(store.pin(pinned, WAIT), WAIT);
    await(store.release(pinned), WAIT);
    Cid garbage = add(bytes(3 * CHUNK, 2));  // a root and 3 leaves that nothing keeps
    await(store.release(garbage), WAIT);
    Set<String> garbageBlocks = new HashSet<>(keys(links(garbage)));
    garbageBlocks.add(Collector.key(garbage));
    List<Cid> parents = links(pinned);
    assertThat(parents).hasSize(2);
    Cid parent = parents.get(0);
    byte[] parentBytes = await(store.block(parent), WAIT).getBytes();
    assertThat(links(parent)).as("leaves only that parent reaches").hasSize(174);
    Set<Path> before = storedFiles();
    Path damaged = blockFile(parent);
    flipBytes(damaged);

    List<String> warnings = new ArrayList<>();
    Throwable failed = warnedOf(warnings, () -> cause(store.collectGarbage(), WAIT));

    assertThat(((FerryException) failed).code()).isEqualTo(FerryException.STORAGE_ERROR);
    assertThat(failed.getMessage()).startsWith("garbage collection removed nothing")
        .contains("block " + parent + " under the pin " + pinned + " was damaged on disk (its file " + damaged)
        .contains("state sync", "fetching the block from another node", "ferry ctl recover " + pinned,
            "Run gc again");
    assertThat(damaged).doesNotExist();
    Set<Path> left = new HashSet<>(before);
    left.remove(damaged);
    assertThat(storedFiles()).as("no other block removed: neither the parent's leaves nor the garbage").isEqualTo(left);
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains(damaged.toString(), "does not hash to its CID",
        "found by garbage collection under the pin " + pinned);
    assertThat(await(store.pins(), WAIT)).as("not listed as pinned while its DAG is incomplete").doesNotContain(pinned);

    // the parent is missing now: its leaves are still unknown to a collection, which again removes nothing
    Throwable again = cause(store.collectGarbage(), WAIT);
    assertThat(again).hasMessageContaining("block " + parent + " under the pin " + pinned + " is missing");
    assertThat(storedFiles()).isEqualTo(left);

    await(store.putBlock(parent, parentBytes), WAIT);  // what a fetch from another node does
    ContentStore.Collected collected = await(store.collectGarbage(), WAIT);

    assertThat(keys(collected.removed())).as("exactly the unreachable blocks").containsExactlyInAnyOrderElementsOf(
        garbageBlocks);
    assertThat(await(store.cat(pinned, 0, -1), WAIT).getBytes()).isEqualTo(content);
    await(store.pin(pinned, WAIT), WAIT);
    assertThat(await(store.pins(), WAIT)).as("listed again once a pin found its DAG whole").contains(pinned);
  }

  @Test
  void aDamagedLeafUnderAPinIsNotReadByTheCollectionAndFailsNothing() throws IOException {
    byte[] content = bytes(200 * CHUNK, 3);
    Cid pinned = add(content);
    await(store.pin(pinned, WAIT), WAIT);
    await(store.release(pinned), WAIT);
    Cid garbage = add(bytes(3 * CHUNK, 4));
    await(store.release(garbage), WAIT);
    Cid leaf = links(links(pinned).get(1)).get(5);
    assertThat(leaf.codec()).isEqualTo(Cid.RAW);
    Path damaged = blockFile(leaf);
    Files.write(damaged, Arrays.copyOf(Files.readAllBytes(damaged), 100));  // cut short, as a crash leaves it

    ContentStore.Collected collected = await(store.collectGarbage(), WAIT);

    assertThat(collected.removed()).as("the garbage's root and 3 leaves").hasSize(4);
    assertThat(Files.size(damaged)).as("a leaf is not read, so not checked, by a collection").isEqualTo(100);
    assertThat(await(store.pins(), WAIT)).contains(pinned);
  }

  @Test
  void aDamagedParentUnderAnAddedRootFailsTheCollectionUntilTheContentIsAddedAgain() throws IOException {
    byte[] content = bytes(200 * CHUNK, 5);
    Cid added = add(content);  // protected, not pinned
    Path damaged = blockFile(links(added).get(1));
    flipBytes(damaged);
    long objects = await(store.stat(), WAIT).numObjects();

    Throwable failed = cause(store.collectGarbage(), WAIT);

    assertThat(failed).hasMessageContaining("under the added root " + added + " was damaged on disk")
        .hasMessageContaining("add or import the content of " + added + " again");
    assertThat(await(store.stat(), WAIT).numObjects()).as("only the damaged file removed").isEqualTo(objects - 1);
    assertThat(add(content)).isEqualTo(added);
    assertThat(await(store.collectGarbage(), WAIT).removed()).isEmpty();
    assertThat(await(store.cat(added, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  @Test
  void aDirectPinOfAParentInsideAPinnedDagDoesNotCutThatDagShort() {
    byte[] content = bytes(200 * CHUNK, 6);
    Cid pinned = add(content);
    await(store.pin(pinned, WAIT), WAIT);
    await(store.pinDirect(links(pinned).get(0)), WAIT);
    await(store.release(pinned), WAIT);

    assertThat(await(store.collectGarbage(), WAIT).removed()).as("the leaves below the direct pin stay").isEmpty();
    assertThat(await(store.cat(pinned, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  /** What {@code action} answers, with the WARN lines of {@link BlockStore} meanwhile added to {@code warnings}. */
  private static <T> T warnedOf(List<String> warnings, Supplier<T> action) {
    Logger logger = (Logger) LoggerFactory.getLogger(BlockStore.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      return action.get();
    } finally {
      logger.detachAppender(appender);
      appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
          .forEach(warnings::add);
    }
  }

  private Cid add(byte[] content) {
    return await(store.add(new ByteArrayInputStream(content), "f", RAW_LEAVES), WAIT);
  }

  private List<Cid> links(Cid cid) {
    return Links.of(cid, await(store.block(cid), WAIT).getBytes());
  }

  private static List<String> keys(List<Cid> cids) {
    return cids.stream().map(Collector::key).toList();
  }

  /** Where the store keeps the block of {@code cid} (Kubo's flatfs layout, docs/CONTENT.md). */
  private Path blockFile(Cid cid) {
    String key = Multibase.base32(cid.multihash(), true);
    return dir.resolve("ipfs").resolve("blocks").resolve(key.substring(key.length() - 3, key.length() - 1))
        .resolve(key + ".data");
  }

  /** Every block file in the store. */
  private Set<Path> storedFiles() throws IOException {
    try (Stream<Path> files = Files.walk(dir.resolve("ipfs").resolve("blocks"))) {
      return files.filter(file -> file.toString().endsWith(".data") && !file.getParent().endsWith(".temp"))
          .collect(Collectors.toSet());
    }
  }

  /** Inverts a few bytes in the middle of {@code file}, keeping its size, as a bad disk or tampering would. */
  private static void flipBytes(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    for (int i = bytes.length / 2; i < bytes.length / 2 + 4; i++) {
      bytes[i] = (byte) ~bytes[i];
    }
    Files.write(file, bytes);
  }

  private static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
