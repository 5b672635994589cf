package dev.ferry.testing;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.KuboRpcConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.HashFunction;
import dev.ferry.ipfs.store.ImportOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * In-JVM nodes that keep content in IPFS, either each with its own real js-ipfs daemon
 * ({@link IpfsDaemon}, {@link #start}; the daemons start at once), the daemons connected to each
 * other so content added to one can be pinned by the others, or each with its embedded store
 * ({@link #embedded}). The same pin tests run on both ({@link Kind}). {@link #close()} stops the
 * nodes, then the daemons.
 */
public final class IpfsCluster implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** A well-formed CID that no test pins. */
  private static final String NEVER_PINNED = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  /** What the Kubo connector and the embedded store's {@code add} make: CIDv1, raw leaves. */
  private static final ImportOptions ONLY_HASH = new ImportOptions(ImportOptions.DEFAULT_CHUNK_SIZE, 1, true,
      HashFunction.SHA2_256, false, true);

  /** Where the nodes keep content. */
  public enum Kind {
    /** A real js-ipfs daemon per node, {@code ipfs.api} set to it. */
    JS_IPFS,
    /** The node's embedded store ({@code ipfs.api} unset, the default). */
    EMBEDDED
  }

  private final Kind kind;
  private final IpfsDaemon[] daemons;
  private final KuboRpcConnector[] ipfs;
  private TestCluster.JvmCluster cluster;

  private IpfsCluster(Kind kind, int size) {
    this.kind = kind;
    daemons = new IpfsDaemon[size + 1];
    ipfs = new KuboRpcConnector[size + 1];
  }

  /** {@code size} nodes whose daemons keep their repositories under {@code dir}; node {@code i} also gets {@code settings.apply(i)}. */
  public static IpfsCluster start(Path dir, int size, IntFunction<JsonObject> settings) {
    return start(Kind.JS_IPFS, dir, size, settings);
  }

  /** {@code size} nodes, each with its embedded store; node {@code i} also gets {@code settings.apply(i)}. */
  public static IpfsCluster embedded(int size, IntFunction<JsonObject> settings) {
    return start(Kind.EMBEDDED, null, size, settings);
  }

  /** {@code size} nodes of {@code kind}; daemons (if any) keep their repositories under {@code dir}. */
  public static IpfsCluster start(Kind kind, Path dir, int size, IntFunction<JsonObject> settings) {
    IpfsCluster started = new IpfsCluster(kind, size);
    try {
      if (kind == Kind.JS_IPFS) {
        started.startDaemons(dir);
      }
      started.cluster = TestCluster.inJvm(size, i -> kind == Kind.EMBEDDED ? settings.apply(i).copy()
          : settings.apply(i).copy().put("ipfs", new JsonObject().put("api", started.daemons[i].api().toString())),
          i -> Map.of());
      started.cluster.awaitFullMembership();
      started.awaitPinsetWrites();
      for (int i = 1; kind == Kind.JS_IPFS && i <= size; i++) {
        started.ipfs[i] = new KuboRpcConnector(started.cluster.node(1).vertx(), started.daemons[i].api());
      }
      return started;
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
  }

  private void startDaemons(Path dir) {
    List<IpfsDaemon> started = IpfsDaemon.startAll(IntStream.range(1, daemons.length)
        .mapToObj(i -> dir.resolve("ipfs" + i)).toList());
    for (int i = 1; i < daemons.length; i++) {
      daemons[i] = started.get(i - 1);
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

  public Kind kind() {
    return kind;
  }

  /** Node {@code i}'s js-ipfs daemon. */
  public IpfsDaemon daemon(int i) {
    if (kind != Kind.JS_IPFS) {
      throw new IllegalStateException("these nodes have no daemons: they use their embedded stores");
    }
    return daemons[i];
  }

  /** A connector to node {@code i}'s daemon or embedded store (of its current run), for checking what it pins. */
  public IpfsConnector ipfs(int i) {
    return kind == Kind.JS_IPFS ? ipfs[i] : store(i);
  }

  private ContentStore store(int i) {
    return ContentStore.embedded(cluster.node(i));
  }

  /** The CID of {@code text} as a file, as the nodes' {@code add} makes it; nothing is stored. */
  public Cid cidOf(String text) {
    if (kind == Kind.JS_IPFS) {
      return Cid.parse(daemons[1].cidOf(text.getBytes(StandardCharsets.UTF_8)));
    }
    return Futures.await(store(1).add(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "file.txt",
        ONLY_HASH), WAIT);
  }

  /** Whether node {@code i}'s daemon pins {@code cid} recursively. */
  public boolean pinnedOn(int i, Cid cid) {
    return Futures.await(ipfs(i).pins(), WAIT).contains(cid);
  }

  /**
   * A new block stored on node {@code i} that nothing keeps, neither a pin nor (on the embedded
   * store) an add's protection: garbage, for a collection to remove. Its CID.
   */
  public Cid garbage(int i, String text) {
    String unique = text + " " + System.nanoTime();
    if (kind == Kind.JS_IPFS) {
      return appears(i, unique);
    }
    Cid cid = cidOf(unique);  // a small file: one raw block of its bytes
    Futures.await(store(i).putBlock(cid, unique.getBytes(StandardCharsets.UTF_8)), WAIT);
    return cid;
  }

  /** Whether node {@code i}'s daemon pins {@code cid} directly (the block alone). */
  public boolean pinnedDirectlyOn(int i, Cid cid) {
    Set<Cid> direct = new HashSet<>();
    Futures.await(ipfs(i).pinLsDirect(direct::add), WAIT);
    return direct.contains(cid);
  }

  /**
   * New content (unique per call) added to node {@code i}'s daemon and unpinned there again: its
   * blocks stay for other daemons to fetch, no pin says so.
   */
  public Cid content(int i, String text) {
    return appears(i, text + " " + System.nanoTime());
  }

  /**
   * {@code text} added to node {@code i}'s daemon or store without pinning it there, its CID: the
   * other nodes fetch it from there (bitswap between daemons, the block exchange between stores).
   * Never pinned, not even for a moment: an add that pins and then unpins would race node
   * {@code i}'s own tracker when the cluster has allocated the CID to it (the tracker's pin lands,
   * then the unpin removes it).
   */
  public Cid appears(int i, String text) {
    Path file = null;
    try {
      file = Files.createTempFile("ferry-appears", ".txt");
      Files.writeString(file, text);
      List<IpfsConnector.Added> added = Futures.await(ipfs(i).add(List.of(new IpfsConnector.AddEntry("file.txt", file)),
          Map.of("cid-version", "1")), WAIT);
      Cid cid = added.get(added.size() - 1).cid();
      if (kind == Kind.EMBEDDED) {
        Futures.await(store(i).release(cid), WAIT);   // as unpinned content: garbage unless a pin reaches it
      }
      return cid;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (file != null) {
        file.toFile().delete();
      }
    }
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
