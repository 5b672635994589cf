package dev.ferry.pin;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pin service's answers on {@code ferry.pin} (docs/ADDRESSES.md) as {@link PinClient} returns
 * them: records read from the reply's JSON that write it back ({@link #toJson}) for the HTTP API
 * and the IPFS proxy, which pass it on in their own shapes. Immutable.
 */
public sealed interface PinReply extends BusJson {
  /**
   * The answer to a change ({@code pin}, {@code unpin}): the pin as the pinset holds it now (as it
   * held it, when {@code removed}), and the log index of the change, a {@code min_index} for reads
   * on other nodes.
   */
  record Change(Pin pin, boolean removed, long committed) implements PinReply {
    @Override
    public JsonObject toJson() {
      JsonObject json = pin.toJson();
      if (removed) {
        json.put("removed", true);
      }
      return json.put("committed", committed);
    }

    static Change fromJson(JsonObject json) {
      return new Change(Pin.fromJson(json), json.getBoolean("removed", false), json.getLong("committed", 0L));
    }
  }

  /**
   * A listing of the pinset, in CID order: {@code pins}; for one page of it, how many pins the
   * pinset holds ({@code count}) and whether more follow ({@code more}).
   */
  record Page(List<Pin> pins, long count, boolean more) implements PinReply {
    public Page {
      pins = List.copyOf(pins);
    }

    /** The CID the next page starts after, or null after the last page. */
    public String next() {
      return more && !pins.isEmpty() ? pins.get(pins.size() - 1).cid() : null;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("pins", new JsonArray(pins.stream().map(Pin::toJson).toList()))
          .put("count", count).put("more", more);
    }

    static Page fromJson(JsonObject json) {
      List<Pin> pins = json.getJsonArray("pins").stream().map(p -> Pin.fromJson((JsonObject) p)).toList();
      return new Page(pins, json.getLong("count", (long) pins.size()), json.getBoolean("more", false));
    }
  }

  /**
   * One node's status of a pin: IPFS Cluster's status name ({@code pinned}, {@code pin_error},
   * {@code remote}, {@code cluster_error} when the node did not answer, ...), the error if it is
   * one ({@code ""} if not), since when, and how many pins it took.
   */
  record NodeStatus(String status, String error, String time, int attempts) implements PinReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("status", status).put("error", error).put("time", time).put("attempts", attempts);
    }

    static NodeStatus fromJson(JsonObject json) {
      return new NodeStatus(json.getString("status"), json.getString("error", ""), json.getString("time"),
          json.getInteger("attempts", 0));
    }
  }

  /** A pin with the status of it on each node asked ({@code peer_map}), in the order they were asked. */
  record Status(Pin pin, Map<String, NodeStatus> peerMap) implements PinReply {
    public Status {
      peerMap = Collections.unmodifiableMap(new LinkedHashMap<>(peerMap));
    }

    @Override
    public JsonObject toJson() {
      JsonObject peers = new JsonObject();
      peerMap.forEach((node, status) -> peers.put(node, status.toJson()));
      return pin.toJson().put("peer_map", peers);
    }

    static Status fromJson(JsonObject json) {
      JsonObject peers = json.getJsonObject("peer_map");
      Map<String, NodeStatus> peerMap = new LinkedHashMap<>();
      peers.fieldNames().forEach(node -> peerMap.put(node, NodeStatus.fromJson(peers.getJsonObject(node))));
      return new Status(Pin.fromJson(json), peerMap);
    }
  }

  /** A page of statuses, in CID order, and the CID the next page starts after (null: none follows). */
  record StatusPage(List<Status> pins, String next) implements PinReply {
    public StatusPage {
      pins = List.copyOf(pins);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("pins", new JsonArray(pins.stream().map(Status::toJson).toList())).put("next", next);
    }

    static StatusPage fromJson(JsonObject json) {
      return new StatusPage(json.getJsonArray("pins").stream().map(p -> Status.fromJson((JsonObject) p)).toList(),
          json.getString("next"));
    }
  }
}
