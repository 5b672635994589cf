package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.raft.StateMachine;
import io.microraft.RaftEndpoint;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.persistence.RestoredRaftState;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restarted node reads back from its SQLite file. */
class DurableStoreTest {
  private final DefaultRaftModelFactory factory = new DefaultRaftModelFactory();
  private final ModelCodec codec = new ModelCodec(factory);
  private final NodeEndpoint self = new NodeEndpoint("alpha");
  private final List<RaftEndpoint> members = List.of(self, new NodeEndpoint("bravo"), new NodeEndpoint("charlie"));

  private DurableStore fresh(Path file) {
    DurableStore store = DurableStore.open(file, codec);
    store.persistAndFlushLocalEndpoint(factory.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(self)
        .setVoting(true).build());
    store.persistAndFlushInitialGroupMembers(factory.createRaftGroupMembersViewBuilder().setLogIndex(0)
        .setMembers(members).setVotingMembers(members).build());
    return store;
  }

  private LogEntry entry(long index, int term) {
    return factory.createLogEntryBuilder().setIndex(index).setTerm(term)
        .setOperation(new JsonObject().put("op", "put").put("key", "k" + index).put("value", "v")).build();
  }

  @Test
  void aStoreKeepsItsIdAndANewFileGetsAnother(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    String id = store.id();
    store.close();
    DurableStore again = DurableStore.open(file, codec);
    assertThat(again.id()).as("the id is kept in the file").isEqualTo(id);
    again.close();
    DurableStore other = DurableStore.open(dir.resolve("other.db"), codec);
    assertThat(other.id()).isNotEqualTo(id).isNotBlank();
    other.close();
  }

  @Test
  void aTermWithoutAVoteKeepsTheLog(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    // a follower learns term 4 from a leader: it voted for nobody in it (MicroRaft 0.7's store
    // would report "no state" for this row and the log would be dropped on restart)
    store.persistAndFlushTerm(factory.createRaftTermPersistentStateBuilder().setTerm(4).setVotedFor(null).build());
    store.persistLogEntries(List.of(entry(1, 4), entry(2, 4)));
    store.flush();
    store.close();

    DurableStore again = DurableStore.open(file, codec);
    RestoredRaftState restored = again.restore().orElseThrow();
    assertThat(restored.getTermPersistentState().getTerm()).isEqualTo(4);
    assertThat(restored.getTermPersistentState().getVotedFor()).isNull();
    assertThat(restored.getLogEntries()).extracting(LogEntry::getIndex).containsExactly(1L, 2L);
    assertThat(restored.getLocalEndpointPersistentState().getLocalEndpoint()).isEqualTo(self);
    again.close();
  }

  @Test
  void aVoteAndTruncationsSurvive(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    store.persistAndFlushTerm(factory.createRaftTermPersistentStateBuilder().setTerm(2)
        .setVotedFor(new NodeEndpoint("bravo")).build());
    store.persistLogEntries(List.of(entry(1, 2), entry(2, 2), entry(3, 2)));
    store.truncateLogEntriesFrom(3);
    store.flush();
    store.close();

    RestoredRaftState restored = DurableStore.open(file, codec).restore().orElseThrow();
    assertThat(restored.getTermPersistentState().getVotedFor()).isEqualTo(new NodeEndpoint("bravo"));
    assertThat(restored.getLogEntries()).extracting(LogEntry::getIndex).containsExactly(1L, 2L);
    assertThat(((JsonObject) restored.getLogEntries().get(1).getOperation()).getString("key")).isEqualTo("k2");
  }

  @Test
  void aLogWithAGapRestoresOnlyTheEntriesBeforeIt(@TempDir Path dir) {
    // what a full disk left behind before the store fenced itself: SQLite rolled back entry 3 with
    // its transaction, and a later commit wrote 4 and 5 (MicroRaft's start then failed with a
    // NullPointerException in LogEntry.getOperation())
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    store.persistAndFlushTerm(factory.createRaftTermPersistentStateBuilder().setTerm(1).setVotedFor(self).build());
    store.persistLogEntries(List.of(entry(1, 1), entry(2, 1)));
    store.flush();
    store.persistLogEntries(List.of(entry(4, 1), entry(5, 1)));
    store.flush();
    store.close();

    DurableStore again = DurableStore.open(file, codec);
    assertThat(again.restore().orElseThrow().getLogEntries()).extracting(LogEntry::getIndex).containsExactly(1L, 2L);
    again.close();
    DurableStore third = DurableStore.open(file, codec);
    assertThat(third.restore().orElseThrow().getLogEntries()).as("the tail after the gap is gone from the file")
        .extracting(LogEntry::getIndex).containsExactly(1L, 2L);
    third.close();
  }

  @Test
  void aNodeStoppedBeforeItSawATermRestoresItsIdentity(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = DurableStore.open(file, codec);
    assertThat(store.restore()).isEmpty();
    store.persistAndFlushLocalEndpoint(factory.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(self)
        .setVoting(true).build());
    store.persistAndFlushInitialGroupMembers(factory.createRaftGroupMembersViewBuilder().setLogIndex(0)
        .setMembers(members).setVotingMembers(members).build());
    store.close();

    RestoredRaftState restored = DurableStore.open(file, codec).restore().orElseThrow();
    assertThat(restored.getLocalEndpointPersistentState().getLocalEndpoint()).isEqualTo(self);
    assertThat(restored.getTermPersistentState().getTerm()).isZero();
    assertThat(restored.getTermPersistentState().getVotedFor()).isNull();
  }

  /**
   * A store with entries 1–4 that is told of a snapshot at 3 as MicroRaft tells it when it takes
   * one: two chunks whose parts are not made yet, a flush, the log truncated up to 3, a flush.
   */
  private List<SnapshotPart> snapshotAt3(DurableStore store) {
    store.persistAndFlushTerm(factory.createRaftTermPersistentStateBuilder().setTerm(1).setVotedFor(self).build());
    store.persistLogEntries(List.of(entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)));
    store.flush();
    var state = StateMachine.Snapshot.of(List.of(new JsonObject().put("n", 0), new JsonObject().put("n", 1)));
    List<SnapshotPart> parts = List.of(new SnapshotPart(state, 0, new JsonObject().put("term", 1)),
        new SnapshotPart(state, 1, null));
    for (SnapshotPart part : parts) {
      store.persistSnapshotChunk(factory.createSnapshotChunkBuilder().setIndex(3).setTerm(1)
          .setSnapshotChunkIndex(part.chunk()).setSnapshotChunkCount(2).setGroupMembersView(
              factory.createRaftGroupMembersViewBuilder().setLogIndex(0).setMembers(members).setVotingMembers(members)
                  .build()).setOperation(part).build());
    }
    store.flush();
    store.truncateLogEntriesUntil(3);
    store.flush();
    return parts;
  }

  @Test
  void aSnapshotIsWrittenAsItsChunksAreMadeAndTheLogItCoversStaysUntilThen(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    List<Long> stored = new ArrayList<>();
    store.onSnapshotStored(stored::add);
    List<SnapshotPart> parts = snapshotAt3(store);
    parts.get(0).make();
    store.writeMade();   // one of two chunks: the snapshot is not complete yet
    assertThat(stored).containsExactly(0L);
    assertThat(parts.get(0).json()).as("a written chunk is read back from the store")
        .isEqualTo(new JsonObject().put("data", new JsonObject().put("n", 0)).put("term", 1));
    store.close();

    RestoredRaftState before = DurableStore.open(file, codec).restore().orElseThrow();
    assertThat(before.getSnapshotEntry()).as("no snapshot until every chunk is written").isNull();
    assertThat(before.getLogEntries()).as("so the log it covers stays").extracting(LogEntry::getIndex)
        .containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aSnapshotCompleteInTheStoreReplacesTheLogItCovers(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DurableStore store = fresh(file);
    List<Long> stored = new ArrayList<>();
    store.onSnapshotStored(stored::add);
    snapshotAt3(store).forEach(SnapshotPart::make);
    store.writeMade();
    assertThat(stored).containsExactly(0L, 3L);
    store.close();

    DurableStore again = DurableStore.open(file, codec);
    RestoredRaftState after = again.restore().orElseThrow();
    assertThat(after.getSnapshotEntry().getIndex()).isEqualTo(3);
    assertThat(after.getLogEntries()).extracting(LogEntry::getIndex).containsExactly(4L);
    SnapshotChunk second = (SnapshotChunk) ((List<?>) after.getSnapshotEntry().getOperation()).get(1);
    assertThat(((SnapshotPart) second.getOperation()).json()).isEqualTo(new JsonObject().put("data",
        new JsonObject().put("n", 1)));
    again.close();
  }

  @Test
  void aNewFileHasNothingToRestore(@TempDir Path dir) {
    DurableStore store = DurableStore.open(dir.resolve("kv.db"), codec);
    assertThat(store.restore()).isEmpty();
    store.close();
  }
}
