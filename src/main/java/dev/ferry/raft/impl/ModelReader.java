package dev.ferry.raft.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.AppendEntriesFailureResponse;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.InstallSnapshotResponse;
import io.microraft.model.message.PreVoteRequest;
import io.microraft.model.message.PreVoteResponse;
import io.microraft.model.message.RaftMessage;
import io.microraft.model.message.TriggerLeaderElectionRequest;
import io.microraft.model.message.VoteRequest;
import io.microraft.model.message.VoteResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoding half of {@link ModelCodec}: JSON trees back into MicroRaft's model, built with its
 * {@link RaftModelFactory}. Stateless and thread-safe; malformed input throws
 * {@link IllegalArgumentException} naming the missing field.
 */
final class ModelReader {
  private final RaftModelFactory factory;

  ModelReader(RaftModelFactory factory) {
    this.factory = factory;
  }

  /** The wire name of a message's type. */
  static String typeOf(RaftMessage m) {
    if (m instanceof AppendEntriesRequest) {
      return "append";
    } else if (m instanceof AppendEntriesSuccessResponse) {
      return "append-ok";
    } else if (m instanceof AppendEntriesFailureResponse) {
      return "append-fail";
    } else if (m instanceof InstallSnapshotRequest) {
      return "snapshot";
    } else if (m instanceof InstallSnapshotResponse) {
      return "snapshot-ack";
    } else if (m instanceof PreVoteRequest) {
      return "prevote";
    } else if (m instanceof PreVoteResponse) {
      return "prevote-ack";
    } else if (m instanceof VoteRequest) {
      return "vote";
    } else if (m instanceof VoteResponse) {
      return "vote-ack";
    } else if (m instanceof TriggerLeaderElectionRequest) {
      return "trigger-election";
    }
    throw new IllegalArgumentException("unknown Raft message type " + m.getClass().getName());
  }

  RaftMessage message(JsonNode n) {
    String type = text(n, "type");
    Object group = text(n, "group");
    NodeEndpoint sender = NodeEndpoint.parse(text(n, "sender"));
    int term = integer(n, "term");
    return switch (type) {
      case "append" -> factory.createAppendEntriesRequestBuilder().setGroupId(group).setSender(sender).setTerm(term)
          .setPreviousLogTerm(integer(n, "prevTerm")).setPreviousLogIndex(number(n, "prevIndex"))
          .setCommitIndex(number(n, "commitIndex")).setQuerySequenceNumber(number(n, "qsn"))
          .setFlowControlSequenceNumber(number(n, "fcsn")).setLogEntries(entries(n.get("entries"))).build();
      case "append-ok" -> factory.createAppendEntriesSuccessResponseBuilder().setGroupId(group).setSender(sender)
          .setTerm(term).setLastLogIndex(number(n, "lastLogIndex")).setQuerySequenceNumber(number(n, "qsn"))
          .setFlowControlSequenceNumber(number(n, "fcsn")).build();
      case "append-fail" -> factory.createAppendEntriesFailureResponseBuilder().setGroupId(group).setSender(sender)
          .setTerm(term).setExpectedNextIndex(number(n, "expectedNextIndex")).setQuerySequenceNumber(number(n, "qsn"))
          .setFlowControlSequenceNumber(number(n, "fcsn")).build();
      case "snapshot" -> factory.createInstallSnapshotRequestBuilder().setGroupId(group).setSender(sender)
          .setTerm(term).setSenderLeader(n.path("senderLeader").asBoolean())
          .setSnapshotTerm(integer(n, "snapshotTerm")).setSnapshotIndex(number(n, "snapshotIndex"))
          .setTotalSnapshotChunkCount(integer(n, "chunkCount")).setQuerySequenceNumber(number(n, "qsn"))
          .setFlowControlSequenceNumber(number(n, "fcsn"))
          .setSnapshottedMembers(ModelCodec.endpoints(n.get("snapshotted")))
          .setGroupMembersView(n.hasNonNull("view") ? view(n.get("view")) : null)
          .setSnapshotChunk(n.hasNonNull("chunk") ? chunk(n.get("chunk")) : null).build();
      case "snapshot-ack" -> factory.createInstallSnapshotResponseBuilder().setGroupId(group).setSender(sender)
          .setTerm(term).setSnapshotIndex(number(n, "snapshotIndex"))
          .setRequestedSnapshotChunkIndex(integer(n, "requestedChunk")).setQuerySequenceNumber(number(n, "qsn"))
          .setFlowControlSequenceNumber(number(n, "fcsn")).build();
      case "prevote" -> factory.createPreVoteRequestBuilder().setGroupId(group).setSender(sender).setTerm(term)
          .setLastLogTerm(integer(n, "lastLogTerm")).setLastLogIndex(number(n, "lastLogIndex")).build();
      case "prevote-ack" -> factory.createPreVoteResponseBuilder().setGroupId(group).setSender(sender).setTerm(term)
          .setGranted(n.path("granted").asBoolean()).build();
      case "vote" -> factory.createVoteRequestBuilder().setGroupId(group).setSender(sender).setTerm(term)
          .setLastLogTerm(integer(n, "lastLogTerm")).setLastLogIndex(number(n, "lastLogIndex"))
          .setSticky(n.path("sticky").asBoolean()).build();
      case "vote-ack" -> factory.createVoteResponseBuilder().setGroupId(group).setSender(sender).setTerm(term)
          .setGranted(n.path("granted").asBoolean()).build();
      case "trigger-election" -> factory.createTriggerLeaderElectionRequestBuilder().setGroupId(group)
          .setSender(sender).setTerm(term).setLastLogTerm(integer(n, "lastLogTerm"))
          .setLastLogIndex(number(n, "lastLogIndex")).build();
      default -> throw new IllegalArgumentException("unknown Raft message type '" + type + "'");
    };
  }

  LogEntry logEntry(JsonNode n) {
    return factory.createLogEntryBuilder().setIndex(number(n, "index")).setTerm(integer(n, "term"))
        .setOperation(operation(n)).build();
  }

  SnapshotChunk chunk(JsonNode n) {
    return factory.createSnapshotChunkBuilder().setIndex(number(n, "index")).setTerm(integer(n, "term"))
        .setSnapshotChunkIndex(integer(n, "chunk")).setSnapshotChunkCount(integer(n, "chunks"))
        .setGroupMembersView(view(required(n, "view"))).setOperation(chunkOperation(n)).build();
  }

  /** A snapshot chunk's operation: its JSON as a {@link SnapshotPart}, which the store may later read back. */
  private Object chunkOperation(JsonNode n) {
    Object operation = operation(n);
    return operation instanceof JsonObject json ? new SnapshotPart(json) : operation;
  }

  RaftGroupMembersView view(JsonNode n) {
    return factory.createRaftGroupMembersViewBuilder().setLogIndex(number(n, "logIndex"))
        .setMembers(ModelCodec.endpoints(n.get("members"))).setVotingMembers(ModelCodec.endpoints(n.get("voters")))
        .build();
  }

  private List<LogEntry> entries(JsonNode array) {
    List<LogEntry> list = new ArrayList<>();
    if (array != null) {
      array.forEach(e -> list.add(logEntry(e)));
    }
    return list;
  }

  private Object operation(JsonNode n) {
    if (n.hasNonNull("op")) {
      return ModelCodec.toJsonObject(n.get("op"));
    }
    if (n.hasNonNull("batch")) {
      List<JsonObject> ops = new ArrayList<>();
      JsonNode batch = n.get("batch");
      batch.forEach(op -> ops.add(ModelCodec.toJsonObject(op)));
      return new BatchOp(ops, batch.toString());
    }
    if (n.hasNonNull("newTerm")) {
      return new NewTermOp(integer(n, "newTerm"));
    }
    JsonNode store = n.get("store");
    if (store != null) {
      return new StoreRecordOp(text(store, "endpoint"), text(store, "id"));
    }
    JsonNode m = n.get("membership");
    if (m != null) {
      return factory.createUpdateRaftGroupMembersOpBuilder()
          .setMembers(ModelCodec.endpoints(m.get("members")))
          .setVotingMembers(ModelCodec.endpoints(m.get("voters")))
          .setEndpoint(NodeEndpoint.parse(text(m, "endpoint")))
          .setMode(ModelCodec.mode(text(m, "mode"))).build();
    }
    throw new IllegalArgumentException("entry has no operation (op, batch, newTerm, store or membership)");
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode value = n.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return value;
  }

  static String text(JsonNode n, String field) {
    JsonNode value = required(n, field);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is not a string");
    }
    return value.asText();
  }

  static long number(JsonNode n, String field) {
    JsonNode value = required(n, field);
    if (!value.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + field + "' is not an integer");
    }
    return value.asLong();
  }

  static int integer(JsonNode n, String field) {
    JsonNode value = required(n, field);
    if (!value.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + field + "' is not an int");
    }
    return value.asInt();
  }
}
