package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Varint;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CARv1 written and read as @ipld/car (js-ipfs's) writes and reads it. */
class CarTest {
  private static final String SCRIPT = "src/test/js/car-reference.mjs";

  @TempDir
  Path dir;

  @Test
  void aDagExportedAsCarIsReadByIpldCarRootFirstEachBlockOnce() throws Exception {
    BlockStore blocks = BlockStore.open(dir.resolve("store"), Long.MAX_VALUE);
    ImportOptions options = ImportOptions.fromKubo(Map.of("chunker", "size-1024")::get);
    byte[] content = random(5000);
    Cid root = new Importer(options, blocks::put).file("f", new ByteArrayInputStream(content)).cid();
    Path car = dir.resolve("out.car");
    long count;
    try (OutputStream out = Files.newOutputStream(car)) {
      count = Car.export(blocks, root, out);
    }

    List<String> lines = List.of(JsImporter.node(dir, SCRIPT, "read", car.toString()).strip().split("\n"));

    assertThat(new JsonObject(lines.get(0)).getJsonArray("roots").getList()).containsExactly(root.toString());
    List<String> expected = new ArrayList<>(List.of(root.toString()));
    DagPb.decode(blocks.get(root)).links().forEach(link -> expected.add(link.hash().toString()));
    assertThat(lines.subList(1, lines.size())).extracting(line -> new JsonObject(line).getString("cid"))
        .containsExactlyElementsOf(expected);
    assertThat(count).isEqualTo(expected.size()).isEqualTo(1 + 5);
  }

  @Test
  void aCarWrittenByIpldCarIsImportedWithItsHeaderByteForByte() throws Exception {
    byte[] content = random(700_000);
    Path file = Files.write(dir.resolve("c.bin"), content);
    Path car = dir.resolve("js.car");
    Cid root = Cid.parse(new JsonObject(JsImporter.node(dir, SCRIPT, "write", file.toString(), car.toString()).strip())
        .getString("root"));
    BlockStore blocks = BlockStore.open(dir.resolve("store"), Long.MAX_VALUE);

    List<Cid> roots;
    try (InputStream in = Files.newInputStream(car)) {
      roots = Car.read(in, blocks);
    }

    assertThat(roots).containsExactly(root);
    ByteArrayOutputStream back = new ByteArrayOutputStream();
    new Exporter(blocks).cat(root, 0, -1, back);
    assertThat(back.toByteArray()).isEqualTo(content);
    byte[] header = Car.header(List.of(root));
    byte[] prefix = Varint.concat(Varint.encode(header.length), header);
    assertThat(Arrays.copyOf(Files.readAllBytes(car), prefix.length)).as("DAG-CBOR header").isEqualTo(prefix);
  }

  @Test
  void aTruncatedOrForgedCarIsRefusedSayingWhereAndNothingForgedIsStored() throws IOException {
    BlockStore source = BlockStore.open(dir.resolve("source"), Long.MAX_VALUE);
    byte[] content = random(3000);
    Cid root = new Importer(ImportOptions.fromKubo(Map.of("chunker", "size-1024")::get), source::put)
        .file("f", new ByteArrayInputStream(content)).cid();
    ByteArrayOutputStream car = new ByteArrayOutputStream();
    Car.export(source, root, car);
    byte[] whole = car.toByteArray();
    BlockStore target = BlockStore.open(dir.resolve("target"), Long.MAX_VALUE);

    assertThatThrownBy(() -> Car.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 10)), target))
        .isInstanceOf(FerryException.class).hasMessageContaining("truncated CAR: section 4 has");
    byte[] forged = whole.clone();
    forged[forged.length - 1] ^= 1;  // the last byte of the last block
    assertThatThrownBy(() -> Car.read(new ByteArrayInputStream(forged), target))
        .hasMessageContaining("do not hash to its CID");
    assertThat(target.keys()).hasSize(3).doesNotContain(Cid.v1(Cid.RAW, lastLeaf(source, root).multihash()));
    assertThatThrownBy(() -> Car.read(new ByteArrayInputStream(new byte[0]), target)).hasMessageContaining("it is empty");
    assertThatThrownBy(() -> Car.read(new ByteArrayInputStream(new byte[] {2, (byte) 0xa1, 0}), target))
        .hasMessageContaining("not a CARv1 header");
    byte[] v2 = Car.header(List.of(root));
    v2[v2.length - 1] = 2;
    assertThatThrownBy(() -> Car.read(new ByteArrayInputStream(Varint.concat(Varint.encode(v2.length), v2)), target))
        .hasMessageContaining("version 2 (only CARv1 is read)");
  }

  private static Cid lastLeaf(BlockStore blocks, Cid root) {
    List<DagPb.Link> links = DagPb.decode(blocks.get(root)).links();
    return links.get(links.size() - 1).hash();
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }
}
