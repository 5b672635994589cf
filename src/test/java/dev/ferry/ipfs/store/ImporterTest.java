package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The importer's CIDs are js-ipfs's (Kubo's defaults) for the same bytes and options. */
class ImporterTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;
  private static final int CHUNK = ImportOptions.DEFAULT_CHUNK_SIZE;

  /** Each case's name, options and entries; js-ipfs's answer for it, filled once for all. */
  private static final Map<String, JsImporter.Job> CASES = new LinkedHashMap<>();
  private static final Map<String, JsImporter.Result> EXPECTED = new HashMap<>();

  @TempDir
  static Path scratch;

  @BeforeAll
  static void importEverythingWithJsIpfs() throws Exception {
    Map<String, ImportOptions> optionSets = new LinkedHashMap<>();
    optionSets.put("v0", ImportOptions.fromKubo(p -> null));
    optionSets.put("v1 (raw leaves implied)", ImportOptions.fromKubo(Map.of("cid-version", "1")::get));
    optionSets.put("v0 raw leaves", ImportOptions.fromKubo(Map.of("raw-leaves", "true")::get));
    optionSets.put("v1 dag-pb leaves", ImportOptions.fromKubo(Map.of("cid-version", "1", "raw-leaves", "false")::get));

    Map<String, Object[]> files = new LinkedHashMap<>();  // name -> {size, chunk}
    files.put("empty file", new Object[] {0, CHUNK});
    files.put("one byte", new Object[] {1, CHUNK});
    files.put("exactly one chunk", new Object[] {CHUNK, CHUNK});
    files.put("one chunk + 1", new Object[] {CHUNK + 1, CHUNK});
    files.put("174 chunks", new Object[] {174 * KIB, KIB});
    files.put("175 chunks", new Object[] {175 * KIB, KIB});
    files.put("174*174+1 chunks (three levels)", new Object[] {(174 * 174 + 1) * 16, 16});
    for (var file : files.entrySet()) {
      Path path = randomFile(file.getKey(), (int) file.getValue()[0]);
      for (var options : optionSets.entrySet()) {
        ImportOptions o = options.getValue();
        ImportOptions chunked = new ImportOptions((int) file.getValue()[1], o.cidVersion(), o.rawLeaves(), o.hash(),
            false, false);
        CASES.put(file.getKey() + ", " + options.getKey() + ", size-" + chunked.chunkSize(),
            new JsImporter.Job(chunked, List.of(new Importer.Entry("file", path))));
      }
    }
    Path big = randomFile("50 MiB", 50 * MIB);
    for (String v : List.of("0", "1")) {
      CASES.put("50 MiB, cid-version=" + v, new JsImporter.Job(ImportOptions.fromKubo(Map.of("cid-version", v)::get),
          List.of(new Importer.Entry("big.bin", big))));
    }
    List<Importer.Entry> tree = List.of(
        new Importer.Entry("docs/readme.txt", randomFile("readme", 100)),
        new Importer.Entry("docs/guide/part one.txt", randomFile("part1", 3 * KIB)),
        new Importer.Entry("docs/guide/part-two.txt", randomFile("part2", 2 * KIB)),
        new Importer.Entry("docs/guide/Ä unicode.txt", randomFile("unicode", 10)),
        new Importer.Entry("docs/empty.txt", randomFile("empty", 0)),
        new Importer.Entry("docs/a/b/c/deep.bin", randomFile("deep", 5 * KIB)));
    for (var options : optionSets.entrySet()) {
      ImportOptions o = options.getValue();
      CASES.put("nested directories, " + options.getKey(), new JsImporter.Job(
          new ImportOptions(KIB, o.cidVersion(), o.rawLeaves(), o.hash(), false, false), tree));
      CASES.put("wrap-with-directory, " + options.getKey(), new JsImporter.Job(
          new ImportOptions(KIB, o.cidVersion(), o.rawLeaves(), o.hash(), true, false),
          List.of(new Importer.Entry("one.txt", randomFile("one", 10)),
              new Importer.Entry("two.txt", randomFile("two", 3 * KIB)))));
    }
    List<JsImporter.Result> results = JsImporter.add(new ArrayList<>(CASES.values()), scratch);
    int i = 0;
    for (String name : CASES.keySet()) {
      EXPECTED.put(name, results.get(i++));
    }
  }

  static Stream<Arguments> cases() {
    return CASES.keySet().stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyEntryHasTheCidJsIpfsGivesIt(String name) throws IOException {
    JsImporter.Job job = CASES.get(name);
    JsImporter.Result expected = EXPECTED.get(name);
    List<Importer.Imported> imported = new Importer(job.options(), (cid, block) -> { }).add(job.entries());

    assertThat(imported.get(imported.size() - 1).cid()).as("root").isEqualTo(expected.root());
    for (Importer.Imported entry : imported) {
      assertThat(entry.cid()).as(entry.path()).isEqualTo(expected.cidOf(entry.path()));
      assertThat(entry.size()).as("size of " + entry.path())
          .isEqualTo(expected.entries().stream().filter(e -> e.path().equals(entry.path())).findFirst().orElseThrow().size());
    }
  }

  @Test
  void everyBlockIsHandedToTheSinkNamedByItsOwnHash() throws IOException {
    Map<Cid, byte[]> blocks = new HashMap<>();
    Path file = randomFile("sink", 3 * KIB + 5);
    ImportOptions options = new ImportOptions(KIB, 1, false, HashFunction.SHA2_256, true, false);
    List<Importer.Imported> imported = new Importer(options, blocks::put).add(List.of(new Importer.Entry("f", file)));

    assertThat(blocks).hasSize(4 + 1 + 1);  // four leaves, their parent, the wrapping directory
    blocks.forEach((cid, block) -> assertThat(Cid.v1(Cid.DAG_PB, HashFunction.SHA2_256.multihash(block))).isEqualTo(cid));
    DagPb.Node root = DagPb.decode(blocks.get(imported.get(imported.size() - 1).cid()));
    assertThat(root.links()).extracting(DagPb.Link::name).containsExactly("f");
  }

  @Test
  void blake2bNamesBlocksWithCidV1() throws IOException {
    ImportOptions options = ImportOptions.fromKubo(Map.of("hash", "blake2b-256")::get);
    Importer.Imported file = new Importer(options, (cid, block) -> { })
        .file("x", new ByteArrayInputStream("hello\n".getBytes()));
    assertThat(file.cid().version()).isEqualTo(1);
    assertThat(file.cid().codec()).isEqualTo(Cid.RAW);
    assertThat(HashFunction.of(file.cid())).contains(HashFunction.BLAKE2B_256);
  }

  @Test
  void badOptionsAndPathsSayWhatIsWrong() {
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("chunker", "rabin")::get))
        .isInstanceOf(FerryException.class).hasMessageContaining("chunker: 'rabin' is not supported");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("chunker", "size-0")::get))
        .hasMessageContaining("size-0 is out of range");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("chunker", "size-2000000")::get))
        .hasMessageContaining("out of range (1 to 1048576 bytes)");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("cid-version", "0", "hash", "blake2b-256")::get))
        .hasMessageContaining("a CIDv0 names only sha2-256");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("hash", "md5")::get))
        .hasMessageContaining("'md5' is not supported");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("raw-leaves", "yes")::get))
        .hasMessageContaining("raw-leaves: 'yes' is not true or false");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("trickle", "maybe")::get))
        .hasMessageContaining("trickle: 'maybe' is not true or false");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("shard-split-threshold", "0")::get))
        .hasMessageContaining("shard-split-threshold: 0 is not a number of entries (1 or more)");
    assertThatThrownBy(() -> ImportOptions.fromKubo(Map.of("shard-split-threshold", "many")::get))
        .hasMessageContaining("shard-split-threshold: 'many' is not a number of entries");
    Importer importer = new Importer(ImportOptions.DEFAULTS, (cid, block) -> { });
    assertThatThrownBy(() -> importer.add(List.of(new Importer.Entry("a/../b", null))))
        .hasMessageContaining("path 'a/../b' is not a relative path");
    assertThatThrownBy(() -> importer.add(List.of(new Importer.Entry("a", randomFile("a", 1)),
        new Importer.Entry("a/b", null)))).hasMessageContaining("'a' is a file and a directory");
  }

  private static Path randomFile(String name, int size) throws IOException {
    Path path = scratch.resolve(name.replaceAll("[^A-Za-z0-9]", "_") + ".bin");
    Random random = new Random(name.hashCode());
    byte[] buffer = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(path)) {
      for (int left = size; left > 0; left -= buffer.length) {
        random.nextBytes(buffer);
        out.write(buffer, 0, Math.min(left, buffer.length));
      }
    }
    return path;
  }
}
