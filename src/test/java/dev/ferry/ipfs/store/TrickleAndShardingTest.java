package dev.ferry.ipfs.store;

import static dev.ferry.testing.Futures.await;
import static dev.ferry.testing.Futures.cause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.IpfsDaemon;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trickle layout and HAMT-sharded directories give the CIDs a real js-ipfs daemon gives
 * ({@code add --trickle}; {@code add} with js-ipfs's sharding at its threshold of 1000 entries, the
 * {@code count} rule named here: ferry's default is Kubo's size),
 * and a sharded directory reads back: {@code ls} lists every entry, a path below it resolves.
 */
class TrickleAndShardingTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;
  private static final int CHUNK = ImportOptions.DEFAULT_CHUNK_SIZE;
  private static final int SHARDED_FILES = 2000;
  /** js-ipfs's daemon shards only when asked (its sharding experiment): asked at its importer's threshold. */
  private static final String JS_SHARDING = "shard-split-threshold=" + ImportOptions.DEFAULT_SHARD_SPLIT_THRESHOLD;
  /** js-ipfs's rule, which ferry follows with {@code ipfs.directory_sharding=count} (Kubo's size is the default). */
  private static final ImportOptions.DirectorySharding JS_RULE = ImportOptions.DirectorySharding.COUNT;

  @TempDir
  static Path scratch;
  private static IpfsDaemon daemon;
  private static Vertx vertx;

  @BeforeAll
  static void startDaemon() {
    vertx = Vertx.vertx();
    daemon = IpfsDaemon.start(scratch);
  }

  @AfterAll
  static void stopDaemon() {
    daemon.close();
    await(vertx.close(), WAIT);
  }

  static Stream<Arguments> trickleCases() {
    Map<String, int[]> files = new LinkedHashMap<>();  // name -> {size, chunk}
    files.put("empty file", new int[] {0, CHUNK});
    files.put("one byte", new int[] {1, CHUNK});
    files.put("exactly one chunk", new int[] {CHUNK, CHUNK});
    files.put("one chunk + 1", new int[] {CHUNK + 1, CHUNK});
    files.put("174 chunks", new int[] {174 * KIB, KIB});
    files.put("175 chunks", new int[] {175 * KIB, KIB});
    files.put("3 MiB in 1 KiB chunks (subtrees four deep)", new int[] {3 * MIB, KIB});
    files.put("5 MiB", new int[] {5 * MIB, CHUNK});
    Map<String, String> optionSets = new LinkedHashMap<>();
    optionSets.put("v0", "");
    optionSets.put("v1 (raw leaves implied)", "&cid-version=1");
    optionSets.put("v0 raw leaves", "&raw-leaves=true");
    optionSets.put("v1 dag-pb leaves", "&cid-version=1&raw-leaves=false");
    List<Arguments> cases = new ArrayList<>();
    files.forEach((name, sizes) -> optionSets.forEach((options, query) ->
        cases.add(Arguments.of(name + ", " + options, sizes[0], "trickle=true&chunker=size-" + sizes[1] + query))));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("trickleCases")
  void aTrickleFileHasTheCidJsIpfsGivesIt(String name, int size, String query) throws IOException {
    byte[] content = random(name, size);
    String expected = daemon.addFiles(Map.of("f", content), query + "&only-hash=true&pin=false").get(0)
        .getString("Hash");

    ImportOptions options = ImportOptions.fromKubo(param(query));
    assertThat(options.trickle()).isTrue();
    Cid cid = new Importer(options, (c, b) -> { }).file("f", new ByteArrayInputStream(content)).cid();

    assertThat(cid).isEqualTo(Cid.parse(expected));
  }

  @Test
  void aTrickleFileReadsBackWholeAndFromAnOffset() {
    byte[] content = random("read back", 3 * MIB + 17);
    ContentStore store = new ContentStore(vertx, scratch.resolve("trickle-store"), Long.MAX_VALUE);
    Cid cid = await(store.add(new ByteArrayInputStream(content), "f",
        ImportOptions.fromKubo(param("trickle=true&chunker=size-1024"))), WAIT);

    assertThat(await(store.cat(cid, 0, -1), WAIT).getBytes()).isEqualTo(content);
    assertThat(await(store.cat(cid, 2 * MIB + 5, 3000), WAIT).getBytes())
        .isEqualTo(java.util.Arrays.copyOfRange(content, 2 * MIB + 5, 2 * MIB + 5 + 3000));
  }

  @ParameterizedTest(name = "cid-version={0}")
  @ValueSource(ints = {0, 1})
  void aDirectoryOf2000FilesIsShardedAsJsIpfsShardsIt(int cidVersion) throws IOException {
    Map<String, byte[]> files = shardedTree();
    String query = JS_SHARDING + "&cid-version=" + cidVersion;
    Map<String, String> expected = daemon.addFiles(files, query + "&only-hash=true&pin=false").stream()
        .collect(Collectors.toMap(l -> l.getString("Name"), l -> l.getString("Hash")));

    ImportOptions options = ImportOptions.fromKubo(param("cid-version=" + cidVersion)).shardedBy(JS_RULE);
    List<Importer.Imported> imported = new Importer(options, (c, b) -> { }).add(entries(files));

    Map<String, Cid> cids = new HashMap<>();
    imported.forEach(i -> cids.put(i.path(), i.cid()));
    // the root's CID covers big/sub's, which js-ipfs does not report from inside a sub-shard
    assertThat(cids.get("big")).as("the sharded directory").isEqualTo(Cid.parse(expected.get("big")));
    assertThat(cids.get("big/file-1234.txt")).isEqualTo(Cid.parse(expected.get("big/file-1234.txt")));
  }

  @ParameterizedTest(name = "{0} entries")
  @ValueSource(ints = {999, 1000})
  void aDirectoryIsShardedFromJsIpfsThresholdOn(int count) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      files.put("dir/" + i, new byte[] {(byte) i});
    }
    String expected = daemon.addFiles(files, JS_SHARDING + "&only-hash=true&pin=false").stream()
        .filter(l -> l.getString("Name").equals("dir")).findFirst().orElseThrow().getString("Hash");

    List<Importer.Imported> imported = new Importer(ImportOptions.DEFAULTS.shardedBy(JS_RULE), (c, b) -> { })
        .add(entries(files));

    Importer.Imported dir = imported.get(imported.size() - 1);
    assertThat(dir.path()).isEqualTo("dir");
    assertThat(dir.cid()).isEqualTo(Cid.parse(expected));
  }

  @Test
  void aShardedDirectoryListsEveryEntryAndAPathBelowItResolves() throws Exception {
    Map<String, byte[]> files = shardedTree();
    ContentStore store = new ContentStore(vertx, scratch.resolve("sharded-store"), Long.MAX_VALUE, JS_RULE);
    List<Importer.Imported> imported = await(store.add(entries(files), ImportOptions.DEFAULTS), WAIT);
    Cid big = imported.stream().filter(i -> i.path().equals("big")).findFirst().orElseThrow().cid();
    assertThat(DagPb.decode(await(store.block(big), WAIT).getBytes()).data())
        .as("the root is a HAMT shard").satisfies(d -> assertThat(UnixFs.decode(d).type())
            .isEqualTo(UnixFs.Type.HAMT_SHARD));

    List<DagReader.Listed> listed = await(store.reader().ls(big), WAIT);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < SHARDED_FILES; i++) {
      names.add(fileName(i));
    }
    names.add("sub");
    assertThat(listed).extracting(DagReader.Listed::name).containsExactlyInAnyOrderElementsOf(names);
    assertThat(listed).filteredOn(l -> l.name().equals("sub")).extracting(DagReader.Listed::type)
        .containsExactly(DagReader.Listed.DIRECTORY);
    assertThat(listed).filteredOn(l -> l.name().equals(fileName(7))).extracting(DagReader.Listed::size)
        .containsExactly((long) files.get("big/" + fileName(7)).length);

    for (String path : List.of(fileName(0), fileName(1234), fileName(SHARDED_FILES - 1), "sub/deep.txt")) {
      Cid file = await(store.resolve("/ipfs/" + big + "/" + path), WAIT);
      assertThat(await(store.cat(file, 0, -1), WAIT).getBytes()).as(path).isEqualTo(files.get("big/" + path));
    }
    assertThat(cause(store.resolve("/ipfs/" + big + "/no-such-file.txt"), WAIT))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.NOT_FOUND))
        .hasMessageContaining("no link named 'no-such-file.txt' under " + big);
    assertThat(cause(store.resolve("/ipfs/" + big + "/" + fileName(3) + "/below"), WAIT))
        .hasMessageContaining("is a file, not a directory");

    Path tar = scratch.resolve("big.tar");
    await(store.reader().tar(big, "big", tar), WAIT);
    String archive = Files.readString(tar, StandardCharsets.ISO_8859_1);
    for (String path : List.of(fileName(0), fileName(1999), "sub/deep.txt")) {
      assertThat(archive).as("get has " + path).contains("big/" + path)
          .contains(new String(files.get("big/" + path), StandardCharsets.ISO_8859_1));
    }
  }

  /** 2000 small files and a subdirectory in {@code big}: enough to shard it, with sub-shards. */
  private static Map<String, byte[]> shardedTree() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < SHARDED_FILES; i++) {
      files.put("big/" + fileName(i), ("file " + i + "\n").getBytes(StandardCharsets.UTF_8));
    }
    files.put("big/sub/deep.txt", "deep below a sharded directory\n".getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static String fileName(int i) {
    return String.format("file-%04d.txt", i);
  }

  /** The files written under the scratch directory, as the importer's entries in the same order. */
  private static List<Importer.Entry> entries(Map<String, byte[]> files) throws IOException {
    Path dir = Files.createTempDirectory(scratch, "tree");
    List<Importer.Entry> entries = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      entries.add(new Importer.Entry(file.getKey(), Files.write(dir.resolve("f" + n++), file.getValue())));
    }
    return entries;
  }

  private static java.util.function.Function<String, String> param(String query) {
    Map<String, String> params = new HashMap<>();
    for (String pair : query.split("&")) {
      if (!pair.isEmpty()) {
        String[] kv = pair.split("=", 2);
        params.put(kv[0], kv[1]);
      }
    }
    return params::get;
  }

  private static byte[] random(String seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed.hashCode()).nextBytes(bytes);
    return bytes;
  }
}
