package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocks as files, laid out as Kubo's flatfs lays them out: {@code blocks/XY/KEY.data}, where KEY
 * is the block's multihash in upper-case base32 and XY its next-to-last two characters. A block is
 * written whole to {@code blocks/.temp}, then renamed into place, so a file under a block's name
 * is whole even when the process is killed; temp files a crash left are deleted when the store
 * opens. Each block's fsync starts as soon as it is in place, on the store's own fsync threads
 * (several at once: the file system commits concurrent fsyncs in one journal transaction), followed
 * by its directory's, so both overlap the writes that follow; {@link #sync()} waits for those of
 * every block put so far, so that they survive a power loss too (call it before saying content is
 * pinned or added). Blocks are checked against their hash when put and when read, so a
 * file a power loss cut short is never served; {@link #whole} checks a file before a pin counts it
 * as stored, and removes a damaged one (truncated by a crash or a full disk, or changed on disk),
 * as does a put of the block's right bytes. {@code storage_max} bounds the bytes of all blocks.
 * A removed block's file is kept in {@code blocks/.temp} for a later put to write again rather
 * than create a file ({@link #delete}).
 *
 * <p>Blocking I/O: call it from worker threads, never an event loop. Thread-safe: puts of
 * different blocks run in parallel, puts of one block one at a time. The fsync and write threads
 * end when idle for {@value #IDLE_SECONDS} s, so a store needs no closing.
 */
public final class BlockStore {
  private static final Logger log = LoggerFactory.getLogger(BlockStore.class);
  /** What Kubo writes to a flatfs store's {@code SHARDING} file for this layout. */
  private static final String SHARDING = "/repo/flatfs/shard/v1/next-to-last/2";
  private static final String SUFFIX = ".data";
  private static final String TEMP_DIR = ".temp";
  private static final int SHARD_CHARS = 2;
  /** Puts of one block take one of these locks (by its key), so two never race on one file. */
  private static final int LOCK_STRIPES = 64;
  /**
   * fsyncs run at once per store: a 256 MiB add (1025 blocks) on this project's 2-core VM synced
   * in 1.5–3.3 s one at a time, 0.4 s with 4 and 0.2–0.5 s with 16 (docs/BENCHMARKS.md).
   */
  private static final int FSYNC_THREADS = 8;
  private static final int IDLE_SECONDS = 2;
  /** Removed blocks' files kept for reuse at most (besides {@code recycle_bytes}), so their list stays small in memory. */
  private static final int RECYCLED_MAX_FILES = 8192;
  private static final String RECYCLED_PREFIX = "free-";

  private final Path root;
  private final Path blocks;
  private final Path temp;
  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong objects = new AtomicLong();
  private final AtomicLong tempNames = new AtomicLong();
  private final Object[] locks = new Object[LOCK_STRIPES];
  /** Shard directories known to exist (the store never removes one): each is created once, not per put. */
  private final Set<Path> shards = ConcurrentHashMap.newKeySet();
  /** Blocks put and not yet known durable with their directory, each with its fsync under way or done. */
  private final Map<Path, CompletableFuture<Void>> unsynced = new HashMap<>();
  /** Directory fsyncs queued on the fsync threads and not started yet, by directory. Guarded by itself. */
  private final Map<Path, CompletableFuture<Void>> queuedDirectories = new HashMap<>();
  private final ThreadPoolExecutor fsyncs;
  private final ThreadPoolExecutor writes;
  private final long writeAheadBytes;
  private final long recycleBytes;
  /** Files of removed blocks in {@code .temp}, to be written again by the next puts (see {@link #recycle}). */
  private final ConcurrentLinkedQueue<Recycled> recycled = new ConcurrentLinkedQueue<>();
  private final AtomicLong recycledBytes = new AtomicLong();
  private final AtomicLong recycledFiles = new AtomicLong();
  /**
   * The disk the blocks are on, for its free space (looked up once: the lookup reads the mount
   * table). Set by {@link #open} before the store is handed out.
   */
  private FileStore disk;

  /** A removed block's file in {@code .temp} and its size, kept to be written again. */
  private record Recycled(Path file, long size) {}

  /** What {@code repo/stat} reports. */
  public record Stat(long repoSize, long storageMax, long numObjects, Path path) {}

  /**
   * How adds write their blocks ({@link #writeBehind}): on {@code threads} threads per store
   * ({@code ipfs.write_threads}), so that creating, writing and renaming block files overlap each
   * other and the importer's hashing, with at most {@code aheadBytes} of one add's blocks on their
   * way ({@code ipfs.write_ahead_bytes}: what an add holds in memory beyond its chunk); and at most
   * {@code recycleBytes} of removed blocks' files kept to be written again ({@code ipfs.recycle_bytes},
   * 0: none; see {@link BlockStore#delete}).
   */
  public record Writes(int threads, long aheadBytes, long recycleBytes) {
    /** conf/node.json's defaults, for a store made outside a node (tests, benchmarks, tools). */
    public static final Writes DEFAULTS = new Writes(4, 8L * 1024 * 1024, 256L * 1024 * 1024);
  }

  private BlockStore(Path root, long maxBytes, Writes settings) {
    this.root = root;
    this.blocks = root.resolve("blocks");
    this.temp = blocks.resolve(TEMP_DIR);
    this.maxBytes = maxBytes;
    Arrays.setAll(locks, i -> new Object());
    fsyncs = threads("ferry-fsync-", FSYNC_THREADS);
    writes = threads("ferry-block-write-", settings.threads());
    writeAheadBytes = settings.aheadBytes();
    recycleBytes = settings.recycleBytes();
  }

  /** {@code count} daemon threads named {@code name} and a number, ended when idle for {@value #IDLE_SECONDS} s. */
  private static ThreadPoolExecutor threads(String name, int count) {
    AtomicLong made = new AtomicLong();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(count, count, IDLE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), task -> {
          Thread thread = new Thread(task, name + made.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * A sink for one add's importer that puts each block through {@code sink} on this store's write
   * threads while the importer goes on ({@link WriteBehind}); call its {@code finish} before
   * {@link #sync()}.
   */
  WriteBehind writeBehind(Importer.BlockSink sink) {
    return new WriteBehind(sink, writes, writeAheadBytes);
  }

  /**
   * Opens (creating) the store in {@code root} holding at most {@code maxBytes} of blocks: deletes
   * temp files a crash left and counts what is stored.
   *
   * @throws FerryException {@code storage-error} when the directory cannot be used, naming it
   */
  public static BlockStore open(Path root, long maxBytes) {
    return open(root, maxBytes, Writes.DEFAULTS);
  }

  /** {@link #open(Path, long)}, its adds writing blocks as {@code writes} says. */
  public static BlockStore open(Path root, long maxBytes, Writes writes) {
    BlockStore store = new BlockStore(root, maxBytes, writes);
    try {
      Files.createDirectories(store.temp);
      store.disk = Files.getFileStore(store.blocks);
      Path sharding = store.blocks.resolve("SHARDING");
      if (!Files.exists(sharding)) {
        Files.writeString(sharding, SHARDING + "\n", StandardCharsets.US_ASCII);
      }
      try (Stream<Path> left = Files.list(store.temp)) {
        for (Path file : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(file);  // a put cut short by a crash: never renamed, never a block
        }
      }
      store.count();
    } catch (IOException e) {
      throw new FerryException(FerryException.STORAGE_ERROR, "block store " + store.blocks + ": cannot open it ("
          + e + "); check the data dir's permissions and disk", e);
    }
    return store;
  }

  /** Whether the block of {@code cid} is stored. */
  public boolean has(Cid cid) {
    return Files.exists(file(cid));
  }

  /**
   * Whether the block of {@code cid} is stored <em>and whole</em>: its file is read and checked
   * against its hash. A file that does not match (cut short by a crash or a full disk, or changed
   * on disk) is removed, with a WARN naming the block and the file, and the answer is false, so that
   * the block is fetched or added again. A block whose hash function ferry does not know is taken
   * as stored when its file exists (the store never accepts one). The file's bytes as found are
   * taken off {@code repo/stat}'s size; what a change behind the store's back added or took away
   * is counted right when the store next opens.
   *
   * @throws FerryException {@code storage-error} when the file cannot be read or removed
   */
  public boolean whole(Cid cid) {
    return HashFunction.of(cid).isEmpty() ? has(cid) : wholeBlock(cid, "") != null;
  }

  /**
   * The block of {@code cid} if it is stored and whole, else null: what {@link #whole} checks, with
   * the bytes it read, for a walk that goes on to the block's links. A damaged file is removed as
   * {@code whole} removes it; its WARN line ends with {@code foundBy} (empty, or who found it and
   * where, such as {@code "; found by garbage collection under the pin <cid>"}). A block whose hash
   * function ferry does not know is answered as its file holds it, unchecked.
   *
   * @throws FerryException {@code storage-error} when the file cannot be read or removed
   */
  byte[] wholeBlock(Cid cid, String foundBy) {
    Path file = file(cid);
    byte[] block = readIfThere(cid, file);
    if (block == null || HashFunction.of(cid).isEmpty() || matches(cid, block)) {
      return block;
    }
    synchronized (locks[Math.floorMod(file.getFileName().hashCode(), LOCK_STRIPES)]) {
      block = readIfThere(cid, file);  // again under the lock: a put may have replaced it meanwhile
      if (block == null || matches(cid, block)) {
        return block;
      }
      removeDamaged(cid, file, block.length, foundBy);
      return null;
    }
  }

  /** The bytes of {@code cid}'s file, or null when there is none. */
  private byte[] readIfThere(Cid cid, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw failure("read block " + cid + " (" + file + ")", e);
    }
  }

  /**
   * Deletes the damaged file of {@code cid} ({@code size} bytes read from it), saying so and who
   * found it ({@code foundBy}, appended to the WARN line); call under its lock.
   */
  private void removeDamaged(Cid cid, Path file, long size, String foundBy) {
    log.warn("block {}: its file {} ({} bytes) does not hash to its CID (cut short or changed on disk); removed, "
        + "to be fetched or added again{}", cid, file, size, foundBy);
    delete(cid);
  }

  /**
   * The block of {@code cid}, checked against its hash.
   *
   * @throws FerryException {@code not-found} when it is not stored; {@code storage-error} when its
   *     file cannot be read or no longer matches its hash (the message says which file)
   */
  public byte[] get(Cid cid) {
    Path file = file(cid);
    byte[] block;
    try {
      block = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw FerryException.notFound("block " + cid + " is not in the block store");
    } catch (IOException e) {
      throw new FerryException(FerryException.STORAGE_ERROR, "block " + cid + ": cannot read " + file + " (" + e
          + ")", e);
    }
    if (!matches(cid, block)) {
      throw new FerryException(FerryException.STORAGE_ERROR, "block " + cid + ": the file " + file
          + " does not hash to its CID (damaged on disk); delete it and fetch or add the content again");
    }
    return block;
  }

  /**
   * Stores {@code block} under {@code cid} after checking that it hashes to it. A block already
   * stored with these bytes is left as it is; a damaged file of it is replaced (WARN).
   *
   * @throws FerryException {@code bad-request} when the bytes do not hash to the CID or its hash
   *     function is unknown; {@code storage-full} when it does not fit; {@code storage-error} on I/O
   */
  public void put(Cid cid, byte[] block) {
    check(cid, block);
    putTrusted(cid, block);
  }

  /**
   * Checks that {@code block} hashes to {@code cid}, storing nothing.
   *
   * @throws FerryException {@code bad-request} as {@link #put} does
   */
  public static void check(Cid cid, byte[] block) {
    if (!Arrays.equals(hashFunction(cid).multihash(block), cid.multihash())) {
      throw mismatch(cid, block.length);
    }
  }

  /**
   * {@link #put(Cid, byte[])} of a block held as pieces ({@link BlockBytes}: their bytes between
   * position and limit, in order, left as they are), as the block exchange receives it from
   * another node: hashed and written where the pieces are, never copied into one array first.
   *
   * @throws FerryException as {@link #put(Cid, byte[])} does
   */
  public void put(Cid cid, List<ByteBuffer> pieces) {
    long length = BlockBytes.length(pieces);
    if (!Arrays.equals(hashFunction(cid).multihash(pieces), cid.multihash())) {
      throw mismatch(cid, length);
    }
    write(cid, pieces, length);
  }

  private static HashFunction hashFunction(Cid cid) {
    return HashFunction.of(cid).orElseThrow(() -> FerryException.badRequest("block " + cid + ": its hash function "
        + "is not supported (sha2-256 or blake2b-256)"));
  }

  private static FerryException mismatch(Cid cid, long length) {
    return FerryException.badRequest("block " + cid + ": its " + length + " bytes do not hash to its CID; "
        + "refused (the sender has other content under that name)");
  }

  /** {@link #put} for a block whose CID was just computed from its bytes (the importer's). */
  void putTrusted(Cid cid, byte[] block) {
    write(cid, List.of(ByteBuffer.wrap(block)), block.length);
  }

  /** Stores the block of {@code cid}, {@code length} bytes in {@code pieces}, known to hash to it. */
  private void write(Cid cid, List<ByteBuffer> pieces, long length) {
    Path file = file(cid);
    synchronized (locks[Math.floorMod(file.getFileName().hashCode(), LOCK_STRIPES)]) {
      if (Files.exists(file)) {
        if (sameBytes(file, pieces, length)) {
          return;
        }
        removeDamaged(cid, file, sizeOrZero(file), "");  // its bytes are known right: they replace a damaged file
      }
      reserve(cid, length);
      boolean stored = false;
      Recycled reuse = pollRecycled();
      Path part = reuse != null ? reuse.file() : temp.resolve(tempNames.incrementAndGet() + "-" + file.getFileName());
      try {
        if (!shards.contains(file.getParent())) {
          Files.createDirectories(file.getParent());
          shards.add(file.getParent());
        }
        // a kept file removed from .temp by hand is simply made again
        try (FileChannel out = FileChannel.open(part, reuse != null ? StandardOpenOption.CREATE : StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
          ByteBuffer[] bytes = pieces.stream().map(ByteBuffer::duplicate).toArray(ByteBuffer[]::new);
          for (long left = length; left > 0; ) {
            left -= out.write(bytes);  // one gathering write, unless the file system takes less at a time
          }
          if (reuse != null && reuse.size() > length) {
            out.truncate(length);  // what is left of the block it held before
          }
        }
        try {
          Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
          shards.remove(file.getParent());  // its shard directory was removed by hand: made again
          Files.createDirectories(file.getParent());
          Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
        }
        synchronized (unsynced) {
          unsynced.put(file, forceBlock(file));
        }
        objects.incrementAndGet();
        stored = true;
      } catch (IOException e) {
        throw failure("write block " + cid + " to " + file, e);
      } finally {
        if (!stored) {
          used.addAndGet(-length);
          deleteQuietly(part);
        }
      }
    }
  }

  /**
   * Keeps the file of a removed block ({@code size} bytes) in {@code .temp} for a later put to
   * write again, when fewer than {@code ipfs.recycle_bytes} are kept; false when it is not kept.
   * Why: a put that creates a file makes the file system allocate an inode, and ext4 without a
   * journal (this project's VM) skips, one by one, every inode freed in the last minute or more
   * ({@code recently_deleted}): after the deletion of 1025 blocks, putting the next 1025 (256 MiB)
   * took 0.3–0.6 s of system time, and 0.14–0.19 s writing removed blocks' files again (then a
   * rename, a write and a rename each; docs/BENCHMARKS.md). A put writes the kept file where it is in
   * {@code .temp} (emptied when the store opens, as a put's own part file is) and renames it into
   * place; it is cut to the block's length only when it was longer.
   */
  private boolean recycle(Path file, long size) throws IOException {
    long files = recycledFiles.incrementAndGet();
    if (recycledBytes.addAndGet(size) > recycleBytes || files > RECYCLED_MAX_FILES) {
      unkeep(size);
      return false;
    }
    Path kept = temp.resolve(RECYCLED_PREFIX + tempNames.incrementAndGet());
    try {
      Files.move(file, kept, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      unkeep(size);
      throw e;
    }
    recycled.add(new Recycled(kept, size));
    return true;
  }

  /** A kept file of a removed block taken to be written again, no longer counted as kept; null when none is. */
  private Recycled pollRecycled() {
    Recycled kept = recycled.poll();
    if (kept != null) {
      unkeep(kept.size());
    }
    return kept;
  }

  /** Counts one kept file of {@code size} bytes less. */
  private void unkeep(long size) {
    recycledBytes.addAndGet(-size);
    recycledFiles.decrementAndGet();
  }

  /** Unlinks every kept file of a removed block (the disk is short of space); whether there was any. */
  private boolean dropRecycled() {
    boolean any = false;
    for (Recycled kept = pollRecycled(); kept != null; kept = pollRecycled()) {
      deleteQuietly(kept.file());
      any = true;
    }
    return any;
  }

  /** Whether {@code file} holds exactly the {@code length} bytes of {@code pieces} (false when it has gone meanwhile). */
  private boolean sameBytes(Path file, List<ByteBuffer> pieces, long length) {
    try {
      return Files.size(file) == length && BlockBytes.equal(Files.readAllBytes(file), pieces);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw failure("read " + file, e);
    }
  }

  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Removes the block of {@code cid}; false when it was not stored. Its file is not unlinked but
   * moved into {@code .temp} to be written again by a later put ({@link #recycle}), up to
   * {@code ipfs.recycle_bytes} of them; they are unlinked when the disk is short of space for a
   * put, and when the store next opens.
   */
  public boolean delete(Cid cid) {
    Path file = file(cid);
    synchronized (locks[Math.floorMod(file.getFileName().hashCode(), LOCK_STRIPES)]) {
      try {
        long size = Files.size(file);
        if (!recycle(file, size)) {
          Files.delete(file);
        }
        used.addAndGet(-size);
        objects.decrementAndGet();
        return true;
      } catch (NoSuchFileException e) {
        return false;
      } catch (IOException e) {
        throw failure("delete block " + cid + " (" + file + ")", e);
      }
    }
  }

  /**
   * Makes every put so far durable: waits for the fsyncs of the blocks put and of the directories
   * they were renamed into (each started as soon as its block was in place, {@link #forceBlock}).
   * Until then a power loss (not a crash of the process) may leave a block's file short; {@link #get}
   * would refuse it by its hash. Two calls at once both wait for every block put before them; a
   * block leaves the set only once it and its directory are durable, and one whose fsync failed is
   * fsynced again by the next call.
   */
  public void sync() {
    Map<Path, CompletableFuture<Void>> files;
    synchronized (unsynced) {
      files = new HashMap<>(unsynced);
    }
    IOException failed = null;
    for (Map.Entry<Path, CompletableFuture<Void>> file : files.entrySet()) {
      IOException e = awaitForce(file.getValue());
      if (e != null) {
        failed = failed == null ? e : failed;
        synchronized (unsynced) {
          unsynced.replace(file.getKey(), file.getValue(), forceBlock(file.getKey()));  // tried again by the next sync
        }
      }
    }
    if (failed != null) {
      throw failure("sync " + blocks, failed);
    }
    synchronized (unsynced) {
      files.forEach(unsynced::remove);  // remove(key, value): a block put again since has its own fsync
    }
  }

  /**
   * Starts fsyncing a block's file, then the directory it was renamed into, on the fsync threads,
   * so that a {@link #sync} after a fetch or an add finds them done rather than starting a
   * directory's fsync per shard at the end (232 for a 64 MiB file). A directory's fsync that is
   * queued and not yet started is shared: it makes every rename before it durable.
   */
  private CompletableFuture<Void> forceBlock(Path file) {
    return CompletableFuture.runAsync(() -> forceNow(file), fsyncs).thenCompose(x -> forceDirectory(file.getParent()));
  }

  private CompletableFuture<Void> forceDirectory(Path dir) {
    synchronized (queuedDirectories) {
      CompletableFuture<Void> queued = queuedDirectories.get(dir);
      if (queued != null) {
        return queued;
      }
      CompletableFuture<Void> forced = new CompletableFuture<>();
      queuedDirectories.put(dir, forced);
      fsyncs.execute(() -> {
        synchronized (queuedDirectories) {
          queuedDirectories.remove(dir, forced);  // renames from now on wait for a later fsync
        }
        try {
          forceNow(dir);
          forced.complete(null);
        } catch (RuntimeException e) {
          forced.completeExceptionally(e);
        }
      });
      return forced;
    }
  }

  /** fsyncs {@code path} on this thread; its I/O failure as an {@link UncheckedIOException}. */
  private static void forceNow(Path path) {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (NoSuchFileException e) {
      // deleted since it was put: nothing to make durable
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a block's fsyncs ({@link #forceBlock}); their I/O failure, or null. */
  private static IOException awaitForce(CompletableFuture<Void> forced) {
    try {
      forced.join();
      return null;
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        return io.getCause();
      }
      throw e;
    }
  }

  /**
   * Every stored block, each named by a raw-codec CIDv1 of its multihash (the store keeps no
   * codec, as Kubo's does not); files whose names are not block keys are left out.
   */
  public List<Cid> keys() {
    List<Cid> keys = new ArrayList<>();
    try {
      forEachBlockFile(file -> {
        String name = file.getFileName().toString();
        try {
          keys.add(Cid.v1(Cid.RAW, Multibase.decodeBase32(name.substring(0, name.length() - SUFFIX.length()), 0, true)));
        } catch (IllegalArgumentException | FerryException e) {
          // not a block's file: not ours to list
        }
      });
    } catch (IOException e) {
      throw failure("list " + blocks, e);
    }
    return keys;
  }

  /** The numbers {@code repo/stat} reports. */
  public Stat stat() {
    return new Stat(used.get(), maxBytes, objects.get(), root);
  }

  /** Where the block named by {@code cid}'s multihash lives. */
  Path file(Cid cid) {
    String key = Multibase.base32(cid.multihash(), true);
    String shard = key.substring(key.length() - SHARD_CHARS - 1, key.length() - 1);
    return blocks.resolve(shard).resolve(key + SUFFIX);
  }

  private static boolean matches(Cid cid, byte[] block) {
    return HashFunction.of(cid).map(f -> Arrays.equals(f.multihash(block), cid.multihash())).orElse(false);
  }

  private void reserve(Cid cid, long size) {
    long after = used.addAndGet(size);
    if (after > maxBytes) {
      used.addAndGet(-size);
      throw new FerryException(FerryException.STORAGE_FULL, "storage full: block " + cid + " (" + size
          + " bytes) would take the block store " + blocks + " to " + after + " bytes, above ipfs.storage_max ("
          + maxBytes + "); unpin content and collect garbage, or raise ipfs.storage_max");
    }
    long free;
    try {
      free = disk.getUsableSpace();
      if (free < size && dropRecycled()) {
        free = disk.getUsableSpace();  // removed blocks' files kept for reuse gave their room back
      }
    } catch (IOException e) {
      used.addAndGet(-size);
      throw failure("read the free space of " + blocks, e);
    }
    if (free < size) {
      used.addAndGet(-size);
      throw new FerryException(FerryException.STORAGE_FULL, "storage full: block " + cid + " (" + size
          + " bytes) does not fit on the disk of " + blocks + ": " + free + " bytes free; free space there");
    }
  }

  private FerryException failure(String what, IOException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
      return new FerryException(FerryException.STORAGE_FULL, "storage full: cannot " + what + ": the disk is full ("
          + message + "); free space under " + blocks, e);
    }
    return new FerryException(FerryException.STORAGE_ERROR, "block store: cannot " + what + " (" + e
        + "); check the disk and the data dir's permissions", e);
  }

  private void count() throws IOException {
    forEachBlockFile(file -> {
      used.addAndGet(Files.size(file));
      objects.incrementAndGet();
    });
  }

  /** What {@link #forEachBlockFile} does with each file; may fail with I/O. */
  private interface FileAction {
    void accept(Path file) throws IOException;
  }

  private void forEachBlockFile(FileAction action) throws IOException {
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(blocks, Files::isDirectory)) {
      for (Path shard : shards) {
        if (shard.getFileName().toString().equals(TEMP_DIR)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard, "*" + SUFFIX)) {
          for (Path file : files) {
            action.accept(file);
          }
        }
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // left in .temp, deleted when the store next opens
    }
  }
}
