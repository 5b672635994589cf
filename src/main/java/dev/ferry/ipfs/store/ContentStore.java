package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.KuboRpcConnector;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The embedded IPFS store of a node, as an {@link IpfsConnector}: content is imported into a
 * {@link BlockStore} in {@code <data_dir>/ipfs} (CIDv1 with raw leaves, as the Kubo connector asks
 * its daemon for), and pinned when every block of its DAG is here. {@link #forNode} chooses it when
 * {@code ipfs.api} is not set, the Kubo connector when it is.
 *
 * <p>A pin of content whose blocks are not all here fetches them through the {@link BlockSource}
 * set at node start (the block exchange; without one it fails with {@code not-found}). Every add
 * keeps its root <em>protected</em> until {@link #release} (the exchange releases it once the
 * nodes the cluster allocated it to have pinned it); {@link #collectGarbage} removes the blocks no
 * recursive or direct pin and no protected root reaches, safely against concurrent adds and pins
 * ({@link Collector}). Reading files, directories and DAGs back out is {@link ContentReader}'s
 * ({@link #reader()}).
 *
 * <p>Thread-safe. Every call returns at once; the blocking work (files, hashing) runs on Vert.x
 * worker threads, never the caller's event loop. The store opens on first use.
 */
public final class ContentStore implements IpfsConnector, Shareable {
  private static final String AGENT = "ferry-embedded";
  /** One store per directory and Vert.x instance: the web and pin verticles share it. */
  private static final String STORES = "ferry.ipfs.stores";
  private static final String SPOOL = "spool";
  private final AtomicLong spooled = new AtomicLong();

  private final Vertx vertx;
  private final Path dir;
  private final long storageMax;
  /** How this node's adds decide to shard a directory ({@code ipfs.directory_sharding}). */
  private final ImportOptions.DirectorySharding directorySharding;
  private final BlockStore.Writes writes;
  /** The store and its pins, opened once on a worker by the first call. */
  private Future<Opened> opened;
  /** Where missing blocks come from (the block exchange), or null. */
  private volatile BlockSource source;
  private final ContentReader reader = new ContentReader(this);

  /**
   * The open store. {@code incomplete}: recursive pins whose DAG a garbage collection found a
   * block of damaged or missing ({@link Collector#collect}), until a pin of them finds the DAG
   * whole again; in memory (after a restart the next collection finds them again).
   */
  private record Opened(BlockStore blocks, PinFile pins, PinFile direct, PinFile protectedRoots,
      Collector collector, Set<Cid> incomplete) {
    /** Saves the recursive pin of {@code cid}, whose whole DAG is here and durable. */
    void pinned(Cid cid) {
      pins.add(cid);
      incomplete.remove(cid);
    }

    /** Whether {@code cid} is pinned recursively and no collection has found its DAG incomplete since. */
    boolean pinnedWhole(Cid cid) {
      return pins.contains(cid) && !incomplete.contains(cid);
    }
  }

  /** What a garbage collection removed: the blocks (as raw CIDs of their multihashes) and their bytes. */
  public record Collected(List<Cid> removed, long bytes) {}

  /**
   * The store in {@code dir} holding at most {@code storageMax} bytes of blocks; directories shard
   * by Kubo's size, as on a node by default.
   */
  public ContentStore(Vertx vertx, Path dir, long storageMax) {
    this(vertx, dir, storageMax, ImportOptions.DirectorySharding.SIZE);
  }

  /**
   * The store in {@code dir} holding at most {@code storageMax} bytes of blocks, whose adds shard
   * directories by {@code directorySharding}.
   */
  public ContentStore(Vertx vertx, Path dir, long storageMax, ImportOptions.DirectorySharding directorySharding) {
    this(vertx, dir, storageMax, directorySharding, BlockStore.Writes.DEFAULTS);
  }

  /**
   * The store in {@code dir} holding at most {@code storageMax} bytes of blocks, whose adds shard
   * directories by {@code directorySharding} and write their blocks as {@code writes} says.
   */
  public ContentStore(Vertx vertx, Path dir, long storageMax, ImportOptions.DirectorySharding directorySharding,
      BlockStore.Writes writes) {
    if (storageMax <= 0) {
      throw FerryException.badRequest("ipfs.storage_max: " + storageMax + " is not a positive number of bytes");
    }
    this.vertx = vertx;
    this.dir = dir;
    this.storageMax = storageMax;
    this.directorySharding = directorySharding;
    this.writes = writes;
  }

  /**
   * The node's connector ({@link #forNode(Vertx, Path, IpfsConfig, int)}) with the node's
   * {@link IpfsConfig}.
   *
   * @param pinConnections connections the tracker's pins hold on a Kubo daemon at once ({@code pin.concurrent_pins})
   */
  public static IpfsConnector forNode(NodeContext node, int pinConnections) {
    return forNode(node.vertx(), node.config().dataDir(), IpfsConfig.of(node), pinConnections);
  }

  /**
   * A node's connector: the Kubo RPC connector when {@code ipfs.api} is set (with
   * {@code pinConnections} connections for the tracker's pins, plus {@code ipfs.extra_connections}
   * for everything else), else the embedded store in {@code <dataDir>/ipfs} ({@link #embedded}).
   */
  public static IpfsConnector forNode(Vertx vertx, Path dataDir, IpfsConfig ipfs, int pinConnections) {
    if (ipfs.api().isPresent()) {
      return new KuboRpcConnector(vertx, ipfs.api().get(), pinConnections + ipfs.extraConnections());
    }
    return embedded(vertx, dataDir, ipfs);
  }

  /** The node's embedded store ({@link #embedded(Vertx, Path, IpfsConfig)}) with the node's {@link IpfsConfig}. */
  public static ContentStore embedded(NodeContext node) {
    return embedded(node.vertx(), node.config().dataDir(), IpfsConfig.of(node));
  }

  /**
   * The embedded store in {@code <dataDir>/ipfs}, whatever {@code ipfs.api} says, bounded by
   * {@code ipfs.storage_max}: one instance per directory, which every verticle of the node shares
   * (so its pins and counts are one; the block exchange serves and fills it).
   */
  public static ContentStore embedded(Vertx vertx, Path dataDir, IpfsConfig ipfs) {
    Path dir = dataDir.resolve("ipfs").toAbsolutePath();
    LocalMap<String, ContentStore> stores = vertx.sharedData().getLocalMap(STORES);
    ContentStore fresh = new ContentStore(vertx, dir, ipfs.storageMax(), ipfs.directorySharding(), ipfs.writes());
    ContentStore existing = stores.putIfAbsent(dir.toString(), fresh);
    return existing != null ? existing : fresh;
  }

  /** Sets where blocks this store must pin but lacks come from (null: nowhere, such pins fail). */
  public void blockSource(BlockSource blockSource) {
    this.source = blockSource;
  }

  @Override
  public Future<IpfsId> id() {
    // no libp2p host of its own: the store is part of the node, whose peer ID the caller knows
    return Future.succeededFuture(new IpfsId("", List.of(), AGENT + "/" + Version.current()));
  }

  /**
   * {@code /ipfs/<cid>} and paths below it through UnixFS directories, plain or sharded
   * ({@link DagReader#resolve}); IPNS names and IPLD paths are not built (501).
   */
  @Override
  public Future<Cid> resolve(String path) {
    String[] parts = path.split("/");
    if (parts.length >= 3 && parts[0].isEmpty() && parts[1].equals("ipfs")) {
      Cid root;
      try {
        root = Cid.parse(parts[2]);
      } catch (FerryException e) {
        return Future.failedFuture(FerryException.badRequest(path + ": " + e.getMessage()));
      }
      List<String> names = Arrays.stream(parts, 3, parts.length).filter(name -> !name.isEmpty()).toList();
      return names.isEmpty() ? Future.succeededFuture(root)
          : blocking(store -> new DagReader(store.blocks()).resolve(root, names));
    }
    return Future.failedFuture(new FerryException(FerryException.NOT_IMPLEMENTED, path + ": the embedded IPFS store "
        + "resolves /ipfs/<cid> and paths below it, not IPNS names or IPLD paths; pin the CID, or set "
        + "ipfs.api to a Kubo daemon"));
  }

  @Override
  public Future<Cid> add(Buffer content, String name) {
    return blocking(store -> importAndPin(store, new ByteArrayInputStream(content.getBytes()), name));
  }

  @Override
  public Future<Cid> add(Path file, String name) {
    return blocking(store -> {
      try (InputStream in = Files.newInputStream(file)) {
        return importAndPin(store, in, name);
      }
    });
  }

  /**
   * Imports with Kubo's {@code add} options and, unless {@code only-hash}, stores the blocks durably;
   * the root. Does not pin.
   */
  public Future<Cid> add(InputStream in, String name, ImportOptions options) {
    return blocking(store -> {
      if (options.onlyHash()) {
        return new Importer(options, (cid, block) -> { }).file(name, in).cid();
      }
      try (Collector.Session session = store.collector().session()) {
        Cid root = durably(store, session, sink -> new Importer(options, sink).file(name, in).cid());
        store.protectedRoots().add(root);
        return root;
      }
    });
  }

  @Override
  public Future<List<Added>> add(List<AddEntry> entries, Map<String, String> options) {
    ImportOptions parsed;
    try {
      parsed = ImportOptions.fromKubo(options::get);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    List<Importer.Entry> files = entries.stream().map(e -> new Importer.Entry(e.path(), e.file())).toList();
    return add(files, parsed).map(ContentStore::added);
  }

  /**
   * Adds entries that stream in while they are imported (the parts of an upload as they arrive),
   * as {@link #add(List, Map)} does with Kubo's {@code add} options. The import lasts as long as
   * the entries keep coming, so it runs on {@code worker}, the caller's executor sized to its
   * uploads, not on the shared worker pool; a failure of {@code entries} fails the add, whose
   * blocks then stay unprotected, for the next garbage collection.
   */
  public Future<List<Added>> add(Importer.Entries entries, Map<String, String> options, WorkerExecutor worker) {
    ImportOptions parsed;
    try {
      parsed = ImportOptions.fromKubo(options::get).shardedBy(directorySharding);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return open().compose(store -> worker.executeBlocking(call(() -> importEntries(store, entries, parsed)), false))
        .map(ContentStore::added);
  }

  private static List<Added> added(List<Importer.Imported> imported) {
    return imported.stream().map(i -> new Added(i.path(), i.cid(), i.size())).toList();
  }

  /**
   * Pins {@code cid} recursively; blocks of its DAG that are not here are fetched from the
   * {@link BlockSource} first, within {@code timeout}.
   */
  @Override
  public Future<Void> pin(Cid cid, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    return open().compose(store -> inSession(store, session -> vertx.executeBlocking(call(() ->
            missingBlock(session, cid)), false)
        .compose(missing -> {
          BlockSource from = source;
          if (missing == null) {
            return Future.succeededFuture();
          }
          return from == null ? Future.failedFuture(notHere(cid, missing)) : from.fetch(cid, session, deadline);
        })
        .compose(fetched -> vertx.executeBlocking(call(() -> {
          Cid missing = missingBlock(session, cid);
          if (missing != null) {
            throw notHere(cid, missing);  // a source that says done must have stored the whole DAG
          }
          store.blocks().sync();  // every block of the DAG durable before the pin says so
          store.pinned(cid);
          return (Void) null;
        }), false))));
  }

  /** Pins the block of {@code cid} alone (Kubo's {@code pin/add?recursive=false}); it must be here. */
  public Future<Void> pinDirect(Cid cid) {
    return blocking(store -> {
      try (Collector.Session session = store.collector().session()) {
        if (!session.has(cid)) {
          throw notHere(cid, cid);
        }
        store.blocks().sync();
        store.direct().add(cid);
        return null;
      }
    });
  }

  /**
   * {@inheritDoc} A block that is not here is fetched from the {@link BlockSource} alone: asked
   * for as the raw CID of its multihash, which has no links to follow.
   */
  @Override
  public Future<Void> pinDirect(Cid cid, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    return open().compose(store -> inSession(store, session -> vertx.executeBlocking(call(() ->
            session.has(cid)), false)
        .compose(here -> {
          BlockSource from = source;
          return here ? Future.<Void>succeededFuture() : from == null ? Future.failedFuture(notHere(cid, cid))
              : from.fetch(Cid.v1(Cid.RAW, cid.multihash()), session, deadline);
        })
        .compose(fetched -> pinDirect(cid))));
  }

  /**
   * {@inheritDoc} Walks {@code to}'s DAG beside {@code from}'s ({@link Diff}), as Kubo's
   * {@code pin/update} does: a subtree the two share is neither walked nor fetched. A missing node
   * of {@code to} that has a partner in {@code from} is fetched alone and compared in turn; a
   * missing subtree without one is fetched whole. {@code from} must still be pinned when
   * {@code to}'s pin is saved (checked in one step with the save); if it was unpinned meanwhile,
   * or a garbage collection found its DAG incomplete, {@code to}'s whole DAG is checked first, as
   * {@link #pin} does.
   */
  @Override
  public Future<Void> pinUpdate(Cid from, Cid to, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    List<Diff.Pair> whole = List.of(new Diff.Pair(to, from));
    return blocking(store -> store.pinnedWhole(from)).compose(pinned -> pinned ? open() : Future.<Opened>succeededFuture()).compose(store -> {
      if (store == null) {
        return pin(to, timeout);
      }
      return inSession(store, session -> fetchDiff(session, whole, to, deadline)
          .compose(fetched -> vertx.executeBlocking(call(() -> {
            List<Diff.Pair> left = Diff.missing(session, whole);
            if (!left.isEmpty()) {
              throw notHere(to, left.get(0).next());  // a source that says done must have stored them
            }
            store.blocks().sync();
            synchronized (store.pins()) {
              if (!store.pinnedWhole(from)) {
                Cid lacking = missingBlock(session, to);  // from's DAG no longer kept whole: every block checked
                if (lacking != null) {
                  throw notHere(to, lacking);
                }
              }
              store.pinned(to);
            }
            return (Void) null;
          }), false)));
    });
  }

  /** The store's collector, once it is open: tests hold its lock to stand for a running collection. */
  Future<Collector> collector() {
    return open().map(Opened::collector);
  }

  /**
   * Runs {@code work}, which spans several steps (a fetch from other nodes among them), with a
   * collector session opened and closed on a worker: both wait for the collector's lock, which a
   * running garbage collection holds while it removes a block's file, so never on the caller's
   * event loop. The session is closed before the returned future completes.
   */
  private <T> Future<T> inSession(Opened store, Function<Collector.Session, Future<T>> work) {
    return vertx.executeBlocking(call(() -> store.collector().session()), false).compose(session -> {
      Future<T> done;
      try {
        done = work.apply(session);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      return done.eventually(() -> vertx.executeBlocking(call(() -> {
        session.close();
        return null;
      }), false));
    });
  }

  /**
   * Fetches what {@link Diff} finds missing from {@code starts} on: a node with a partner alone
   * (asked as the raw CID of its multihash, which has no links to follow), then compared again;
   * a subtree without one whole.
   */
  private Future<Void> fetchDiff(Collector.Session session, List<Diff.Pair> starts, Cid root, Instant deadline) {
    return vertx.executeBlocking(call(() -> Diff.missing(session, starts)), false).compose(missing -> {
      BlockSource from = source;
      if (missing.isEmpty()) {
        return Future.succeededFuture();
      }
      if (from == null) {
        return Future.failedFuture(notHere(root, missing.get(0).next()));
      }
      List<Diff.Pair> again = missing.stream().filter(pair -> pair.old() != null).toList();
      return Future.all(missing.stream().map(pair -> from.fetch(pair.old() == null ? pair.next()
              : Cid.v1(Cid.RAW, pair.next().multihash()), session, deadline)).toList())
          .compose(fetched -> again.isEmpty() ? Future.succeededFuture() : fetchDiff(session, again, root, deadline));
    });
  }

  /** {@inheritDoc} The embedded store has no libp2p host to connect: its blocks come from the cluster's nodes. */
  @Override
  public Future<Void> connect(List<String> origins) {
    return Future.succeededFuture();
  }

  /** Removes the direct pin of {@code cid}; succeeds when it was not pinned. */
  public Future<Void> unpinDirect(Cid cid) {
    return blocking(store -> {
      store.direct().remove(cid);
      return null;
    });
  }

  /** The CIDs pinned directly. */
  public Future<Set<Cid>> directPins() {
    return blocking(store -> store.direct().all());
  }

  /** The roots of adds kept from garbage collection until {@link #release}d, unpinned or not. */
  public Future<Set<Cid>> protectedRoots() {
    return blocking(store -> store.protectedRoots().all());
  }

  /** Lets garbage collection take the DAG of the added root {@code cid} unless a pin reaches it. */
  public Future<Void> release(Cid cid) {
    return blocking(store -> {
      store.protectedRoots().remove(cid);
      return null;
    });
  }

  /**
   * Removes every block that no recursive pin, direct pin or protected root reaches; blocks that a
   * running add, pin or fetch uses stay ({@link Collector}). What {@code repo/gc} does. When it
   * cannot read a block it must read to know the DAG (a damaged file, which it removes, or a
   * missing block of a recursive pin) it removes nothing and fails with {@code storage-error}
   * naming the block, its pin and the repair; such a pin is left out of {@link #pinLs} until a
   * {@link #pin} of it finds its DAG whole, so the pin tracker's state sync pins it again, fetching
   * what is missing.
   */
  public Future<Collected> collectGarbage() {
    return blocking(store -> store.collector().collect(() -> new Collector.Roots(store.pins().all(),
        store.direct().all(), store.protectedRoots().all()), store.incomplete()::add));
  }

  /** {@inheritDoc} {@link #collectGarbage}, which reports no errors one by one: a failure fails it. */
  @Override
  public Future<Garbage> repoGc(Duration timeout) {
    return collectGarbage().map(collected -> new Garbage(collected.removed(), List.of()));
  }

  /**
   * The stored block of {@code cid}, checked against its hash; {@code not-found} when it is not
   * here. The buffer is over the bytes read, not a copy of them (what the block exchange sends).
   */
  public Future<Buffer> block(Cid cid) {
    return blocking(store -> wrap(store.blocks().get(cid)));
  }

  /** A buffer over {@code bytes}, which no one changes after: {@code Buffer.buffer(byte[])} would copy them. */
  static Buffer wrap(byte[] bytes) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(bytes));
  }

  @Override
  public Future<Void> unpin(Cid cid) {
    return blocking(store -> {
      store.pins().remove(cid);
      store.incomplete().remove(cid);
      store.direct().remove(cid);
      return null;
    });
  }

  @Override
  public Future<Long> pinLsDirect(Consumer<Cid> each) {
    return directPins().map(pins -> {
      pins.forEach(each);
      return (long) pins.size();
    });
  }

  /**
   * {@inheritDoc} A recursive pin whose DAG a garbage collection found a block of damaged or
   * missing is left out until a {@link #pin} of it finds the DAG whole again: the pin tracker's
   * state sync then sees it missing and pins it again, which fetches the block from another node.
   */
  @Override
  public Future<Long> pinLs(Consumer<Cid> each) {
    // the store keeps its pins in memory: a copy taken on the worker, handed out on the caller's context
    return blocking(store -> store.pins().all().stream().filter(cid -> !store.incomplete().contains(cid)).toList())
        .map(pins -> {
          pins.forEach(each);
          return (long) pins.size();
        });
  }

  /**
   * {@code length} bytes of the file {@code cid} from {@code offset}, held in memory: the same as
   * {@code reader().cat(...)} ({@link ContentReader#cat}).
   */
  public Future<Buffer> cat(Cid cid, long offset, long length) {
    return reader.cat(cid, offset, length);
  }

  /** What reads files, directories and DAGs out of this store (ls, refs, get, cat, CAR export, paths). */
  public ContentReader reader() {
    return reader;
  }

  /**
   * Imports files and directories ({@link Importer#add}) with Kubo's {@code add} options, durably
   * unless only hashed; does not pin. Directories shard by this node's rule ({@code ipfs.directory_sharding}),
   * whatever {@code asked} says.
   */
  public Future<List<Importer.Imported>> add(List<Importer.Entry> entries, ImportOptions asked) {
    ImportOptions options;
    try {
      options = asked.shardedBy(directorySharding);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return blocking(store -> importEntries(store, Importer.entries(entries), options));
  }

  /**
   * Imports the entries durably unless only hashed, in a collector session, and protects the
   * upload's roots (its top-level entries) until the cluster pins them: a garbage collection
   * cannot drop the only copy. Blocking.
   */
  private static List<Importer.Imported> importEntries(Opened store, Importer.Entries entries, ImportOptions options)
      throws IOException {
    if (options.onlyHash()) {
      return new Importer(options, (cid, block) -> { }).add(entries);
    }
    try (Collector.Session session = store.collector().session()) {
      List<Importer.Imported> added = durably(store, session, sink -> new Importer(options, sink).add(entries));
      for (Importer.Imported entry : added) {
        if (entry.path().indexOf('/') < 0) {
          store.protectedRoots().add(entry.cid());
        }
      }
      return added;
    }
  }

  /** A caller's block, stored: its CID and its length. */
  public record PutBlock(Cid cid, int size) {}

  /**
   * Stores the block held in {@code file} (an uploaded part) durably, made as {@code put} says:
   * its size checked before it is read, then read, checked against its codec and hashed, all on a
   * worker ({@code bad-request} when it is too large or malformed; nothing is stored then).
   */
  public Future<PutBlock> putBlock(Path file, BlockPut put) {
    return blocking(store -> {
      put.checkSize(Files.size(file));
      byte[] block = Files.readAllBytes(file);
      Cid cid = put.cidOf(block);
      try (Collector.Session session = store.collector().session()) {
        session.putTrusted(cid, block);
        store.blocks().sync();
      }
      return new PutBlock(cid, block.length);
    });
  }

  /** Stores {@code block} under {@code cid} durably once it hashes to it ({@code bad-request} when not). */
  public Future<Void> putBlock(Cid cid, byte[] block) {
    return blocking(store -> {
      try (Collector.Session session = store.collector().session()) {
        session.put(cid, block);
        store.blocks().sync();
      }
      return null;
    });
  }

  /**
   * Removes the block of {@code cid}: {@code not-found} when it is not here, {@code bad-request}
   * when a pin reaches it (unpin first).
   */
  public Future<Void> removeBlock(Cid cid) {
    return blocking(store -> {
      if (!store.blocks().has(cid)) {
        throw FerryException.notFound("block " + cid + " is not in the block store");
      }
      Set<Cid> kept = new HashSet<>(store.pins().all());
      kept.addAll(store.protectedRoots().all());
      if (store.direct().all().contains(cid) || new DagReader(store.blocks()).reachable(kept).contains(cid)) {
        throw FerryException.badRequest("block " + cid + " is pinned: unpin what reaches it first");
      }
      store.blocks().delete(cid);
      return null;
    });
  }

  /**
   * Stores the blocks of the CAR in the file {@code car} durably; its roots. The whole CAR is
   * checked first: a truncated or malformed CAR, or a block that does not hash to its CID, is a
   * {@code bad-request} and nothing of it is stored. Pins nothing; the roots are protected from
   * garbage collection as an add's are.
   */
  @Override
  public Future<List<Cid>> importCar(Path car) {
    return blocking(store -> {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(car))) {
        Car.read(in, BlockStore::check);
      }
      try (Collector.Session session = store.collector().session();
          InputStream in = new BufferedInputStream(Files.newInputStream(car))) {
        List<Cid> roots = durably(store, session, sink -> Car.read(in, sink));
        for (Cid root : roots) {
          store.protectedRoots().add(root);  // kept until the cluster pins it
        }
        return roots;
      }
    });
  }

  /**
   * A fresh file name in the store's spool directory ({@code <dir>/spool}, emptied when the store
   * opens), for an upload or an answer on its way; the caller deletes it.
   */
  public Future<Path> spoolFile() {
    return open().map(store -> dir.resolve(SPOOL).resolve(spooled.incrementAndGet() + "-" + System.nanoTime()));
  }

  @Override
  public Future<RepoStat> repoStat() {
    return stat().map(stat -> new RepoStat(stat.repoSize(), stat.storageMax(), stat.numObjects(), stat.path().toString(),
        AGENT + "/" + Version.current()));
  }

  /** What {@code repo/stat} reports. */
  public Future<BlockStore.Stat> stat() {
    return blocking(store -> store.blocks().stat());
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();  // nothing held open between calls
  }

  @Override
  public String toString() {
    return "the embedded IPFS store in " + dir;
  }

  private Cid importAndPin(Opened store, InputStream in, String name) throws IOException {
    ImportOptions v1 = new ImportOptions(ImportOptions.DEFAULT_CHUNK_SIZE, 1, true, HashFunction.SHA2_256, false,
        false);
    try (Collector.Session session = store.collector().session()) {
      Cid root = durably(store, session, sink -> new Importer(v1, sink).file(name, in).cid());
      store.protectedRoots().add(root);
      store.pinned(root);
      return root;
    }
  }

  /** What {@link #durably} runs: an import that puts its blocks into {@code sink}. */
  @FunctionalInterface
  private interface Import<T> {
    T into(Importer.BlockSink sink) throws IOException;
  }

  /**
   * Runs {@code work} with a sink that writes the session's blocks on the store's write threads
   * while the import goes on ({@link WriteBehind}), then waits for every write and syncs the store:
   * its result once each of its blocks is durable. A failed write fails the import.
   */
  private static <T> T durably(Opened store, Collector.Session session, Import<T> work) throws IOException {
    try (WriteBehind writes = store.blocks().writeBehind(session::putTrusted)) {
      T result = work.into(writes);
      writes.finish();
      store.blocks().sync();
      return result;
    }
  }

  /** Walks the DAG under {@code root}, holding each block; the first block that is not here, or null. */
  private static Cid missingBlock(Collector.Session blocks, Cid root) {
    Deque<Cid> todo = new ArrayDeque<>(List.of(root));
    Set<Cid> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      Cid cid = todo.pop();
      if (!seen.add(cid)) {
        continue;
      }
      if (!blocks.has(cid)) {
        return cid;
      }
      if (Links.mayLink(cid)) {
        Links.of(cid, blocks.get(cid)).forEach(todo::push);
      }
    }
    return null;
  }

  private FerryException notHere(Cid root, Cid missing) {
    return FerryException.notFound("cannot pin " + root + ": its block " + missing + " is not in this node's store"
        + (source == null ? " and no block exchange runs on this node (verticles/exchange.json) to fetch it; add the "
        + "content on this node, or set ipfs.api to an IPFS daemon" : ""));
  }

  /** What a call does with the open store, on a worker. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Opened store) throws IOException;
  }

  /** What a reader does with the store's blocks, on a worker. */
  @FunctionalInterface
  interface BlockWork<T> {
    T run(BlockStore blocks) throws IOException;
  }

  /** Runs {@code work} on the open store's blocks on a worker, I/O failures as {@code storage-error}s. */
  <T> Future<T> onBlocks(BlockWork<T> work) {
    return blocking(store -> work.run(store.blocks()));
  }

  private <T> Future<T> blocking(Work<T> work) {
    return open().compose(store -> vertx.executeBlocking(call(() -> work.run(store)), false));
  }

  private synchronized Future<Opened> open() {
    if (opened == null) {
      opened = vertx.executeBlocking(call(() -> {
        BlockStore blocks = BlockStore.open(dir, storageMax, writes);
        emptySpool();
        return new Opened(blocks, PinFile.load(dir.resolve("pins")), PinFile.load(dir.resolve("pins.direct")),
            PinFile.load(dir.resolve("protected")), new Collector(blocks), ConcurrentHashMap.newKeySet());
      }), false);
      opened.onFailure(e -> {
        synchronized (this) {
          opened = null;  // the next call tries again (the disk may be back)
        }
      });
    }
    return opened;
  }

  private void emptySpool() throws IOException {
    Path spool = dir.resolve(SPOOL);
    Files.createDirectories(spool);
    try (var left = Files.list(spool)) {
      for (Path file : (Iterable<Path>) left::iterator) {
        Files.deleteIfExists(file);  // an upload or answer a crash cut short
      }
    }
  }

  /** {@code work} with I/O failures as {@code storage-error}s that name this store. */
  private <T> Callable<T> call(Callable<T> work) {
    return () -> {
      try {
        return work.call();
      } catch (IOException e) {
        throw new FerryException(FerryException.STORAGE_ERROR, this + ": " + e + "; check the disk and the data "
            + "dir's permissions", e);
      }
    };
  }
}
