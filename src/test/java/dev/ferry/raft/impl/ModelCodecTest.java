package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.RaftMessage;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every MicroRaft message and stored record survives a trip through ferry's JSON, field by field. */
class ModelCodecTest {
  private final DefaultRaftModelFactory factory = new DefaultRaftModelFactory();
  private final ModelCodec codec = new ModelCodec(factory);
  private final NodeEndpoint a = new NodeEndpoint("alpha");
  private final NodeEndpoint b = new NodeEndpoint("bravo");
  private final List<RaftEndpoint> both = List.of(a, b);

  private RaftGroupMembersView view() {
    return factory.createRaftGroupMembersViewBuilder().setLogIndex(7).setMembers(both).setVotingMembers(List.of(a))
        .build();
  }

  private LogEntry entry(long index, Object op) {
    return factory.createLogEntryBuilder().setIndex(index).setTerm(3).setOperation(op).build();
  }

  private SnapshotChunk chunk() {
    return factory.createSnapshotChunkBuilder().setIndex(40).setTerm(3).setSnapshotChunkIndex(1)
        .setSnapshotChunkCount(2).setGroupMembersView(view())
        .setOperation(new JsonObject().put("data", new JsonObject().put("k", "v"))).build();
  }

  private RaftMessage roundTrip(RaftMessage m) {
    RaftMessage back = codec.decodeMessage(codec.encodeMessage(m));
    assertThat(back.getClass()).isEqualTo(m.getClass());
    assertThat(back.getGroupId()).isEqualTo("kv");
    assertThat(back.getSender()).isEqualTo(a);
    assertThat(back.getTerm()).isEqualTo(m.getTerm());
    assertThat(back.toString()).isEqualTo(m.toString());
    return back;
  }

  @Test
  void appendEntriesCarryEveryKindOfOperation() {
    var op = factory.createUpdateRaftGroupMembersOpBuilder().setMembers(both).setVotingMembers(both).setEndpoint(b)
        .setMode(MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER).build();
    List<LogEntry> entries = List.of(entry(5, new NewTermOp(3)), entry(6, new JsonObject().put("op", "put")
        .put("key", "k").put("value", "ünïcode \"quoted\"")), entry(7, op),
        entry(8, new StoreRecordOp("bravo#1", "5f0c…")));
    roundTrip(factory.createAppendEntriesRequestBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setPreviousLogTerm(2).setPreviousLogIndex(4).setCommitIndex(4).setLogEntries(entries)
        .setQuerySequenceNumber(9).setFlowControlSequenceNumber(11).build());
  }

  @Test
  void everyOtherMessageType() {
    roundTrip(factory.createAppendEntriesSuccessResponseBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setLastLogIndex(8).setQuerySequenceNumber(1).setFlowControlSequenceNumber(2).build());
    roundTrip(factory.createAppendEntriesFailureResponseBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setExpectedNextIndex(8).setQuerySequenceNumber(1).setFlowControlSequenceNumber(2).build());
    roundTrip(factory.createInstallSnapshotRequestBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setSenderLeader(true).setSnapshotTerm(3).setSnapshotIndex(40).setTotalSnapshotChunkCount(2)
        .setSnapshotChunk(chunk()).setSnapshottedMembers(both).setGroupMembersView(view())
        .setQuerySequenceNumber(1).setFlowControlSequenceNumber(2).build());
    roundTrip(factory.createInstallSnapshotRequestBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setSenderLeader(true).setSnapshotTerm(3).setSnapshotIndex(40).setTotalSnapshotChunkCount(2)
        .setSnapshotChunk(null).setSnapshottedMembers(both).setGroupMembersView(view()).build());
    roundTrip(factory.createInstallSnapshotResponseBuilder().setGroupId("kv").setSender(a).setTerm(3)
        .setSnapshotIndex(40).setRequestedSnapshotChunkIndex(1).setQuerySequenceNumber(1)
        .setFlowControlSequenceNumber(2).build());
    roundTrip(factory.createPreVoteRequestBuilder().setGroupId("kv").setSender(a).setTerm(4).setLastLogTerm(3)
        .setLastLogIndex(9).build());
    roundTrip(factory.createPreVoteResponseBuilder().setGroupId("kv").setSender(a).setTerm(4).setGranted(true)
        .build());
    roundTrip(factory.createVoteRequestBuilder().setGroupId("kv").setSender(a).setTerm(4).setLastLogTerm(3)
        .setLastLogIndex(9).setSticky(true).build());
    roundTrip(factory.createVoteResponseBuilder().setGroupId("kv").setSender(a).setTerm(4).setGranted(false)
        .build());
    roundTrip(factory.createTriggerLeaderElectionRequestBuilder().setGroupId("kv").setSender(a).setTerm(4)
        .setLastLogTerm(3).setLastLogIndex(9).build());
  }

  @Test
  void storedRecordsRoundTrip() {
    LogEntry e = entry(6, new JsonObject().put("op", "cas").put("expect", (String) null).putNull("value"));
    assertThat(codec.decodeLogEntry(codec.encodeLogEntry(e)).toString()).isEqualTo(e.toString());
    assertThat(codec.decodeChunk(codec.encodeChunk(chunk())).toString()).isEqualTo(chunk().toString());
    assertThat(codec.decodeView(codec.encodeView(view())).toString()).isEqualTo(view().toString());
    assertThat(new String(codec.encodeLogEntry(e), StandardCharsets.UTF_8))
        .isEqualTo("{\"index\":6,\"term\":3,\"op\":{\"op\":\"cas\",\"expect\":null,\"value\":null}}");
  }

  @Test
  void malformedInputIsAnIllegalArgument() {
    assertThatThrownBy(() -> codec.decodeMessage("nope".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.decodeMessage("{\"type\":\"gossip\",\"group\":\"kv\",\"sender\":\"a\",\"term\":1}"
        .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("gossip");
    assertThatThrownBy(() -> codec.decodeMessage("{\"type\":\"vote\",\"group\":\"kv\",\"sender\":\"a\"}"
        .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("term");
    assertThatThrownBy(() -> codec.encodeLogEntry(entry(1, new Object()))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLaterStoreGenerationTravelsInEveryEndpoint() {
    NodeEndpoint again = new NodeEndpoint("bravo", 2);
    assertThat(again.id()).isEqualTo("bravo#2");
    assertThat(NodeEndpoint.parse("bravo#2")).isEqualTo(again).isNotEqualTo(b);
    assertThat(NodeEndpoint.parse("bravo")).isEqualTo(b);
    var op = factory.createUpdateRaftGroupMembersOpBuilder().setMembers(List.of(a, again)).setVotingMembers(List.of(a))
        .setEndpoint(again).setMode(MembershipChangeMode.ADD_LEARNER).build();
    LogEntry back = codec.decodeLogEntry(codec.encodeLogEntry(entry(8, op)));
    assertThat(back.toString()).isEqualTo(entry(8, op).toString());
    RaftMessage vote = factory.createVoteRequestBuilder().setGroupId("kv").setSender(again).setTerm(4)
        .setLastLogTerm(3).setLastLogIndex(8).setSticky(true).build();
    assertThat(codec.decodeMessage(codec.encodeMessage(vote)).getSender()).isEqualTo(again);
    assertThatThrownBy(() -> NodeEndpoint.parse("bravo#x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBatchOfOpsIsOneEntry() {
    BatchOp batch = new BatchOp(List.of(new JsonObject().put("op", "put").put("key", "a"),
        new JsonObject().put("op", "delete").put("key", "b")));
    LogEntry back = codec.decodeLogEntry(codec.encodeLogEntry(entry(9, batch)));
    assertThat(back.getOperation()).isEqualTo(batch);
  }
}
