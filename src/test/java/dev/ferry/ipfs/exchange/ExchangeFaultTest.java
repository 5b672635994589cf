package dev.ferry.ipfs.exchange;

import static dev.ferry.ipfs.exchange.ExchangeTest.bytes;
import static dev.ferry.ipfs.exchange.ExchangeTest.store;
import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import dev.ferry.ipfs.store.BlockStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Links;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Faults during a fetch, with three in-JVM nodes: a node that answers with wrong bytes is not
 * believed (the fetch takes the blocks from the honest node, and fails naming the liar when only it
 * claims them); block files damaged on the fetching node are removed and fetched again, by a pin
 * or, for a parent a garbage collection found damaged under a cluster pin, by the state sync's
 * repair; a serving node that stops in the middle of a fetch has its blocks fetched from the
 * other; a fetch cut short (its only source stopped, the pin timed out) resumes from the blocks it
 * stored once the source is back.
 */
@Timeout(240)
class ExchangeFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ImportOptions SMALL_CHUNKS = ImportOptions.fromKubo(Map.of("chunker", "size-4096")::get);
  private TestCluster.JvmCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Makes node {@code i}'s exchange answer every wanted block with random bytes of a plausible size. */
  private AtomicInteger lie(int i) {
    AtomicInteger lies = new AtomicInteger();
    Circuits.of(cluster.node(i).vertx()).registerPeerService(ExchangeVerticle.SERVICE, (me, ctx, incoming) ->
        incoming.handler(circuit -> circuit.reads().handler(f -> {
          for (Cid cid : Protocol.wanted(f.payload())) {
            lies.incrementAndGet();
            Protocol.block(cid, Buffer.buffer(bytes(4096, lies.get())), 65536).forEach(circuit::write);
          }
        })));
    return lies;
  }

  @Test
  void aNodeServingWrongBytesIsNotBelievedAndTheBlocksComeFromAnother() {
    cluster = TestCluster.inJvm(3).awaitFullMembership();
    AtomicInteger lies = lie(3);
    byte[] content = bytes(2 * 1024 * 1024, 7);  // 512 leaves: more than one node's want-list
    Cid cid = await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "f", SMALL_CHUNKS), WAIT);

    await(store(cluster.node(1)).pin(cid, WAIT), WAIT);

    assertThat(lies.get()).as("the liar was asked").isPositive();
    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store(cluster.node(1)).stat(), WAIT).numObjects()).as("nothing but the DAG's blocks stored")
        .isEqualTo(await(store(cluster.node(2)).stat(), WAIT).numObjects());

    // content that only the liar claims to have: the pin fails, naming it
    Cid elsewhere = await(store(cluster.node(1)).add(new ByteArrayInputStream(bytes(5000, 8)), "g",
        ImportOptions.fromKubo(Map.of("only-hash", "true")::get)), WAIT);
    Throwable failed = cause(store(cluster.node(2)).pin(elsewhere, Duration.ofSeconds(3)), WAIT);
    assertThat(failed).hasMessageContaining("was not found on any node")
        .hasMessageContaining("not believed (sent wrong bytes): " + cluster.name(3));
    assertThat(((FerryException) failed).code()).isEqualTo(FerryException.TIMEOUT);
  }

  @Test
  void damagedBlockFilesAreRemovedAndFetchedAgainFromAnotherNode() throws Exception {
    cluster = TestCluster.inJvm(2).awaitFullMembership();
    byte[] content = bytes(2 * 1024 * 1024, 11);  // 512 raw leaves under 3 dag-pb parents and a root
    ImportOptions v1 = ImportOptions.fromKubo(Map.of("cid-version", "1", "chunker", "size-4096")::get);
    Cid cid = await(store(cluster.node(1)).add(new ByteArrayInputStream(content), "f", v1), WAIT);
    assertThat(await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "f", v1), WAIT)).isEqualTo(cid);
    List<Cid> parents = Links.of(cid, await(store(cluster.node(1)).block(cid), WAIT).getBytes());
    List<Cid> leaves = Links.of(parents.get(0), await(store(cluster.node(1)).block(parents.get(0)), WAIT).getBytes());
    Path truncated = blockFile(1, leaves.get(10));
    Path flipped = blockFile(1, leaves.get(100));
    Path flippedParent = blockFile(1, parents.get(2));
    Files.write(truncated, Arrays.copyOf(Files.readAllBytes(truncated), 1000));  // as a crash or a full disk leaves it
    flipBytes(flipped);
    flipBytes(flippedParent);
    Logger logger = (Logger) LoggerFactory.getLogger(BlockStore.class);
    ListAppender<ILoggingEvent> warned = new ListAppender<>();
    warned.start();
    logger.addAppender(warned);
    try {
      await(store(cluster.node(1)).pin(cid, WAIT), WAIT);
    } finally {
      logger.detachAppender(warned);
    }

    assertThat(await(store(cluster.node(1)).pins(), WAIT)).contains(cid);
    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    for (Cid damaged : List.of(leaves.get(10), leaves.get(100), parents.get(2))) {
      assertThat(blockFile(1, damaged)).as("fetched again").hasBinaryContent(
          await(store(cluster.node(2)).block(damaged), WAIT).getBytes());
    }
    List<String> warnings = warned.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(warnings).hasSize(3);
    for (Path file : List.of(truncated, flipped, flippedParent)) {
      assertThat(warnings).anyMatch(w -> w.contains(file.toString()) && w.contains("does not hash to its CID"));
    }
    assertThat(warnings).anyMatch(w -> w.startsWith("block " + leaves.get(10) + ": its file"));
  }

  @Test
  void aClusterPinWhoseParentACollectionFoundDamagedIsPinnedAgainByTheStateSync() throws Exception {
    cluster = TestCluster.inJvm(2, i -> List.of("pin.state_sync_interval_ms=500")).awaitFullMembership();
    byte[] content = bytes(2 * 1024 * 1024, 13);  // 512 raw leaves under 3 dag-pb parents and a root
    ImportOptions v1 = ImportOptions.fromKubo(Map.of("cid-version", "1", "chunker", "size-4096")::get);
    Cid cid = await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "f", v1), WAIT);
    HttpResponse<String> pinned = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + cluster.apiPort(1) + "/pins/" + cid + "?replication=-1")).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
    Eventually.await("node1 to pin " + cid + " for the cluster", WAIT,
        () -> await(store(cluster.node(1)).pins(), WAIT).contains(cid));
    Cid parent = Links.of(cid, await(store(cluster.node(1)).block(cid), WAIT).getBytes()).get(1);
    Path damaged = blockFile(1, parent);
    flipBytes(damaged);

    Throwable failed = cause(store(cluster.node(1)).collectGarbage(), WAIT);

    assertThat(failed).hasMessageContaining("block " + parent + " under the pin " + cid + " was damaged on disk");
    Eventually.await("the state sync to find " + cid + " unpinned on node1 and pin it again", WAIT,
        () -> await(store(cluster.node(1)).pins(), WAIT).contains(cid));
    assertThat(damaged).as("fetched again from node2").hasBinaryContent(
        await(store(cluster.node(2)).block(parent), WAIT).getBytes());
    assertThat(await(store(cluster.node(1)).collectGarbage(), WAIT).removed()).isEmpty();
    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  /** Where node {@code i}'s store keeps the block of {@code cid} (Kubo's flatfs layout, docs/CONTENT.md). */
  private Path blockFile(int i, Cid cid) {
    String key = Multibase.base32(cid.multihash(), true);
    return cluster.node(i).config().dataDir().resolve("ipfs").toAbsolutePath().resolve("blocks")
        .resolve(key.substring(key.length() - 3, key.length() - 1)).resolve(key + ".data");
  }

  /** Inverts a few bytes in the middle of {@code file}, keeping its size, as a bad disk or tampering would. */
  private static void flipBytes(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    for (int i = bytes.length / 2; i < bytes.length / 2 + 4; i++) {
      bytes[i] = (byte) ~bytes[i];
    }
    Files.write(file, bytes);
  }

  @Test
  void aServingNodeThatStopsMidFetchHasItsBlocksFetchedFromAnother() {
    // node 3 serves slowly (256-byte fragments, one disk read at a time), so the fetch is mid-way when it stops
    cluster = TestCluster.inJvm(3, i -> i == 3 ? List.of("exchange.fragment_bytes=256", "exchange.reads_in_flight=1")
        : List.of()).awaitFullMembership();
    byte[] content = bytes(48 * 1024 * 1024, 9);
    ImportOptions v1 = ImportOptions.fromKubo(Map.of("cid-version", "1")::get);
    Cid cid = await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "f", v1), WAIT);
    assertThat(await(store(cluster.node(3)).add(new ByteArrayInputStream(content), "f", v1), WAIT)).isEqualTo(cid);

    Future<Void> pinning = store(cluster.node(1)).pin(cid, WAIT);
    Eventually.await("node 1 to have stored some of the blocks", WAIT,
        () -> await(store(cluster.node(1)).stat(), WAIT).numObjects() >= 8);
    assertThat(pinning.isComplete()).as("still fetching when node 3 stops").isFalse();
    cluster.stop(3);
    await(pinning, WAIT);

    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
  }

  @Test
  void aFetchCutShortResumesFromTheBlocksItStored() {
    // node 2, the only holder, serves slowly (256-byte fragments, one disk read at a time) and stops mid-fetch
    cluster = TestCluster.inJvm(2, i -> i == 2 ? List.of("exchange.fragment_bytes=256", "exchange.reads_in_flight=1")
        : List.of()).awaitFullMembership();
    byte[] content = bytes(48 * 1024 * 1024, 10);
    Cid cid = await(store(cluster.node(2)).add(new ByteArrayInputStream(content), "f",
        ImportOptions.fromKubo(Map.of("cid-version", "1")::get)), WAIT);
    long blocks = await(store(cluster.node(2)).stat(), WAIT).numObjects();

    Future<Void> pinning = store(cluster.node(1)).pin(cid, Duration.ofSeconds(10));
    Eventually.await("node 1 to have stored some of the blocks", WAIT,
        () -> await(store(cluster.node(1)).stat(), WAIT).numObjects() >= 8);
    cluster.stop(2);
    Throwable cut = cause(pinning, WAIT);
    long storedBefore = await(store(cluster.node(1)).stat(), WAIT).numObjects();
    assertThat(cut).hasMessageContaining("still missing");
    assertThat(storedBefore).as("part of the DAG stored before node 2 stopped").isBetween(8L, blocks - 1);

    cluster.restart(2);
    cluster.awaitFullMembership();
    await(store(cluster.node(1)).pin(cid, WAIT), WAIT);
    assertThat(await(store(cluster.node(1)).cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store(cluster.node(1)).stat(), WAIT).numObjects()).isEqualTo(blocks);
  }
}
