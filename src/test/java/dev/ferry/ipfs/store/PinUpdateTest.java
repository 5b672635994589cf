package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store's pin update ({@link ContentStore#pinUpdate}) and direct pin
 * ({@link ContentStore#pinDirect(Cid, Duration)}): what they ask of the block source. The source
 * here is another node's blocks, kept in a map and counted, so the test sees exactly which blocks
 * were fetched and which were only looked at.
 */
class PinUpdateTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Kubo's defaults with 1 KiB chunks: a file of many blocks from little data. */
  private static final ImportOptions SMALL_CHUNKS = ImportOptions.fromKubo(Map.of("chunker", "size-1024",
      "cid-version", "1")::get);

  @TempDir
  Path dir;
  private Vertx vertx;
  private ContentStore store;
  private final Elsewhere elsewhere = new Elsewhere();

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = new ContentStore(vertx, dir.resolve("ipfs"), Long.MAX_VALUE);
    store.blockSource(elsewhere);
  }

  @AfterEach
  void close() {
    await(vertx.close(), WAIT);
  }

  @Test
  void anUpdateFetchesOnlyWhatTheNewVersionChangedAndKeepsTheOldPin() throws IOException {
    byte[] big = new byte[64 * 1024];
    new Random(7).nextBytes(big);
    Cid v1 = elsewhere.directory("v1", Map.of("big.bin", big, "notes.txt", "first notes".getBytes(StandardCharsets.UTF_8)));
    Cid v2 = elsewhere.directory("v2", Map.of("big.bin", big, "notes.txt", "second notes".getBytes(StandardCharsets.UTF_8),
        "new.txt", "added".getBytes(StandardCharsets.UTF_8)));
    await(store.pin(v1, WAIT), WAIT);
    int v1Blocks = elsewhere.sent;
    assertThat(v1Blocks).as("a root, big.bin's 64 leaves and its root, notes.txt").isEqualTo(67);
    elsewhere.sent = 0;
    elsewhere.asked.clear();

    await(store.pinUpdate(v1, v2, WAIT), WAIT);

    // the new root (alone), the changed notes and the new file: big.bin's 65 blocks are shared and not looked for
    assertThat(elsewhere.sent).isEqualTo(3);
    assertThat(elsewhere.asked).hasSize(3).contains(Cid.v1(Cid.RAW, v2.multihash()));
    assertThat(await(store.pins(), WAIT)).contains(v1, v2);
    assertThat(await(store.cat(elsewhere.child(v2, "big.bin"), 0, -1), WAIT).getBytes()).isEqualTo(big);
  }

  @Test
  void anUpdateFromWhatIsNotPinnedIsAPlainPin() throws IOException {
    Cid v1 = elsewhere.directory("v1", Map.of("a.txt", "a".getBytes(StandardCharsets.UTF_8)));
    Cid v2 = elsewhere.directory("v2", Map.of("a.txt", "a".getBytes(StandardCharsets.UTF_8),
        "b.txt", "b".getBytes(StandardCharsets.UTF_8)));

    await(store.pinUpdate(v1, v2, WAIT), WAIT);

    assertThat(elsewhere.asked).containsExactly(v2);
    assertThat(await(store.pins(), WAIT)).containsExactly(v2);
  }

  @Test
  void aDirectPinFetchesTheBlockAloneAndAnUnpinRemovesIt() throws IOException {
    Cid root = elsewhere.directory("d", Map.of("a.txt", "a".getBytes(StandardCharsets.UTF_8),
        "b.txt", "b".getBytes(StandardCharsets.UTF_8)));

    await(store.pinDirect(root, WAIT), WAIT);

    assertThat(elsewhere.sent).isEqualTo(1);
    assertThat(await(store.directPins(), WAIT)).containsExactly(root);
    assertThat(await(store.pins(), WAIT)).isEmpty();
    await(store.unpin(root), WAIT);
    assertThat(await(store.directPins(), WAIT)).isEmpty();
  }

  /**
   * Another node's blocks: a block source that walks a DAG from the asked root, sending (and
   * counting) each block the store lacks, as the block exchange does.
   */
  private final class Elsewhere implements BlockSource {
    private final Map<String, byte[]> blocks = new HashMap<>();
    final List<Cid> asked = Collections.synchronizedList(new ArrayList<>());
    volatile int sent;

    /** A directory named {@code name} of {@code files}, imported here only; its CID. */
    Cid directory(String name, Map<String, byte[]> files) throws IOException {
      List<Importer.Entry> entries = new ArrayList<>();
      Path at = Files.createDirectories(dir.resolve("files-" + name));
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path written = Files.write(at.resolve(file.getKey()), file.getValue());
        entries.add(new Importer.Entry(name + "/" + file.getKey(), written));
      }
      List<Importer.Imported> imported = new Importer(SMALL_CHUNKS, (cid, block) -> blocks.put(Collector.key(cid),
          block)).add(entries);
      return imported.get(imported.size() - 1).cid();
    }

    /** The CID under {@code name} in the directory {@code parent}. */
    Cid child(Cid parent, String name) {
      return DagPb.decode(blocks.get(Collector.key(parent))).links().stream()
          .filter(link -> link.name().equals(name)).findFirst().orElseThrow().hash();
    }

    @Override
    public Future<Void> fetch(Cid root, LocalBlocks into, Instant deadline) {
      asked.add(root);
      return vertx.executeBlocking(() -> {
        Deque<Cid> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
          Cid cid = todo.pop();
          if (!into.has(cid)) {
            into.put(cid, blocks.get(Collector.key(cid)));
            sent++;
          }
          if (cid.codec() == Cid.DAG_PB) {
            DagPb.decode(into.get(cid)).links().forEach(link -> todo.push(link.hash()));
          }
        }
        return null;
      }, false);
    }
  }
}
