package dev.ferry.raft;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterOutputStream;

/**
 * Snapshot chunks for a {@link StateMachine} whose state is a collection of items: each chunk is
 * {@code {"<field>": packed}} with at most a given number of items, where {@code packed} is the
 * items' JSON, one per line, deflated and in base64 (a chunk is one string, not a tree of JSON
 * values, which took several times the heap while it was made, sent or restored). An empty state is
 * one empty chunk (MicroRaft needs at least one). Chunks written before packing,
 * {@code {"<field>": [item, ...]}}, are read as well. Stateless.
 */
public final class SnapshotChunks {
  private SnapshotChunks() {}

  /**
   * A snapshot ({@link StateMachine#capture}) of {@code items}, a list that no longer changes
   * (captured): chunks of at most {@code perChunk} of them under {@code field}, each packed when
   * it is asked for, on any thread.
   */
  public static <T> StateMachine.Snapshot of(List<T> items, String field, int perChunk, Function<T, Object> encode) {
    return StateMachine.Snapshot.ofRanges(items.size(), perChunk, (from, to) -> {
      Packer chunk = new Packer();
      items.subList(from, to).forEach(item -> chunk.add(encode.apply(item)));
      return new JsonObject().put(field, chunk.finish());
    });
  }

  /** Hands every item of {@code chunks} (made by {@link #of}) to {@code item}, in order, one chunk at a time. */
  public static void read(List<JsonObject> chunks, String field, Consumer<Object> item) {
    for (JsonObject chunk : chunks) {
      Object items = chunk.getValue(field);
      if (items instanceof JsonArray array) {
        array.forEach(item);
      } else {
        unpack((String) items, item);
      }
    }
  }

  private static void unpack(String packed, Consumer<Object> item) {
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    Inflater inflater = new Inflater();
    try (InflaterOutputStream out = new InflaterOutputStream(lines, inflater)) {
      out.write(Base64.getDecoder().decode(packed));
    } catch (IOException e) {
      throw new UncheckedIOException("a snapshot chunk does not inflate", e);
    } finally {
      inflater.end();
    }
    Buffer all = Buffer.buffer(lines.toByteArray());
    int start = 0;
    for (int i = 0; i < all.length(); i++) {
      if (all.getByte(i) == '\n') {
        item.accept(Json.decodeValue(all.slice(start, i)));
        start = i + 1;
      }
    }
  }

  /** Items of one chunk, each one line of JSON, deflated as they come. */
  private static final class Packer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final DeflaterOutputStream out = new DeflaterOutputStream(bytes, deflater);

    void add(Object item) {
      try {
        out.write(Json.encode(item).getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not fail
      }
    }

    String finish() {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        deflater.end();
      }
      return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
  }
}
