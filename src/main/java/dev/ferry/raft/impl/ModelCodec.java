package dev.ferry.raft.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.groupop.UpdateRaftGroupMembersOp;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MicroRaft's model as JSON, field by field, with Jackson: the Raft messages on the bus and the
 * records in the SQLite store (no Java serialization anywhere). Operations are ferry's JSON ops,
 * the new-term marker and MicroRaft's membership changes; see docs/RAFT.md for the shapes.
 *
 * <p>Stateless and thread-safe. Decoding malformed input throws {@link IllegalArgumentException}.
 */
public final class ModelCodec {
  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

  private final RaftModelFactory factory;
  private final ModelReader reader;

  public ModelCodec(RaftModelFactory factory) {
    this.factory = factory;
    this.reader = new ModelReader(factory);
  }

  public RaftModelFactory factory() {
    return factory;
  }

  /** A Raft message as JSON bytes. */
  public byte[] encodeMessage(RaftMessage message) {
    return write(gen -> writeMessage(gen, message));
  }

  /** The Raft message in these bytes. */
  public RaftMessage decodeMessage(byte[] bytes) {
    return reader.message(tree(bytes));
  }

  public byte[] encodeLogEntry(LogEntry entry) {
    return write(gen -> writeEntry(gen, entry));
  }

  public LogEntry decodeLogEntry(byte[] bytes) {
    return reader.logEntry(tree(bytes));
  }

  public byte[] encodeChunk(SnapshotChunk chunk) {
    return write(gen -> writeChunk(gen, chunk));
  }

  public SnapshotChunk decodeChunk(byte[] bytes) {
    return reader.chunk(tree(bytes));
  }

  public byte[] encodeView(RaftGroupMembersView view) {
    return write(gen -> writeView(gen, view));
  }

  public RaftGroupMembersView decodeView(byte[] bytes) {
    return reader.view(tree(bytes));
  }

  /** The JSON op inside a log entry's operation, or null for Raft's own entries. */
  public static JsonObject userOp(Object operation) {
    return operation instanceof JsonObject op ? op : null;
  }

  /** Plain Jackson tree of bytes, for callers that read a message's envelope only. */
  static JsonNode tree(byte[] bytes) {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
  }

  /** A Vert.x JSON object of a Jackson object node (ops travel as Vert.x JSON inside ferry). */
  static JsonObject toJsonObject(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, got " + node);
    }
    return (JsonObject) plain(node);
  }

  /** Jackson's tree as Vert.x JSON values, directly (Jackson's own conversion goes through tokens). */
  private static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
      return new JsonObject(map);
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(item -> list.add(plain(item)));
      return new JsonArray(list);
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isInt()) {
      return node.intValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? node.longValue() : node.bigIntegerValue();
    }
    return node.isBigDecimal() ? node.decimalValue() : node.doubleValue();
  }

  private interface Writer {
    void write(JsonGenerator gen) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      writer.write(gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeMessage(JsonGenerator gen, RaftMessage m) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("type", ModelReader.typeOf(m));
    gen.writeStringField("group", String.valueOf(m.getGroupId()));
    gen.writeStringField("sender", NodeEndpoint.idOf(m.getSender()));
    gen.writeNumberField("term", m.getTerm());
    if (m instanceof AppendEntriesRequest r) {
      gen.writeNumberField("prevTerm", r.getPreviousLogTerm());
      gen.writeNumberField("prevIndex", r.getPreviousLogIndex());
      gen.writeNumberField("commitIndex", r.getCommitIndex());
      gen.writeNumberField("qsn", r.getQuerySequenceNumber());
      gen.writeNumberField("fcsn", r.getFlowControlSequenceNumber());
      gen.writeArrayFieldStart("entries");
      for (LogEntry entry : r.getLogEntries()) {
        writeEntry(gen, entry);
      }
      gen.writeEndArray();
    } else if (m instanceof AppendEntriesSuccessResponse r) {
      gen.writeNumberField("lastLogIndex", r.getLastLogIndex());
      gen.writeNumberField("qsn", r.getQuerySequenceNumber());
      gen.writeNumberField("fcsn", r.getFlowControlSequenceNumber());
    } else if (m instanceof AppendEntriesFailureResponse r) {
      gen.writeNumberField("expectedNextIndex", r.getExpectedNextIndex());
      gen.writeNumberField("qsn", r.getQuerySequenceNumber());
      gen.writeNumberField("fcsn", r.getFlowControlSequenceNumber());
    } else if (m instanceof InstallSnapshotRequest r) {
      gen.writeBooleanField("senderLeader", r.isSenderLeader());
      gen.writeNumberField("snapshotTerm", r.getSnapshotTerm());
      gen.writeNumberField("snapshotIndex", r.getSnapshotIndex());
      gen.writeNumberField("chunkCount", r.getTotalSnapshotChunkCount());
      gen.writeNumberField("qsn", r.getQuerySequenceNumber());
      gen.writeNumberField("fcsn", r.getFlowControlSequenceNumber());
      writeNames(gen, "snapshotted", r.getSnapshottedMembers());
      if (r.getGroupMembersView() != null) {
        gen.writeFieldName("view");
        writeView(gen, r.getGroupMembersView());
      }
      if (r.getSnapshotChunk() != null) {
        gen.writeFieldName("chunk");
        writeChunk(gen, r.getSnapshotChunk());
      }
    } else if (m instanceof InstallSnapshotResponse r) {
      gen.writeNumberField("snapshotIndex", r.getSnapshotIndex());
      gen.writeNumberField("requestedChunk", r.getRequestedSnapshotChunkIndex());
      gen.writeNumberField("qsn", r.getQuerySequenceNumber());
      gen.writeNumberField("fcsn", r.getFlowControlSequenceNumber());
    } else if (m instanceof PreVoteRequest r) {
      gen.writeNumberField("lastLogTerm", r.getLastLogTerm());
      gen.writeNumberField("lastLogIndex", r.getLastLogIndex());
    } else if (m instanceof PreVoteResponse r) {
      gen.writeBooleanField("granted", r.isGranted());
    } else if (m instanceof VoteRequest r) {
      gen.writeNumberField("lastLogTerm", r.getLastLogTerm());
      gen.writeNumberField("lastLogIndex", r.getLastLogIndex());
      gen.writeBooleanField("sticky", r.isSticky());
    } else if (m instanceof VoteResponse r) {
      gen.writeBooleanField("granted", r.isGranted());
    } else if (m instanceof TriggerLeaderElectionRequest r) {
      gen.writeNumberField("lastLogTerm", r.getLastLogTerm());
      gen.writeNumberField("lastLogIndex", r.getLastLogIndex());
    }
    gen.writeEndObject();
  }

  private static void writeEntry(JsonGenerator gen, LogEntry entry) throws IOException {
    gen.writeStartObject();
    gen.writeNumberField("index", entry.getIndex());
    gen.writeNumberField("term", entry.getTerm());
    writeOperation(gen, entry.getOperation());
    gen.writeEndObject();
  }

  private static void writeChunk(JsonGenerator gen, SnapshotChunk chunk) throws IOException {
    gen.writeStartObject();
    gen.writeNumberField("index", chunk.getIndex());
    gen.writeNumberField("term", chunk.getTerm());
    gen.writeNumberField("chunk", chunk.getSnapshotChunkIndex());
    gen.writeNumberField("chunks", chunk.getSnapshotChunkCount());
    gen.writeFieldName("view");
    writeView(gen, chunk.getGroupMembersView());
    writeOperation(gen, chunk.getOperation());
    gen.writeEndObject();
  }

  static void writeView(JsonGenerator gen, RaftGroupMembersView view) throws IOException {
    gen.writeStartObject();
    gen.writeNumberField("logIndex", view.getLogIndex());
    writeNames(gen, "members", view.getMembers());
    writeNames(gen, "voters", view.getVotingMembers());
    gen.writeEndObject();
  }

  /** The operation's own fields: {@code op}, {@code batch}, {@code newTerm}, {@code store} or {@code membership}. */
  private static void writeOperation(JsonGenerator gen, Object operation) throws IOException {
    if (operation instanceof JsonObject op) {
      gen.writeFieldName("op");
      gen.writeRawValue(op.encode());
    } else if (operation instanceof SnapshotPart part) {
      gen.writeFieldName("op");
      gen.writeRawValue(part.json().encode());
    } else if (operation instanceof BatchOp batch) {
      gen.writeFieldName("batch");
      gen.writeRawValue(batch.json());
    } else if (operation instanceof NewTermOp marker) {
      gen.writeNumberField("newTerm", marker.term());
    } else if (operation instanceof StoreRecordOp record) {
      gen.writeObjectFieldStart("store");
      gen.writeStringField("endpoint", record.endpoint());
      gen.writeStringField("id", record.storeId());
      gen.writeEndObject();
    } else if (operation instanceof UpdateRaftGroupMembersOp op) {
      gen.writeObjectFieldStart("membership");
      writeNames(gen, "members", op.getMembers());
      writeNames(gen, "voters", op.getVotingMembers());
      gen.writeStringField("endpoint", NodeEndpoint.idOf(op.getEndpoint()));
      gen.writeStringField("mode", op.getMode().name());
      gen.writeEndObject();
    } else {
      throw new IllegalArgumentException("no JSON form for an operation of type "
          + (operation == null ? "null" : operation.getClass().getName()));
    }
  }

  static void writeNames(JsonGenerator gen, String field, Collection<RaftEndpoint> endpoints) throws IOException {
    gen.writeArrayFieldStart(field);
    if (endpoints != null) {
      for (RaftEndpoint e : endpoints) {
        gen.writeString(NodeEndpoint.idOf(e));
      }
    }
    gen.writeEndArray();
  }

  /** Names in a JSON array as endpoints, in order. */
  static List<RaftEndpoint> endpoints(JsonNode array) {
    List<RaftEndpoint> list = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> list.add(NodeEndpoint.parse(n.asText())));
    }
    return list;
  }

  static MembershipChangeMode mode(String text) {
    try {
      return MembershipChangeMode.valueOf(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unknown membership change mode " + text, e);
    }
  }
}
