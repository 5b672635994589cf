package dev.ferry.raft.impl;

import io.microraft.lifecycle.RaftNodeLifecycleAware;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RaftStoreSerializer;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.store.sqlite.RaftSqliteStore;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.jooq.CloseableDSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's durable Raft state: MicroRaft's {@link RaftSqliteStore} in one SQLite file, with
 * ferry's JSON codec as its serializer. A restarted node reads its term, vote, log and snapshot
 * back with {@link #restore()}.
 *
 * <p>It also works around a flaw of the 0.7 store: a term without a vote (a follower that learned
 * the term from a leader) is stored with a NULL {@code votedFor}, and such a row makes
 * {@code getRestoredRaftState} report "no state", which would silently drop the whole log on
 * restart. Here "voted for nobody" is stored as the endpoint {@link #NOBODY} and read back as null.
 *
 * <p>A write that fails (a full disk, an I/O error) <b>fences</b> the store: that write and every
 * later one throw the failure, without touching the file, until the store is closed. SQLite may
 * have rolled back the open transaction with the failed statement, so entries MicroRaft appended
 * but has not flushed may be gone from the file while it still holds them in memory; a later
 * commit must never land after such a hole (that is how a full disk used to leave a log with a gap
 * that failed the next start). The file keeps what the last successful commit wrote, and the
 * replica is restarted from it ({@link GroupVerticle}).
 *
 * <p>Every store has a random {@link #id()}, made when the file is created (or first opened by a
 * ferry that knows ids) and kept in the file, in a table of its own: the group records which store
 * each member runs on ({@link StoreRecords}), so a replica on another store is never taken for it.
 *
 * <p>{@link #restore()} also refuses to hand MicroRaft a log with a gap (written by a version
 * without the fence): it keeps the entries up to the gap and drops the rest from the file.
 *
 * <p><b>Snapshots are written as their chunks are made.</b> A snapshot the replica takes arrives
 * as {@link SnapshotPart}s that a worker is still making ({@link StateMachineAdapter}); a part
 * that is not made yet is kept aside and written by {@link #writeMade()}, which the worker has run
 * on the Raft executor after each part. Until every chunk of a snapshot is in the file, the log
 * entries it covers stay there too: MicroRaft's truncation of the log up to the snapshot (and of
 * older snapshots' chunks) is held back until then, so a node that stops in between restarts from
 * its previous snapshot and the whole log after it. A written part lets go of its JSON and is read
 * back from the file when MicroRaft sends it to a follower ({@link #readChunk}); so are the
 * chunks restored at start and those received from a leader, once the state machine has them.
 *
 * <p>Called only on the group's Raft executor (an ordered worker context), so it may block.
 */
public final class DurableStore implements RaftStore, RaftNodeLifecycleAware {
  private static final Logger log = LoggerFactory.getLogger(DurableStore.class);
  /** Stands for "no vote in this term" in the store; never a node name (names are non-empty). */
  static final NodeEndpoint NOBODY = new NodeEndpoint("");
  /** ferry's table in the store file, beside MicroRaft's: the store's id. */
  private static final String ID_TABLE = "ferry_store";
  /** The store file and SQLite's companions in WAL mode: one store, moved or deleted together. */
  private static final List<String> FILE_SUFFIXES = List.of("", "-wal", "-shm");

  /** Told of the first failed write (on the Raft executor); returns the failure every write throws from then on. */
  @FunctionalInterface
  public interface OnFailure {
    RuntimeException failed(RuntimeException cause);
  }

  /**
   * MicroRaft's statement for {@link #persistLogEntries}, as {@code RaftSqliteStore} 0.7 writes it
   * (its table {@code logEntries}, columns {@code logIndex} and {@code logEntry}, the
   * serializer's bytes, an index already there left as it is). Checked on a MicroRaft upgrade.
   */
  private static final String INSERT_LOG_ENTRY = "INSERT OR IGNORE INTO logEntries (logIndex, logEntry) VALUES (?, ?)";

  private final RaftSqliteStore store;
  /** The serializer the store was made with: log entries written here are encoded (and counted) by it too. */
  private final StoreSerializer serializer;
  /** The store's connection: closed here even when its rollback fails (see {@link #close()}). */
  private final CloseableDSLContext connection;
  private final ModelCodec codec;
  private final Path file;
  private final OnFailure onFailure;
  private final String id;
  private RuntimeException failure;
  /** Whether a term is in the file (restored, or written since it was opened). */
  private boolean hasTerm;
  private volatile boolean closed;
  private final SnapshotWrites snapshots = new SnapshotWrites();

  private DurableStore(RaftSqliteStore store, StoreSerializer serializer, ModelCodec codec, Path file,
      OnFailure onFailure) {
    this.store = store;
    this.serializer = serializer;
    this.connection = connectionOf(store);
    this.codec = codec;
    this.file = file;
    this.onFailure = onFailure;
    this.id = readOrCreateId();
  }

  /** Opens (creating if needed) the store file; blocking. A failed write throws as it is. */
  public static DurableStore open(Path file, ModelCodec codec) {
    return open(file, codec, cause -> cause);
  }

  /** Opens (creating if needed) the store file; blocking. {@code onFailure} hears of the first failed write. */
  public static DurableStore open(Path file, ModelCodec codec, OnFailure onFailure) {
    StoreSerializer serializer = new StoreSerializer(codec, new AtomicLong());
    return new DurableStore(RaftSqliteStore.create(file.toFile(), codec.factory(), serializer), serializer,
        codec, file, onFailure);
  }

  /**
   * The store's private jOOQ context. MicroRaft's {@code onRaftNodeTerminate} rolls back, then
   * closes; after SQLite rolled a transaction back by itself (SQLITE_FULL does) that rollback throws
   * and the connection would stay open, holding the file's exclusive lock, so the replica could
   * never reopen its store. Checked on a MicroRaft upgrade: the field is {@code dsl}.
   */
  private static CloseableDSLContext connectionOf(RaftSqliteStore store) {
    try {
      Field dsl = RaftSqliteStore.class.getDeclaredField("dsl");
      dsl.setAccessible(true);
      return (CloseableDSLContext) dsl.get(store);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("this MicroRaft SQLite store has no field 'dsl' (a MicroRaft upgrade?): "
          + "DurableStore.close needs it", e);
    }
  }

  /** This store's id: random, made once for the file and kept in it. */
  public String id() {
    return id;
  }

  /** The id in the file's own table, made (and committed) the first time. */
  private String readOrCreateId() {
    connection.execute("CREATE TABLE IF NOT EXISTS " + ID_TABLE + " (id TEXT NOT NULL)");
    Object existing = connection.fetchValue("SELECT id FROM " + ID_TABLE + " LIMIT 1");
    if (existing != null) {
      return existing.toString();
    }
    String made = UUID.randomUUID().toString();
    connection.execute("INSERT INTO " + ID_TABLE + " (id) VALUES (?)", made);
    connection.connection(Connection::commit);
    return made;
  }

  /** Deletes the store file (closed) with its WAL and shared-memory files; blocking. */
  public static void delete(Path file) throws IOException {
    for (String suffix : FILE_SUFFIXES) {
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
    }
  }

  /** Moves the store file (closed) and its companions aside, as {@code <file>.set-aside-<id>}; blocking. */
  public static void setAside(Path file, String id) throws IOException {
    for (String suffix : FILE_SUFFIXES) {
      Path part = file.resolveSibling(file.getFileName() + suffix);
      if (Files.exists(part)) {
        Files.move(part, file.resolveSibling(file.getFileName() + ".set-aside-" + id + suffix));
      }
    }
  }

  /** Bytes of log entries this store was given to write since it was opened; only grows. */
  public long logBytesWritten() {
    return serializer.logBytes().get();  // counted by the serializer as it encodes log entries
  }

  /** The failure that fenced this store, or null while it takes writes. */
  public RuntimeException failure() {
    return failure;
  }

  /** What an earlier run of this node persisted, if anything. */
  public Optional<RestoredRaftState> restore() {
    Optional<RestoredRaftState> restored = store.getRestoredRaftState(true).map(this::withRealVote)
        .map(this::withoutGap);
    hasTerm = restored.isPresent();
    restored.map(RestoredRaftState::getSnapshotEntry).ifPresent(snapshot -> {
      snapshots.restored(snapshot.getIndex());
      if (snapshot.getOperation() instanceof List<?> chunks) {   // MicroRaft's snapshot entry holds its chunks so
        chunks.forEach(c -> readsBack((SnapshotChunk) c, ((SnapshotChunk) c).getOperation()));
      }
    });
    return restored;
  }

  /**
   * The restored state with its log cut at the first missing index: MicroRaft's log is an array
   * indexed by position, so a gap would put every later entry at the wrong index (and start-up
   * fails with a NullPointerException in {@code LogEntry.getOperation()}).
   */
  private RestoredRaftState withoutGap(RestoredRaftState s) {
    long first = s.getSnapshotEntry() == null ? 1 : s.getSnapshotEntry().getIndex() + 1;
    List<LogEntry> after = s.getLogEntries().stream().filter(e -> e.getIndex() >= first).toList();
    List<LogEntry> kept = new ArrayList<>();
    for (LogEntry entry : after) {
      if (entry.getIndex() != first + kept.size()) {
        break;
      }
      kept.add(entry);
    }
    if (kept.size() == after.size()) {
      return s;
    }
    long missing = first + kept.size();
    log.warn("{}: the log misses entry {} (a failed write before a later commit, by an older ferry); keeping the "
        + "{} entries before it, dropping the {} after it", file, missing, kept.size(), after.size() - kept.size());
    write(() -> {
      store.truncateLogEntriesFrom(missing);
      store.flush();
    });
    return new RestoredRaftState(s.getLocalEndpointPersistentState(), s.getInitialGroupMembers(),
        s.getTermPersistentState(), s.getSnapshotEntry(), kept);
  }

  /** Runs a write unless the store is fenced; a failure fences it (see the class comment). */
  private void write(Runnable write) {
    write(() -> 0, write);
  }

  /** A write of about {@code bytes} (asked only by a test's full disk, {@link DiskFaults}). */
  private void write(LongSupplier bytes, Runnable write) {
    if (failure != null) {
      throw failure;
    }
    try {
      DiskFaults.write(file, bytes);
      write.run();
    } catch (RuntimeException e) {
      failure = onFailure.failed(e);
      throw failure;
    }
  }

  private RestoredRaftState withRealVote(RestoredRaftState s) {
    RaftTermPersistentState term = s.getTermPersistentState();
    if (!NOBODY.equals(term.getVotedFor())) {
      return s;
    }
    RaftTermPersistentState noVote = codec.factory().createRaftTermPersistentStateBuilder()
        .setTerm(term.getTerm()).setVotedFor(null).build();
    return new RestoredRaftState(s.getLocalEndpointPersistentState(), s.getInitialGroupMembers(), noVote,
        s.getSnapshotEntry(), s.getLogEntries());
  }

  /**
   * Deletes the snapshot chunks at {@code index}, an incomplete transfer that is abandoned (the
   * store keeps chunks until a later snapshot supersedes them, and a transfer at the same index
   * with other chunks would mix with them).
   */
  public void dropSnapshotChunks(long index) {
    deleteSnapshotChunks(index, 0);
    flush();
  }

  @Override
  public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) {
    write(() -> store.persistAndFlushLocalEndpoint(state));
  }

  @Override
  public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) {
    write(() -> store.persistAndFlushInitialGroupMembers(members));
    if (!hasTerm) {
      // a replica's first start writes no term, and the 0.7 store restores nothing without one: a
      // node stopped before it saw any term would look like one that lost its store (StoreIdentity)
      persistAndFlushTerm(codec.factory().createRaftTermPersistentStateBuilder().setTerm(0).setVotedFor(null).build());
    }
  }

  @Override
  public void persistAndFlushTerm(RaftTermPersistentState state) {
    RaftTermPersistentState stored = state.getVotedFor() != null ? state
        : codec.factory().createRaftTermPersistentStateBuilder().setTerm(state.getTerm()).setVotedFor(NOBODY).build();
    write(() -> store.persistAndFlushTerm(stored));
    hasTerm = true;
  }

  @Override
  public void persistLogEntries(List<LogEntry> entries) {
    write(() -> entries.stream().mapToLong(e -> codec.encodeLogEntry(e).length).sum(),
        () -> insertLogEntries(entries));
  }

  /**
   * The entries into the store's table as {@code RaftSqliteStore.persistLogEntries} puts them, in
   * the same (unflushed) transaction on the same connection, but with a plain prepared statement:
   * the store has jOOQ build and render its {@code INSERT} anew for each entry, which took about
   * half of a leader's Raft executor under load (JFR, PinBench), and that executor is the one
   * thread every write of the group waits for.
   */
  private void insertLogEntries(List<LogEntry> entries) {
    RaftStoreSerializer.Serializer<LogEntry> bytes = serializer.logEntrySerializer();
    connection.connection(c -> {
      try (PreparedStatement insert = c.prepareStatement(INSERT_LOG_ENTRY)) {
        for (LogEntry entry : entries) {
          insert.setLong(1, entry.getIndex());
          insert.setBytes(2, bytes.serialize(entry));
          insert.executeUpdate();
        }
      }
    });
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) {
    if (!snapshots.keptAside(chunk)) {
      writeChunk(chunk);
    }
  }

  private void writeChunk(SnapshotChunk chunk) {
    write(() -> codec.encodeChunk(chunk).length, () -> store.persistSnapshotChunk(chunk));
    readsBack(chunk, chunk.getOperation());
    snapshots.written(chunk);
  }

  /** A part of a chunk in the file is read back from it from now on (see the class comment). */
  private void readsBack(SnapshotChunk chunk, Object operation) {
    if (operation instanceof SnapshotPart part) {
      long index = chunk.getIndex();
      int number = chunk.getSnapshotChunkIndex();
      part.written(() -> readChunk(index, number));
    }
  }

  /**
   * Writes the parts of snapshots that were made since the last call, and the log truncation held
   * back for a snapshot that is now complete; then flushes. Run on the Raft executor by whoever
   * makes the parts; nothing once the store is closed or fenced (the file keeps the last snapshot
   * complete in it, and the log after it).
   */
  public void writeMade() {
    if (closed || failure != null) {
      return;
    }
    List<SnapshotChunk> made = snapshots.made();
    made.forEach(this::writeChunk);
    long until = snapshots.releasedTruncation();
    if (until > 0) {
      write(() -> store.truncateLogEntriesUntil(until));
    }
    if (!made.isEmpty() || until > 0) {
      flush();
    }
  }

  /**
   * The operation of a snapshot chunk in the file, read back (MicroRaft's table and columns in its
   * SQLite store, checked on a MicroRaft upgrade); on the Raft executor.
   *
   * @throws IllegalStateException if the chunk is no longer there
   */
  private JsonObject readChunk(long index, int number) {
    if (closed) {
      throw new IllegalStateException(file + " is closed: snapshot chunk " + number + " at index " + index
          + " cannot be read back");
    }
    Object bytes = connection.fetchValue("SELECT chunk FROM snapshotChunks WHERE logIndex = ? AND chunkIndex = ?",
        index, number);
    if (!(bytes instanceof byte[] encoded)) {
      throw new IllegalStateException(file + " no longer holds snapshot chunk " + number + " at index " + index);
    }
    Object operation = codec.decodeChunk(encoded).getOperation();
    return operation instanceof SnapshotPart part ? part.json() : (JsonObject) operation;
  }

  @Override
  public void truncateLogEntriesFrom(long index) {
    write(() -> store.truncateLogEntriesFrom(index));
  }

  /** Held back while the snapshot it follows is not complete in the file (see the class comment). */
  @Override
  public void truncateLogEntriesUntil(long index) {
    if (!snapshots.holdsBack(index)) {
      write(() -> store.truncateLogEntriesUntil(index));
    }
  }

  @Override
  public void deleteSnapshotChunks(long index, int count) {
    write(() -> store.deleteSnapshotChunks(index, count));
    snapshots.deleted(index);
  }

  @Override
  public void flush() {
    write(store::flush);
  }

  @Override
  public void onRaftNodeStart() {
    store.onRaftNodeStart();
  }

  @Override
  public void onRaftNodeTerminate() {
    close();
  }

  /** Told the index of each snapshot once it is complete in the file, and at once of the one there now. */
  public void onSnapshotStored(LongConsumer stored) {
    snapshots.onComplete(stored);
  }

  /** Whether {@link #close()} was called (any thread may ask). */
  public boolean isClosed() {
    return closed;
  }

  /** Closes the file, rolling back what was not flushed; again is a no-op. */
  public void close() {
    if (!closed) {
      closed = true;
      try {
        connection.connection(Connection::rollback);
      } catch (RuntimeException e) {
        // SQLite rolled back by itself (a full disk): nothing unflushed was acknowledged
        log.debug("{}: rollback on close: {}", file, e.getMessage());
      }
      try {
        connection.close();
      } catch (RuntimeException e) {
        log.warn("{}: closing the store failed: {}", file, e.getMessage());
      }
    }
  }
}
