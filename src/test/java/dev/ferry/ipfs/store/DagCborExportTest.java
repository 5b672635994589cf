package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Futures;
import dev.ferry.testing.IpfsDaemon;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DAG whose root and inner node are dag-cbor (made by a real js-ipfs daemon's {@code dag/put})
 * linking to UnixFS files: ferry's {@code dag/export} (the walk the gateway's CARs use too) writes
 * every block js-ipfs's {@code dag/export} writes, {@code refs} lists them, a pin keeps them all
 * through a garbage collection.
 */
@Timeout(180)
class DagCborExportTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir
  static Path dir;
  private static IpfsDaemon jsIpfs;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    jsIpfs = IpfsDaemon.start(dir.resolve("js-ipfs"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    if (jsIpfs != null) {
      jsIpfs.close();
    }
    if (vertx != null) {
      Futures.await(vertx.close(), WAIT);
    }
  }

  @Test
  void aDagCborDagExportsEveryLinkedBlockAsJsIpfsDoesAndAPinKeepsThemAll() throws IOException {
    byte[] big = new byte[3000];
    new Random(7).nextBytes(big);
    String file = jsIpfs.addFiles(Map.of("big.bin", big), "cid-version=1&chunker=size-1024").get(0).getString("Hash");
    String small = jsIpfs.addFiles(Map.of("small.txt", "small\n".getBytes()), "cid-version=1").get(0).getString("Hash");
    String child = jsIpfs.dagPut("{\"again\": {\"/\": \"" + small + "\"}, \"n\": 7, \"tags\": [\"a\", 1.5, null]}");
    String root = jsIpfs.dagPut("{\"name\": \"album\", \"files\": [{\"/\": \"" + file + "\"}, {\"/\": \"" + small
        + "\"}], \"child\": {\"/\": \"" + child + "\"}, \"bytes\": {\"/\": {\"bytes\": \"AQID\"}}}");
    assertThat(Cid.parse(root).codec()).isEqualTo(DagCbor.CODEC);
    Path jsCar = Files.write(dir.resolve("js.car"), jsIpfs.exportCar(root));
    Set<Cid> expected = blocksOf(jsCar);
    assertThat(expected).as("root, child, the file's root and 3 leaves, the small file").hasSize(7);

    ContentStore store = new ContentStore(vertx, dir.resolve("ferry"), Long.MAX_VALUE);
    assertThat(Futures.await(store.importCar(jsCar), WAIT)).containsExactly(Cid.parse(root));
    Futures.await(store.pin(Cid.parse(root), WAIT), WAIT);
    Futures.await(store.release(Cid.parse(root)), WAIT);
    Futures.await(store.putBlock(Cid.parse(jsIpfs.cidOf("stray".getBytes())), "stray".getBytes()), WAIT);

    ContentStore.Collected collected = Futures.await(store.collectGarbage(), WAIT);
    assertThat(collected.removed()).as("only the stray block: the pin reaches every block through dag-cbor links")
        .hasSize(1);
    Path ours = dir.resolve("ferry.car");
    Futures.await(store.reader().exportCar(Cid.parse(root), ours), WAIT);
    assertThat(blocksOf(ours)).isEqualTo(expected);
    List<Cid> firstBlock = new ArrayList<>();
    try (InputStream in = Files.newInputStream(ours)) {
      Car.read(in, (cid, block) -> firstBlock.add(cid));
    }
    assertThat(firstBlock.get(0)).as("root first").isEqualTo(Cid.parse(root));
    Set<Cid> refs = new HashSet<>(Futures.await(store.reader().refs(Cid.parse(root), true, true), WAIT));
    Set<Cid> below = new HashSet<>(expected);
    below.remove(Cid.parse(root));
    assertThat(refs).isEqualTo(below);
  }

  @Test
  void aMalformedDagCborBlockIsABadRequestNamingIt() {
    Cid cid = Cid.v1(DagCbor.CODEC, Cid.parse("bafkqaaa").multihash());
    byte[] cutShort = {(byte) 0xa1, 0x61, 'a', (byte) 0xd8, 42, 0x58, 37, 0};  // a map whose CID is cut short

    assertThatThrownBy(() -> Links.of(cid, cutShort)).isInstanceOf(FerryException.class)
        .hasMessageContaining("dag-cbor block " + cid).hasMessageContaining("cut short");
    assertThat(Links.of(cid, new byte[] {(byte) 0xa1, 0x61, 'a', 0x01})).as("no links").isEmpty();
    // a tagged byte string whose 8-byte length has the top bit set (read as negative): still a bad request
    byte[] hugeLength = {(byte) 0xd8, 42, 0x5b, -1, -1, -1, -1, -1, -1, -1, -1};
    assertThatThrownBy(() -> Links.of(cid, hugeLength)).isInstanceOf(FerryException.class)
        .hasMessageContaining("cut short");
  }

  private static Set<Cid> blocksOf(Path car) throws IOException {
    Set<Cid> cids = new HashSet<>();
    try (InputStream in = Files.newInputStream(car)) {
      Car.read(in, (cid, block) -> cids.add(cid));
    }
    return cids;
  }
}
