package dev.ferry.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.IpfsConfig;
import dev.ferry.testing.DiscardingDaemon;
import dev.ferry.testing.Futures;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Kubo RPC connector against a real js-ipfs daemon. */
@Timeout(120)
class KuboRpcConnectorTest {
  /** {@code pin.concurrent_pins} as a node passes it: connections for its tracker's pins. */
  private static final int PIN_CONNECTIONS = 10;

  @TempDir
  static Path dir;
  private static IpfsDaemon daemon;
  private static Vertx vertx;
  private static KuboRpcConnector ipfs;

  private static <T> T await(Future<T> future) {
    return Futures.await(future, Duration.ofSeconds(60));
  }

  @BeforeAll
  static void startDaemon() {
    daemon = IpfsDaemon.start(dir);
    vertx = Vertx.vertx();
    ipfs = new KuboRpcConnector(vertx, daemon.api());
  }

  @AfterAll
  static void stopDaemon() {
    if (vertx != null) {
      await(ipfs.close());
      await(vertx.close());
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void addedContentIsPinnedUntilUnpinned() {
    Cid cid = await(ipfs.add(Buffer.buffer("hello from ferry " + System.nanoTime()), "hello.txt"));
    assertThat(cid.version()).isEqualTo(1);
    assertThat(await(ipfs.pins())).contains(cid);

    await(ipfs.unpin(cid));
    assertThat(await(ipfs.pins())).doesNotContain(cid);
    await(ipfs.unpin(cid));   // unpinning what is not pinned is already done

    // the blocks are still in the daemon's store, so pinning again needs no network
    await(ipfs.pin(cid, Duration.ofSeconds(10)));
    assertThat(await(ipfs.pins())).contains(cid);
  }

  @Test
  void pinLsHandsOutEveryRecursivePinOneAtATime() {
    List<Cid> added = IntStream.range(0, 3)
        .mapToObj(n -> await(ipfs.add(Buffer.buffer("listed " + n + " " + System.nanoTime()), "l.txt"))).toList();
    List<Cid> listed = new ArrayList<>();
    long count = await(ipfs.pinLs(listed::add));
    assertThat(listed).containsAll(added).doesNotHaveDuplicates().hasSize((int) count);
    added.forEach(cid -> await(ipfs.unpin(cid)));
  }

  @Test
  void aNodesConnectionPoolIsSizedBySettingsAndABadOneNamesItsKey() {
    JsonObject settings = new JsonObject().put("ipfs", new JsonObject().put("api", "http://127.0.0.1:5999")
        .put("extra_connections", 0));
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), settings, "localhost",
        dir, dir));
    assertThatThrownBy(() -> ContentStore.forNode(vertx, config.dataDir(), IpfsConfig.from(config), PIN_CONNECTIONS))
        .isInstanceOf(ConfigException.class)
        .hasMessage("ipfs.extra_connections: expected a positive integer, got 0");
  }

  @Test
  void theDaemonSaysWhoItIs() {
    IpfsConnector.IpfsId id = await(ipfs.id());
    assertThat(id.id()).startsWith("12D3KooW");
    assertThat(id.addresses()).anyMatch(a -> a.startsWith(daemon.swarmAddress()));
    assertThat(id.agent()).startsWith("js-ipfs/");
  }

  @Test
  void contentNobodyHasTimesOutWithAClearError() {
    Cid missing = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    assertThat(Futures.cause(ipfs.pin(missing, Duration.ofSeconds(1)), Duration.ofSeconds(30)))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.TIMEOUT))
        .hasMessageContaining("pin " + missing)
        .hasMessageContaining("timed out");
    assertThat(await(ipfs.pins())).doesNotContain(missing);
  }

  @Test
  void theSizeOnlyRepoStatAnswersTheRepositorysSizeAndMaximum() {
    await(ipfs.add(Buffer.buffer("sized " + System.nanoTime()), "sized.txt"));
    IpfsConnector.RepoStat full = await(ipfs.repoStat());
    IpfsConnector.RepoSpace space = await(ipfs.repoSpace());
    assertThat(space.repoSize()).isPositive().isEqualTo(full.repoSize());
    assertThat(space.storageMax()).isPositive().isEqualTo(full.storageMax());
  }

  @Test
  void aRepoStatWithoutSizesIsUnmeasuredNotZero() {
    try (var standIn = new DiscardingDaemon()) {
      var sizeless = new KuboRpcConnector(vertx, standIn.api());
      for (Future<?> stat : List.of(sizeless.repoStat(), sizeless.repoSpace())) {
        assertThat(Futures.cause(stat, Duration.ofSeconds(30)))
            .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE))
            .hasMessageContaining("repo/stat answered without RepoSize and StorageMax");
      }
      await(sizeless.close());
    }
  }

  @Test
  void aDaemonThatIsNotThereIsUnavailableAndSaysWhatToDo() {
    var absent = new KuboRpcConnector(vertx, URI.create("http://127.0.0.1:" + Ports.free(1).get(0)));
    assertThat(Futures.cause(absent.pins(), Duration.ofSeconds(30)))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE))
        .hasMessageContaining("IPFS daemon at http://127.0.0.1:")
        .hasMessageContaining("set ipfs.api");
    await(absent.close());
  }

  @Test
  void anApiThatIsNotHttpIsRefused() {
    assertThatThrownBy(() -> new KuboRpcConnector(vertx, URI.create("/ip4/127.0.0.1/tcp/5001")))
        .isInstanceOf(FerryException.class).hasMessageContaining("ipfs.api: expected http://host:port");
  }
}
