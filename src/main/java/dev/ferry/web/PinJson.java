package dev.ferry.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.PeerIds;
import dev.ferry.peers.PeerId;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinExport;
import dev.ferry.pin.PinReply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pin service's JSON ({@code ferry.pin}, node names) in IPFS Cluster 1.1's shapes (its
 * {@code api.Pin}, {@code GlobalPinInfo} and {@code AddedOutput}): nodes named by libp2p peer ID
 * (allocations, user allocations, {@code peer_map} keys), {@code peername} the peers.json name,
 * Go's zero values where ferry has nothing ({@value #NO_TIME}, {@code null} for an absent list,
 * map or CID), as Go's {@code encoding/json} writes them. A node whose peer ID this node does not
 * know (never met, none in peers.json) is written by name.
 *
 * <p>Stateless apart from the node's {@link PeerIds}, which is thread-safe.
 */
final class PinJson {
  /** Go's zero {@code time.Time}, what IPFS Cluster writes for a time not set. */
  static final String NO_TIME = PinExport.NO_TIME;
  /** IPFS Cluster's type of a plain data pin (its {@code PinType} "DataType"). */
  static final String DATA_PIN = PinExport.DATA_PIN;

  /** Jackson's defaults, as {@link JsonObject#encode} uses them, but no separator between lines. */
  private static final JsonFactory JSON = new JsonFactoryBuilder().rootValueSeparator((String) null).build();

  private final PeerIds peers;

  PinJson(PeerIds peers) {
    this.peers = peers;
  }

  /** The peer ID of node {@code name}, or its name when it is not known. */
  String peerId(String name) {
    return peers.peerId(name).map(PeerId::toString).orElse(name);
  }

  /** A pin ({@code ferry.pin}'s) as IPFS Cluster's {@code api.Pin}. */
  JsonObject pin(JsonObject pin) {
    return PinExport.apiPin(pin, this::peerId);
  }

  /**
   * A pin with each node's status ({@code peer_map}: node name → {@code {"status", "error",
   * "time", "attempts"}}) as IPFS Cluster's {@code GlobalPinInfo}, encoded.
   *
   * @param daemons each node's daemon peer ID, for {@code ipfs_peer_id} (left out when unknown)
   */
  Buffer globalPinInfo(JsonObject status, Map<String, String> daemons) {
    Map<String, PinReply.NodeStatus> peerMap = new LinkedHashMap<>();
    JsonObject statuses = status.getJsonObject("peer_map", new JsonObject());
    for (String node : statuses.fieldNames()) {
      JsonObject local = statuses.getJsonObject(node);
      peerMap.put(node, new PinReply.NodeStatus(local.getString("status"), local.getString("error", ""),
          local.getString("time", NO_TIME), local.getInteger("attempts", 0)));
    }
    JsonArray allocations = status.getJsonArray("allocations", new JsonArray());
    JsonArray origins = status.getJsonArray("origins");
    JsonObject metadata = status.getJsonObject("metadata");
    return encode(out -> write(out, new Info(status.getString("cid"), status.getString("name", ""),
        allocations == null ? null : strings(allocations), origins == null ? null : strings(origins),
        status.getString("time", NO_TIME), metadata == null ? null : metadata.getMap(), peerMap), daemons));
  }

  /**
   * Pins with each node's status as IPFS Cluster's {@code GlobalPinInfo}, one per line (the lines
   * of a streamed {@code GET /pins}), written straight from the records: no JSON object per pin.
   *
   * @param daemons each node's daemon peer ID, for {@code ipfs_peer_id} (left out when unknown)
   */
  Buffer globalPinInfoLines(List<PinReply.Status> statuses, Map<String, String> daemons) {
    return encode(out -> {
      for (PinReply.Status status : statuses) {
        Pin pin = status.pin();
        Pin.Extras extras = pin.extras();
        write(out, new Info(pin.cid(), pin.name(), pin.allocations(),
            extras.origins().isEmpty() ? null : extras.origins(), pin.time(),
            extras.metadata().isEmpty() ? null : extras.sortedMetadata(), status.peerMap()), daemons);
        out.writeRaw('\n');
      }
    });
  }

  /** What a {@code GlobalPinInfo} says, read from a pin and its statuses; null for Go's nil list or map. */
  private record Info(String cid, String name, List<String> allocations, List<String> origins, String created,
      Map<String, ?> metadata, Map<String, PinReply.NodeStatus> peerMap) {}

  /** {@code info} as IPFS Cluster's {@code GlobalPinInfo}, its fields in its order, as Go's encoding/json writes them. */
  private void write(JsonGenerator out, Info info, Map<String, String> daemons) throws IOException {
    out.writeStartObject();
    writeNullable(out, "cid", info.cid());
    writeNullable(out, "name", info.name());
    out.writeFieldName("allocations");
    writeStrings(out, info.allocations() == null ? null : info.allocations().stream().map(this::peerId).toList());
    out.writeFieldName("origins");
    writeStrings(out, info.origins());
    writeNullable(out, "created", info.created());
    out.writeFieldName("metadata");
    if (info.metadata() == null) {
      out.writeNull();
    } else {
      out.writeStartObject();
      for (Map.Entry<String, ?> entry : info.metadata().entrySet()) {
        writeNullable(out, entry.getKey(), entry.getValue() == null ? null : String.valueOf(entry.getValue()));
      }
      out.writeEndObject();
    }
    out.writeFieldName("peer_map");
    out.writeStartObject();
    for (Map.Entry<String, PinReply.NodeStatus> entry : info.peerMap().entrySet()) {
      String node = entry.getKey();
      PinReply.NodeStatus local = entry.getValue();
      out.writeFieldName(peerId(node));
      out.writeStartObject();
      out.writeStringField("peername", node);
      String daemon = daemons.get(node);
      if (daemon != null && !daemon.isEmpty()) {
        out.writeStringField("ipfs_peer_id", daemon);
      }
      writeNullable(out, "status", local.status());
      writeNullable(out, "timestamp", local.time());
      writeNullable(out, "error", local.error());
      out.writeNumberField("attempt_count", local.attempts());
      out.writeBooleanField("priority_pin", false);
      out.writeEndObject();
    }
    out.writeEndObject();
    out.writeEndObject();
  }

  private static void writeStrings(JsonGenerator out, List<String> values) throws IOException {
    if (values == null) {
      out.writeNull();
      return;
    }
    out.writeStartArray();
    for (String value : values) {
      out.writeString(value);
    }
    out.writeEndArray();
  }

  private static void writeNullable(JsonGenerator out, String field, String value) throws IOException {
    if (value == null) {
      out.writeNullField(field);
    } else {
      out.writeStringField(field, value);
    }
  }

  private static List<String> strings(JsonArray array) {
    List<String> values = new ArrayList<>(array.size());
    array.forEach(value -> values.add(String.valueOf(value)));
    return values;
  }

  /**
   * What {@code writing} writes, in UTF-8, as {@link JsonObject#encode} writes the same values (as
   * characters first, as it does: Jackson's UTF-8 writer would escape characters beyond 16 bits).
   */
  private static Buffer encode(Writing writing) {
    StringWriter text = new StringWriter();
    try (JsonGenerator out = JSON.createGenerator(text)) {
      writing.to(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);   // writing to memory: not expected
    }
    return Buffer.buffer(text.toString());
  }

  private interface Writing {
    void to(JsonGenerator out) throws IOException;
  }

  /**
   * The status of a CID the pinset does not hold, as IPFS Cluster answers it: every node
   * {@code unpinned}, now.
   */
  JsonObject unpinned(String cid, Collection<String> nodes, String now) {
    JsonObject peerMap = new JsonObject();
    for (String node : nodes) {
      peerMap.put(node, new JsonObject().put("status", "unpinned").put("time", now).put("error", "")
          .put("attempts", 0));
    }
    return new JsonObject().put("cid", cid).put("name", "").put("allocations", new JsonArray())
        .put("peer_map", peerMap);
  }

  /** Node names as peer IDs; null stays null (Go's nil slice). */
  JsonArray peerIds(JsonArray names) {
    return PinExport.peerIds(names, this::peerId);
  }

}
