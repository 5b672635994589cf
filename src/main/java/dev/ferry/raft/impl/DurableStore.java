package dev.ferry.raft.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.microraft.RaftEndpoint;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
 * <p>Called only on the group's Raft executor (an ordered worker context), so it may block.
 */
public final class DurableStore implements RaftStore, RaftNodeLifecycleAware {
  /** Stands for "no vote in this term" in the store; never a node name (names are non-empty). */
  static final NodeEndpoint NOBODY = new NodeEndpoint("");

  private final RaftSqliteStore store;
  private final ModelCodec codec;
  private boolean closed;

  private DurableStore(RaftSqliteStore store, ModelCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  /** Opens (creating if needed) the store file; blocking. */
  public static DurableStore open(Path file, ModelCodec codec) {
    return new DurableStore(RaftSqliteStore.create(file.toFile(), codec.factory(), new Serializer(codec)), codec);
  }

  /** What an earlier run of this node persisted, if anything. */
  public Optional<RestoredRaftState> restore() {
    return store.getRestoredRaftState(true).map(this::withRealVote);
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
    store.deleteSnapshotChunks(index, 0);
    store.flush();
  }

  @Override
  public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) {
    store.persistAndFlushLocalEndpoint(state);
  }

  @Override
  public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) {
    store.persistAndFlushInitialGroupMembers(members);
  }

  @Override
  public void persistAndFlushTerm(RaftTermPersistentState state) {
    if (state.getVotedFor() != null) {
      store.persistAndFlushTerm(state);
      return;
    }
    store.persistAndFlushTerm(codec.factory().createRaftTermPersistentStateBuilder()
        .setTerm(state.getTerm()).setVotedFor(NOBODY).build());
  }

  @Override
  public void persistLogEntries(List<LogEntry> entries) {
    store.persistLogEntries(entries);
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) {
    store.persistSnapshotChunk(chunk);
  }

  @Override
  public void truncateLogEntriesFrom(long index) {
    store.truncateLogEntriesFrom(index);
  }

  @Override
  public void truncateLogEntriesUntil(long index) {
    store.truncateLogEntriesUntil(index);
  }

  @Override
  public void deleteSnapshotChunks(long index, int count) {
    store.deleteSnapshotChunks(index, count);
  }

  @Override
  public void flush() {
    store.flush();
  }

  @Override
  public void onRaftNodeStart() {
    store.onRaftNodeStart();
  }

  @Override
  public void onRaftNodeTerminate() {
    close();
  }

  /** Closes the file; again is a no-op. */
  public void close() {
    if (!closed) {
      closed = true;
      store.onRaftNodeTerminate();
    }
  }

  /** The store's records as ferry's JSON; no Java serialization. */
  private record Serializer(ModelCodec codec) implements RaftStoreSerializer {
    @Override
    public Serializer<RaftGroupMembersView> raftGroupMembersViewSerializer() {
      return new Serializer<>() {
        public byte[] serialize(RaftGroupMembersView v) {
          return codec.encodeView(v);
        }

        public RaftGroupMembersView deserialize(byte[] b) {
          return codec.decodeView(b);
        }
      };
    }

    @Override
    public Serializer<RaftEndpoint> raftEndpointSerializer() {
      return new Serializer<>() {
        public byte[] serialize(RaftEndpoint e) {
          return ("{\"node\":" + io.vertx.core.json.Json.encode(NodeEndpoint.idOf(e)) + "}")
              .getBytes(StandardCharsets.UTF_8);
        }

        public RaftEndpoint deserialize(byte[] b) {
          JsonNode node = ModelCodec.tree(b);
          return NodeEndpoint.parse(ModelReader.text(node, "node"));
        }
      };
    }

    @Override
    public Serializer<LogEntry> logEntrySerializer() {
      return new Serializer<>() {
        public byte[] serialize(LogEntry e) {
          return codec.encodeLogEntry(e);
        }

        public LogEntry deserialize(byte[] b) {
          return codec.decodeLogEntry(b);
        }
      };
    }

    @Override
    public Serializer<SnapshotChunk> snapshotChunkSerializer() {
      return new Serializer<>() {
        public byte[] serialize(SnapshotChunk c) {
          return codec.encodeChunk(c);
        }

        public SnapshotChunk deserialize(byte[] b) {
          return codec.decodeChunk(b);
        }
      };
    }

    @Override
    public Serializer<RaftEndpointPersistentState> raftEndpointPersistentStateSerializer() {
      throw new UnsupportedOperationException("RaftSqliteStore keeps the local endpoint in its own columns");
    }

    @Override
    public Serializer<RaftTermPersistentState> raftTermPersistentState() {
      throw new UnsupportedOperationException("RaftSqliteStore keeps the term in its own columns");
    }
  }
}
