package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.KuboRpcConnector;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The embedded IPFS store of a node, as an {@link IpfsConnector}: content is imported into a
 * {@link BlockStore} in {@code <data_dir>/ipfs} (CIDv1 with raw leaves, as the Kubo connector asks
 * its daemon for), and pinned when every block of its DAG is here. {@link #forNode} chooses it when
 * {@code ipfs.api} is not set, the Kubo connector when it is.
 *
 * <p>Not built yet (docs/CONTENT.md): fetching missing blocks from other nodes, so a pin of
 * content this node does not hold fails with {@code not-found}; garbage collection, so unpinning
 * keeps the blocks.
 *
 * <p>Thread-safe. Every call returns at once; the blocking work (files, hashing) runs on Vert.x
 * worker threads, never the caller's event loop. The store opens on first use.
 */
public final class ContentStore implements IpfsConnector, Shareable {
  private static final String AGENT = "ferry-embedded";
  /** One store per directory and Vert.x instance: the web and pin verticles share it. */
  private static final String STORES = "ferry.ipfs.stores";

  private final Vertx vertx;
  private final Path dir;
  private final long storageMax;
  /** The store and its pins, opened once on a worker by the first call. */
  private Future<Opened> opened;

  private record Opened(BlockStore blocks, RecursivePins pins) {}

  /** The store in {@code dir} holding at most {@code storageMax} bytes of blocks. */
  public ContentStore(Vertx vertx, Path dir, long storageMax) {
    if (storageMax <= 0) {
      throw FerryException.badRequest("ipfs.storage_max: " + storageMax + " is not a positive number of bytes");
    }
    this.vertx = vertx;
    this.dir = dir;
    this.storageMax = storageMax;
  }

  /**
   * The node's connector: the Kubo RPC connector when {@code ipfs.api} is set, else the embedded
   * store in {@code <data_dir>/ipfs} bounded by {@code ipfs.storage_max}, one instance per
   * directory that every verticle of the node shares (so its pins and counts are one).
   */
  public static IpfsConnector forNode(Vertx vertx, NodeConfig config) {
    if (config.ipfsApi() != null) {
      return new KuboRpcConnector(vertx, config.ipfsApi());
    }
    JsonObject ipfs = config.json().getJsonObject("ipfs", new JsonObject());
    Object max = ipfs.getValue("storage_max");
    if (!(max instanceof Number number) || number.longValue() <= 0) {
      throw FerryException.badRequest("ipfs.storage_max: expected a positive number of bytes, got " + max);
    }
    Path dir = config.dataDir().resolve("ipfs").toAbsolutePath();
    LocalMap<String, ContentStore> stores = vertx.sharedData().getLocalMap(STORES);
    ContentStore fresh = new ContentStore(vertx, dir, number.longValue());
    ContentStore existing = stores.putIfAbsent(dir.toString(), fresh);
    return existing != null ? existing : fresh;
  }

  @Override
  public Future<IpfsId> id() {
    return Future.succeededFuture(new IpfsId("", List.of(), AGENT));
  }

  /** Only {@code /ipfs/<cid>} itself: walking UnixFS directories, IPNS and IPLD paths are not built yet (501). */
  @Override
  public Future<Cid> resolve(String path) {
    String[] parts = path.split("/");
    if (parts.length == 3 && parts[0].isEmpty() && parts[1].equals("ipfs")) {
      try {
        return Future.succeededFuture(Cid.parse(parts[2]));
      } catch (FerryException e) {
        return Future.failedFuture(FerryException.badRequest(path + ": " + e.getMessage()));
      }
    }
    return Future.failedFuture(new FerryException(FerryException.NOT_IMPLEMENTED, path + ": the embedded IPFS store "
        + "resolves only /ipfs/<cid> itself, not paths below a CID, IPNS names or IPLD paths; pin the CID, or set "
        + "ipfs.api to a Kubo daemon"));
  }

  @Override
  public Future<Cid> add(Buffer content, String name) {
    return blocking(store -> importAndPin(store, new java.io.ByteArrayInputStream(content.getBytes()), name));
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
      Importer.BlockSink sink = options.onlyHash() ? (cid, block) -> { } : store.blocks()::putTrusted;
      Cid root = new Importer(options, sink).file(name, in).cid();
      store.blocks().sync();
      return root;
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
    return blocking(store -> {
      List<Importer.Entry> files = entries.stream().map(e -> new Importer.Entry(e.path(), e.file())).toList();
      List<Added> added = new Importer(parsed, store.blocks()::putTrusted).add(files).stream()
          .map(i -> new Added(i.path(), i.cid(), i.size())).toList();
      store.blocks().sync();
      return added;
    });
  }

  @Override
  public Future<List<Cid>> importCar(Path car) {
    return blocking(store -> {
      try (InputStream in = Files.newInputStream(car)) {
        List<Cid> roots = Car.read(in, store.blocks());
        store.blocks().sync();
        return roots;
      }
    });
  }

  @Override
  public Future<Void> pin(Cid cid, Duration timeout) {
    return blocking(store -> {
      missingBlock(store.blocks(), cid);
      store.blocks().sync();  // every block of the DAG durable before the pin says so
      store.pins().add(cid);
      return null;
    });
  }

  @Override
  public Future<Void> unpin(Cid cid) {
    return blocking(store -> {
      store.pins().remove(cid);
      return null;
    });
  }

  @Override
  public Future<Set<Cid>> pins() {
    return blocking(store -> store.pins().all());
  }

  /**
   * {@code length} bytes of the file {@code cid} from {@code offset} ({@code length} negative: to
   * the end), held in memory: for ranges, not whole large files.
   */
  public Future<Buffer> cat(Cid cid, long offset, long length) {
    return blocking(store -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new Exporter(store.blocks()).cat(cid, offset, length, out);
      return Buffer.buffer(out.toByteArray());
    });
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
    Cid root = new Importer(v1, store.blocks()::putTrusted).file(name, in).cid();
    store.blocks().sync();
    store.pins().add(root);
    return root;
  }

  /** Walks the DAG under {@code root}; fails naming the first block that is not here. */
  private static void missingBlock(BlockStore blocks, Cid root) {
    Deque<Cid> todo = new ArrayDeque<>(List.of(root));
    Set<Cid> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      Cid cid = todo.pop();
      if (!seen.add(cid)) {
        continue;
      }
      if (!blocks.has(cid)) {
        throw FerryException.notFound("cannot pin " + root + ": its block " + cid + " is not in this node's store, "
            + "and fetching blocks from other nodes is not built yet (docs/CONTENT.md); add the content on this "
            + "node, or set ipfs.api to an IPFS daemon");
      }
      if (cid.codec() == Cid.DAG_PB) {
        DagPb.decode(blocks.get(cid)).links().forEach(link -> todo.push(link.hash()));
      }
    }
  }

  /** What a call does with the open store, on a worker. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Opened store) throws IOException;
  }

  private <T> Future<T> blocking(Work<T> work) {
    return open().compose(store -> vertx.executeBlocking(call(() -> work.run(store)), false));
  }

  private synchronized Future<Opened> open() {
    if (opened == null) {
      opened = vertx.executeBlocking(call(() -> {
        BlockStore blocks = BlockStore.open(dir, storageMax);
        return new Opened(blocks, RecursivePins.load(dir.resolve("pins")));
      }), false);
      opened.onFailure(e -> {
        synchronized (this) {
          opened = null;  // the next call tries again (the disk may be back)
        }
      });
    }
    return opened;
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
