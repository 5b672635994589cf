package dev.ferry.pin;

import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
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

    /** This change, committed at log index {@code index}. */
    Change committedAt(long index) {
      return new Change(pin, removed, index);
    }
  }

  /**
   * The answer to pinning many ({@link PinClient#pinEach}): how many were pinned, each refused one
   * (its position in the request, CID, error code and message), and the highest log index of the
   * proposals (a {@code min_index} for reads on other nodes; 0 when none was made).
   */
  record Batch(int pinned, List<Refusal> refused, long committed) implements PinReply {
    public Batch {
      refused = List.copyOf(refused);
    }

    /** A pin of a batch that was not pinned: its position in the batch, its CID, why. */
    public record Refusal(int at, String cid, String code, String message) {
      JsonObject toJson() {
        return new JsonObject().put("at", at).put("cid", cid).put("code", code).put("message", message);
      }

      static Refusal fromJson(JsonObject json) {
        return new Refusal(json.getInteger("at"), json.getString("cid"), json.getString("code"),
            json.getString("message"));
      }
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("pinned", pinned)
          .put("refused", new JsonArray(refused.stream().map(Refusal::toJson).toList())).put("committed", committed);
    }

    static Batch fromJson(JsonObject json) {
      return new Batch(json.getInteger("pinned"), json.getJsonArray("refused").stream()
          .map(r -> Refusal.fromJson((JsonObject) r)).toList(), json.getLong("committed", 0L));
    }

    /** The pinset's answer to a {@code pins} op ({@code applied}, {@code refused}), and its {@code committed} index if it has one. */
    static Batch fromApplied(JsonObject json) {
      return fromJson(json.copy().put("pinned", json.getInteger("applied")));
    }

    /** This batch, committed at log index {@code index}. */
    Batch committedAt(long index) {
      return new Batch(pinned, refused, index);
    }

    /** Every one of {@code ops} refused with {@code e}: their proposal failed. */
    static Batch allRefused(List<PinOp> ops, FerryException e) {
      List<Refusal> refused = new ArrayList<>(ops.size());
      for (int at = 0; at < ops.size(); at++) {
        refused.add(new Refusal(at, ops.get(at).cid(), e.code(), e.getMessage()));
      }
      return new Batch(0, refused, 0);
    }

    /** This batch with each refusal's position {@code at} replaced by {@code positions.get(at)}. */
    Batch at(List<Integer> positions) {
      return new Batch(pinned, refused.stream()
          .map(r -> new Refusal(positions.get(r.at()), r.cid(), r.code(), r.message())).toList(), committed);
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
      return new JsonObject().put("pins", new JsonArray(pins.stream().map(Pin::toJson).toList())).put("count", count)
          .put("more", more);
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

  /**
   * One node's pins in error: how many ({@code pin_error} and {@code unpin_error}) and a few of
   * them by CID; or, when the node did not answer, {@code error} says why (count 0, no pins).
   */
  record NodeErrors(long count, Map<String, NodeStatus> pins, String error) implements PinReply {
    public NodeErrors {
      pins = Collections.unmodifiableMap(new LinkedHashMap<>(pins));
    }

    @Override
    public JsonObject toJson() {
      if (error != null) {
        return new JsonObject().put("error", error);
      }
      JsonArray list = new JsonArray();
      pins.forEach((cid, status) -> list.add(status.toJson().put("cid", cid)));
      return new JsonObject().put("count", count).put("pins", list);
    }

    static NodeErrors fromJson(JsonObject json) {
      Map<String, NodeStatus> pins = new LinkedHashMap<>();
      json.getJsonArray("pins", new JsonArray()).forEach(p -> {
        JsonObject pin = (JsonObject) p;
        pins.put(pin.getString("cid"), NodeStatus.fromJson(pin));
      });
      return new NodeErrors(json.getLong("count", 0L), pins, json.getString("error"));
    }
  }

  /** Each live node's pins in error ({@link NodeErrors}), by node name. */
  record Errors(Map<String, NodeErrors> nodes) implements PinReply {
    public Errors {
      nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject();
      nodes.forEach((node, errors) -> json.put(node, errors.toJson()));
      return new JsonObject().put("nodes", json);
    }

    static Errors fromJson(JsonObject json) {
      JsonObject nodes = json.getJsonObject("nodes");
      Map<String, NodeErrors> read = new LinkedHashMap<>();
      nodes.fieldNames().forEach(node -> read.put(node, NodeErrors.fromJson(nodes.getJsonObject(node))));
      return new Errors(read);
    }
  }

  /** The cluster's peers as the pin service counts them (the pinset group's members), by name, sorted. */
  record Members(List<String> members) implements PinReply {
    public Members {
      members = List.copyOf(members);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("members", new JsonArray(members));
    }

    static Members fromJson(JsonObject json) {
      return new Members(json.getJsonArray("members").stream().map(String.class::cast).toList());
    }
  }

  /** The pinset's read index ({@link PinRequest.ReadIndex}). */
  record ReadIndex(long index) implements PinReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("index", index);
    }

    static ReadIndex fromJson(JsonObject json) {
      return new ReadIndex(json.getLong("index"));
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
