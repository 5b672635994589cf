package dev.ferry.pin;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's pin tracker's answer to a {@link TrackerRequest.Batch}: its status of each CID asked,
 * {@code {"statuses": {cid: {"status", "error", "time", "attempts"}}}}. The tracker's other answers
 * are {@link PinReply.NodeStatus} (one CID), {@link StatusChunk} (a part of a listing) and
 * {@link PinReply.NodeErrors} (its pins in error); {@link PinStatuses} and {@link StatusListing}
 * read them all through {@code BusClient}. Immutable.
 */
record TrackerStatuses(Map<String, PinReply.NodeStatus> statuses) implements BusJson {
  TrackerStatuses {
    statuses = Collections.unmodifiableMap(new LinkedHashMap<>(statuses));
  }

  @Override
  public JsonObject toJson() {
    JsonObject each = new JsonObject();
    statuses.forEach((cid, status) -> each.put(cid, status.toJson()));
    return new JsonObject().put("statuses", each);
  }

  /** The answer in a tracker's reply; throws (the caller names the node) for a reply that is not one. */
  static TrackerStatuses fromJson(JsonObject json) {
    JsonObject each = json.getJsonObject("statuses");
    Map<String, PinReply.NodeStatus> statuses = new LinkedHashMap<>();
    each.fieldNames().forEach(cid -> statuses.put(cid, PinReply.NodeStatus.fromJson(each.getJsonObject(cid))));
    return new TrackerStatuses(statuses);
  }
}
