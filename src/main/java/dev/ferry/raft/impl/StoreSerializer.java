package dev.ferry.raft.impl;

import io.microraft.RaftEndpoint;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStoreSerializer;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The records of {@link DurableStore}'s SQLite file as ferry's JSON ({@link ModelCodec}); no Java
 * serialization. Counts the bytes of log entries it encodes into {@code logBytes}.
 *
 * <p>Thread-safe (stateless but for the counter).
 */
record StoreSerializer(ModelCodec codec, AtomicLong logBytes) implements RaftStoreSerializer {
  @Override
  public Serializer<RaftGroupMembersView> raftGroupMembersViewSerializer() {
    return of(codec::encodeView, codec::decodeView);
  }

  @Override
  public Serializer<RaftEndpoint> raftEndpointSerializer() {
    return of(e -> ("{\"node\":" + Json.encode(NodeEndpoint.idOf(e)) + "}").getBytes(StandardCharsets.UTF_8),
        b -> NodeEndpoint.parse(ModelReader.text(ModelCodec.tree(b), "node")));
  }

  @Override
  public Serializer<LogEntry> logEntrySerializer() {
    return of(e -> {
      byte[] encoded = codec.encodeLogEntry(e);
      logBytes.addAndGet(encoded.length);
      return encoded;
    }, codec::decodeLogEntry);
  }

  @Override
  public Serializer<SnapshotChunk> snapshotChunkSerializer() {
    return of(codec::encodeChunk, codec::decodeChunk);
  }

  @Override
  public Serializer<RaftEndpointPersistentState> raftEndpointPersistentStateSerializer() {
    throw new UnsupportedOperationException("RaftSqliteStore keeps the local endpoint in its own columns");
  }

  @Override
  public Serializer<RaftTermPersistentState> raftTermPersistentState() {
    throw new UnsupportedOperationException("RaftSqliteStore keeps the term in its own columns");
  }

  /** A serializer of one record type from its two halves. */
  private static <T> Serializer<T> of(Function<T, byte[]> encode, Function<byte[], T> decode) {
    return new Serializer<>() {
      @Override
      public byte[] serialize(T value) {
        return encode.apply(value);
      }

      @Override
      public T deserialize(byte[] bytes) {
        return decode.apply(bytes);
      }
    };
  }
}
