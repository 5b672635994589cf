package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.Cid;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When a directory becomes a HAMT shard: Kubo's size rule (the default, {@code ipfs.directory_sharding=size}:
 * the link names' bytes plus the CIDs' bytes past {@link ImportOptions#HAMT_SHARDING_SIZE}, boxo's
 * {@code HAMTShardingSize}) or js-ipfs's count rule ({@code count}). The directories here
 * are built to land exactly on Kubo's threshold: {@value #ENTRIES} links of 64 bytes each (a CIDv0 of
 * 34 bytes and a 30-byte name, or a CIDv1 of 36 and a 28-byte name) make 262144.
 */
class DirectoryShardingTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int LINK_BYTES = 64;
  private static final int ENTRIES = ImportOptions.HAMT_SHARDING_SIZE / LINK_BYTES;
  private static final ImportOptions.DirectorySharding COUNT = ImportOptions.DirectorySharding.COUNT;
  private static final ImportOptions.DirectorySharding SIZE = ImportOptions.DirectorySharding.SIZE;

  @TempDir
  static Path scratch;
  private static Path file;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws IOException {
    file = Files.writeString(scratch.resolve("same.txt"), "the same small file under every name\n");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close(), WAIT);
  }

  /** What one import of {@code entries} in {@code dir} wrote: the blocks by CID, and the directory's CID. */
  private record Imported(Map<Cid, byte[]> blocks, Cid dir) {
    UnixFs.Type type() {
      return UnixFs.decode(DagPb.decode(blocks.get(dir)).data()).type();
    }
  }

  private static Imported add(List<Importer.Entry> entries, ImportOptions options) throws IOException {
    Map<Cid, byte[]> blocks = new HashMap<>();
    List<Importer.Imported> imported = new Importer(options, blocks::put).add(entries);
    return new Imported(blocks, imported.get(imported.size() - 1).cid());
  }

  /**
   * {@value #ENTRIES} files in {@code dir} whose links take exactly Kubo's threshold, all but the
   * last named by {@code nameBytes} bytes; the last named {@code lastName}.
   */
  private static List<Importer.Entry> entries(int nameBytes, String lastName) {
    List<Importer.Entry> entries = new ArrayList<>();
    for (int i = 0; i < ENTRIES - 1; i++) {
      entries.add(new Importer.Entry("dir/" + name(i, nameBytes), file));
    }
    entries.add(new Importer.Entry("dir/" + lastName, file));
    return entries;
  }

  /** A distinct ASCII name of exactly {@code bytes} bytes. */
  private static String name(int i, int bytes) {
    String digits = Integer.toString(i);
    return "e".repeat(bytes - digits.length()) + digits;
  }

  private static ImportOptions options(int cidVersion, ImportOptions.DirectorySharding rule) {
    return ImportOptions.fromKubo(Map.of("cid-version", String.valueOf(cidVersion))::get).shardedBy(rule);
  }

  /** The name bytes that make a link of {@value #LINK_BYTES} bytes with this CID version's file CIDs. */
  private static int nameBytes(int cidVersion) {
    return LINK_BYTES - (cidVersion == 0 ? 34 : 36);
  }

  @ParameterizedTest(name = "cid-version={0}")
  @ValueSource(ints = {0, 1})
  void exactlyAtKubosSizeADirectoryStaysPlainAndOneByteMoreShardsIt(int cidVersion) throws IOException {
    int nameBytes = nameBytes(cidVersion);
    List<Importer.Entry> at = entries(nameBytes, "last" + "x".repeat(nameBytes - 4));
    List<Importer.Entry> past = entries(nameBytes, "last" + "x".repeat(nameBytes - 3));
    Cid fileCid = add(List.of(new Importer.Entry("f", file)), options(cidVersion, SIZE)).dir();
    assertThat(fileCid.toBytes()).as("the file's CID").hasSize(LINK_BYTES - nameBytes);

    assertThat(add(at, options(cidVersion, SIZE)).type()).as("262144 bytes of links").isEqualTo(UnixFs.Type.DIRECTORY);
    assertThat(add(past, options(cidVersion, SIZE)).type()).as("262145 bytes").isEqualTo(UnixFs.Type.HAMT_SHARD);
    // js-ipfs's rule shards both: 4096 entries are past 1000
    assertThat(add(at, options(cidVersion, COUNT)).type()).isEqualTo(UnixFs.Type.HAMT_SHARD);
  }

  @Test
  void aNameCountsByItsUtf8BytesNotItsCharacters() throws IOException {
    // 30 characters, 31 bytes: one past the threshold only when counted in bytes, as Go's len() does
    String accented = "last" + "x".repeat(nameBytes(0) - 5) + "é";
    assertThat(accented).hasSize(nameBytes(0));
    assertThat(accented.getBytes(StandardCharsets.UTF_8)).hasSize(nameBytes(0) + 1);
    assertThat(add(entries(nameBytes(0), accented), options(0, SIZE)).type()).isEqualTo(UnixFs.Type.HAMT_SHARD);
  }

  @ParameterizedTest(name = "cid-version={0}")
  @ValueSource(ints = {0, 1})
  void whereBothRulesShardTheShardIsTheSame(int cidVersion) throws IOException {
    List<Importer.Entry> past = entries(nameBytes(cidVersion), "last" + "x".repeat(nameBytes(cidVersion) - 3));
    Imported bySize = add(past, options(cidVersion, SIZE));
    Imported byCount = add(past, options(cidVersion, COUNT));

    assertThat(bySize.dir()).isEqualTo(byCount.dir());
    assertThat(bySize.blocks().keySet()).isEqualTo(byCount.blocks().keySet());
  }

  @Test
  void aSmallDirectoryIsPlainUnderBothRules() throws IOException {
    List<Importer.Entry> few = List.of(new Importer.Entry("dir/a.txt", file), new Importer.Entry("dir/b.txt", file));
    Imported bySize = add(few, options(0, SIZE));
    assertThat(bySize.type()).isEqualTo(UnixFs.Type.DIRECTORY);
    assertThat(bySize.dir()).isEqualTo(add(few, options(0, COUNT)).dir());
  }

  @Test
  void aStoreOfANodeThatShardsBySizeAppliesItToEveryAddAndRefusesACount() throws IOException {
    ContentStore store = embedded(config(new JsonObject().put("directory_sharding", "size")));
    List<Importer.Entry> at = entries(nameBytes(0), "last" + "x".repeat(nameBytes(0) - 4));

    List<Importer.Imported> added = await(store.add(at, ImportOptions.DEFAULTS), WAIT);
    Importer.Imported dir = added.get(added.size() - 1);
    assertThat(dir.cid()).isEqualTo(add(at, options(0, SIZE)).dir());
    assertThat(UnixFs.decode(DagPb.decode(await(store.block(dir.cid()), WAIT).getBytes()).data()).type())
        .isEqualTo(UnixFs.Type.DIRECTORY);

    ImportOptions threshold = ImportOptions.fromKubo(Map.of("shard-split-threshold", "3")::get);
    assertThat(cause(store.add(at, threshold), WAIT))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST))
        .hasMessageContaining("shard-split-threshold: this node shards directories by size");
  }

  @Test
  void aNodeShardsBySizeUnlessToldCountAndABadRuleNamesItsKey() throws IOException {
    List<Importer.Entry> at = entries(nameBytes(0), "last" + "x".repeat(nameBytes(0) - 4));
    ContentStore byDefault = embedded(config(new JsonObject()));
    List<Importer.Imported> added = await(byDefault.add(at, ImportOptions.DEFAULTS), WAIT);
    assertThat(added.get(added.size() - 1).cid()).as("size, conf/node.json's default: exactly at Kubo's size, plain")
        .isEqualTo(add(at, options(0, SIZE)).dir()).isNotEqualTo(add(at, options(0, COUNT)).dir());
    assertThat(ImportOptions.DEFAULTS.directorySharding()).isEqualTo(SIZE);
    assertThat(ImportOptions.fromKubo(Map.<String, String>of()::get).directorySharding()).isEqualTo(SIZE);
    assertThat(ImportOptions.fromKubo(Map.of("shard-split-threshold", "3")::get).directorySharding())
        .as("js-ipfs's parameter asks for js-ipfs's rule").isEqualTo(COUNT);

    ContentStore byCount = embedded(config(new JsonObject().put("directory_sharding", "count")));
    List<Importer.Imported> counted = await(byCount.add(at, ImportOptions.DEFAULTS), WAIT);
    assertThat(counted.get(counted.size() - 1).cid()).as("count: 4096 entries shard")
        .isEqualTo(add(at, options(0, COUNT)).dir());

    assertThatThrownBy(() -> embedded(config(new JsonObject().put("directory_sharding", "sideways"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("ipfs.directory_sharding: expected size (Kubo's rule: past 262144 bytes of link names "
            + "and CIDs) or count (js-ipfs's: from 1000 entries)")
        .hasMessageEndingWith("got 'sideways'");
  }

  /** The embedded store of a node with {@code config}. */
  private static ContentStore embedded(NodeConfig config) {
    return ContentStore.embedded(vertx, config.dataDir(), IpfsConfig.from(config));
  }

  private static NodeConfig config(JsonObject ipfs) {
    Path data = scratch.resolve("node-" + System.nanoTime());
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), new JsonObject().put("ipfs", ipfs),
        "localhost", data, data));
  }
}
