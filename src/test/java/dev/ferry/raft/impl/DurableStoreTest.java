package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.microraft.RaftEndpoint;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.persistence.RestoredRaftState;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
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
  void aNewFileHasNothingToRestore(@TempDir Path dir) {
    DurableStore store = DurableStore.open(dir.resolve("kv.db"), codec);
    assertThat(store.restore()).isEmpty();
    store.close();
  }
}
