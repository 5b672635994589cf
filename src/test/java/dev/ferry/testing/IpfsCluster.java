package dev.ferry.testing;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.KuboRpcConnector;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * In-JVM nodes, each with its own real js-ipfs daemon ({@link IpfsDaemon}), the daemons connected
 * to each other so content added to one can be pinned by the others. {@link #close()} stops the
 * nodes, then the daemons.
 */
public final class IpfsCluster implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** A well-formed CID that no test pins. */
  private static final String NEVER_PINNED = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

  private final IpfsDaemon[] daemons;
  private final KuboRpcConnector[] ipfs;
  private TestCluster.JvmCluster cluster;

  private IpfsCluster(int size) {
    daemons = new IpfsDaemon[size + 1];
    ipfs = new KuboRpcConnector[size + 1];
  }

  /** {@code size} nodes whose daemons keep their repositories under {@code dir}; node {@code i} also gets {@code settings.apply(i)}. */
  public static IpfsCluster start(Path dir, int size, IntFunction<JsonObject> settings) {
    IpfsCluster started = new IpfsCluster(size);
    try {
      started.startDaemons(dir);
      started.cluster = TestCluster.inJvm(size, i -> settings.apply(i).copy()
          .put("ipfs", new JsonObject().put("api", started.daemons[i].api().toString())), i -> Map.of());
      started.cluster.awaitFullMembership();
      started.awaitPinsetWrites();
      for (int i = 1; i <= size; i++) {
        started.ipfs[i] = new KuboRpcConnector(started.cluster.node(1).vertx(), started.daemons[i].api());
      }
      return started;
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
  }

  private void startDaemons(Path dir) {
    for (int i = 1; i < daemons.length; i++) {
      daemons[i] = IpfsDaemon.start(dir.resolve("ipfs" + i));
      for (int j = 1; j < i; j++) {
        daemons[i].connectTo(daemons[j]);
      }
    }
  }

  /**
   * Until the pinset's Raft group takes writes (a new leader refuses them until it has committed
   * in its term): an unpin of a CID nobody pinned comes back {@code not-found}, not
   * {@code no-leader} or {@code rejected}.
   */
  private void awaitPinsetWrites() {
    JsonObject probe = new JsonObject().put("op", "unpin").put("cid", NEVER_PINNED);
    Eventually.await("the pinset to take writes", WAIT, () -> String.valueOf(Futures.cause(
            cluster.node(1).vertx().eventBus().request(Addresses.PIN, probe, new DeliveryOptions()
                .setSendTimeout(WAIT.toMillis())), WAIT).getMessage())
        .startsWith(FerryException.NOT_FOUND + ":"));
  }

  public TestCluster.JvmCluster nodes() {
    return cluster;
  }

  public IpfsDaemon daemon(int i) {
    return daemons[i];
  }

  /** A connector to node {@code i}'s daemon, for checking what it pins. */
  public KuboRpcConnector ipfs(int i) {
    return ipfs[i];
  }

  /** Whether node {@code i}'s daemon pins {@code cid} recursively. */
  public boolean pinnedOn(int i, Cid cid) {
    return Futures.await(ipfs[i].pins(), WAIT).contains(cid);
  }

  /**
   * New content (unique per call) added to node {@code i}'s daemon and unpinned there again: its
   * blocks stay for other daemons to fetch, no pin says so.
   */
  public Cid content(int i, String text) {
    Cid cid = Futures.await(ipfs[i].add(Buffer.buffer(text + " " + System.nanoTime()), "file.txt"), WAIT);
    Futures.await(ipfs[i].unpin(cid), WAIT);
    return cid;
  }

  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
    for (IpfsDaemon daemon : daemons) {
      if (daemon != null) {
        daemon.close();
      }
    }
  }
}
