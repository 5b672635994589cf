package dev.ferry.pin;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One part of a node's stream of statuses for a listing ({@link TrackerRequest.Listing}): the
 * node's statuses of some CIDs, in CID order, and whether more follow after the last. Written as
 * parallel columns, {@code {"cids": [...], "statuses": [...], "times": [...], "attempts": [...],
 * "errors": {position: error}, "more"}}, not as an object per status, so a part of thousands of
 * statuses costs a few arrays to write, send between nodes and read; errors are few, so only
 * those that are set are written, by position.
 *
 * <p>Immutable once built; the lists may be the JSON arrays' own (read, never changed).
 */
record StatusChunk(List<String> cids, List<String> statuses, List<String> times, List<Integer> attempts,
    Map<Integer, String> errors, boolean more) implements BusJson {
  int size() {
    return cids.size();
  }

  /** The CID at {@code at}. */
  String cid(int at) {
    return cids.get(at);
  }

  /** The status at {@code at}. */
  PinReply.NodeStatus status(int at) {
    return new PinReply.NodeStatus(statuses.get(at), errors.getOrDefault(at, ""), times.get(at), attempts.get(at));
  }

  @Override
  public JsonObject toJson() {
    JsonObject errorsAt = new JsonObject();
    errors.forEach((at, error) -> errorsAt.put(String.valueOf(at), error));
    return new JsonObject().put("cids", new JsonArray(cids)).put("statuses", new JsonArray(statuses))
        .put("times", new JsonArray(times)).put("attempts", new JsonArray(attempts)).put("errors", errorsAt)
        .put("more", more);
  }

  /**
   * A chunk read from a node's reply.
   *
   * @throws ClassCastException, IllegalArgumentException or NullPointerException for a reply that
   *     is not one (the caller names the node)
   */
  @SuppressWarnings("unchecked")
  static StatusChunk fromJson(JsonObject json) {
    List<String> cids = json.getJsonArray("cids").getList();
    List<String> statuses = json.getJsonArray("statuses").getList();
    List<String> times = json.getJsonArray("times").getList();
    List<Integer> attempts = json.getJsonArray("attempts").getList();
    if (statuses.size() != cids.size() || times.size() != cids.size() || attempts.size() != cids.size()) {
      throw new IllegalArgumentException("columns of different lengths");
    }
    Map<Integer, String> errors = new TreeMap<>();
    json.getJsonObject("errors").forEach(e -> errors.put(Integer.parseInt(e.getKey()), (String) e.getValue()));
    return new StatusChunk(cids, statuses, times, attempts, errors, json.getBoolean("more"));
  }

  /** Builds a chunk a status at a time, in CID order. Not thread-safe. */
  static final class Builder {
    private final List<String> cids = new ArrayList<>();
    private final List<String> statuses = new ArrayList<>();
    private final List<String> times = new ArrayList<>();
    private final List<Integer> attempts = new ArrayList<>();
    private final Map<Integer, String> errors = new TreeMap<>();

    int size() {
      return cids.size();
    }

    Builder add(String cid, PinTracker.Local status) {
      if (!status.error().isEmpty()) {
        errors.put(cids.size(), status.error());
      }
      cids.add(cid);
      statuses.add(status.status());
      times.add(status.time());
      attempts.add(status.attempts());
      return this;
    }

    StatusChunk build(boolean more) {
      return new StatusChunk(cids, statuses, times, attempts, errors, more);
    }
  }
}
