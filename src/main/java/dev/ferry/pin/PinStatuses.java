package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Each node's status of a batch of pins, gathered with one request per node (for the CIDs it is
 * allocated, or for all of them) and merged per pin into a {@code "peer_map"}; a node that does not
 * answer in {@code cluster.request_timeout_ms} shows as {@code cluster_error}. Also IPFS Cluster's
 * status filter ({@code filter=}) over the merged answers, and each node's few pins in error.
 *
 * <p>Runs on its verticle's context.
 */
final class PinStatuses {
  /** IPFS Cluster's status names (api.TrackerStatus), those a filter may name. */
  static final Set<String> NAMES = Set.of("undefined", "cluster_error", "pin_error", "unpin_error", "pinned",
      "pinning", "unpinning", "unpinned", "remote", "pin_queued", "unpin_queued", "sharded", "unexpectedly_unpinned");
  /** IPFS Cluster's filter groups: {@code error} and {@code queued}. */
  static final Map<String, Set<String>> GROUPS = Map.of(
      "error", Set.of("cluster_error", "pin_error", "unpin_error"),
      "queued", Set.of("pin_queued", "unpin_queued"));

  private final NodeContext node;

  PinStatuses(NodeContext node) {
    this.node = node;
  }

  /**
   * {@code pins} (as the pinset holds them) each with {@code "peer_map": {node: status}}: the nodes
   * each is allocated to (every live node for a pin without allocations), or only this node when
   * {@code onlyHere}. The pins are the caller's, read for this answer: each gets its peer map put in
   * place, not copied.
   *
   * @param recover whether each node retries a failed pin first ({@link TrackerRequest.Batch})
   */
  Future<List<JsonObject>> gather(List<JsonObject> pins, boolean recover, boolean onlyHere) {
    Set<String> live = new TreeSet<>(node.members().names());
    Map<String, List<String>> cidsOf = new TreeMap<>();
    for (JsonObject pin : pins) {
      nodesOf(pin, live, onlyHere).forEach(n -> cidsOf.computeIfAbsent(n, x -> new ArrayList<>()).add(pin.getString("cid")));
    }
    // shorter than the request that asks for the status, so a silent node shows as cluster_error
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    Map<String, Future<JsonObject>> answers = new LinkedHashMap<>();
    cidsOf.forEach((n, cids) -> answers.put(n, node.vertx().eventBus().<JsonObject>request(Addresses.nodePin(n),
        new TrackerRequest.Batch(cids, recover).toJson(), options).map(reply -> reply.body().getJsonObject("statuses"))));
    return Future.join(List.copyOf(answers.values())).transform(x -> {
      String now = Instant.now().toString();
      List<JsonObject> merged = new ArrayList<>(pins.size());
      for (JsonObject pin : pins) {
        JsonObject peerMap = new JsonObject();
        for (String n : nodesOf(pin, live, onlyHere)) {
          Future<JsonObject> answer = answers.get(n);
          peerMap.put(n, answer.succeeded() ? answer.result().getJsonObject(pin.getString("cid"))
              : new JsonObject().put("status", "cluster_error").put("error", "node " + n + " did not answer: "
                  + answer.cause().getMessage()).put("time", now).put("attempts", 0));
        }
        merged.add(pin.put("peer_map", peerMap));
      }
      return Future.succeededFuture(merged);
    });
  }

  /**
   * {@code {"nodes": {node: {"count", "pins": [...]}}}}: each live node's pins in error, as its
   * tracker counts them, with at most {@code limit} of them ({@link TrackerRequest.Errors}); a node
   * that does not answer in {@code cluster.request_timeout_ms} has {@code {"error"}} instead.
   */
  Future<JsonObject> errors(int limit) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    Map<String, Future<JsonObject>> answers = new LinkedHashMap<>();
    new TreeSet<>(node.members().names()).forEach(n -> answers.put(n, node.vertx().eventBus()
        .<JsonObject>request(Addresses.nodePin(n), new TrackerRequest.Errors(limit).toJson(), options)
        .map(reply -> reply.body())));
    return Future.join(List.copyOf(answers.values())).transform(x -> {
      JsonObject nodes = new JsonObject();
      answers.forEach((n, answer) -> nodes.put(n, answer.succeeded() ? answer.result()
          : new JsonObject().put("error", "node " + n + " did not answer: " + answer.cause().getMessage())));
      return Future.succeededFuture(new JsonObject().put("nodes", nodes));
    });
  }

  private Collection<String> nodesOf(JsonObject pin, Set<String> live, boolean onlyHere) {
    if (onlyHere) {
      return List.of(node.name());
    }
    JsonArray allocations = pin.getJsonArray("allocations");
    return allocations.isEmpty() ? live : allocations.stream().map(String::valueOf).toList();
  }

  /**
   * The statuses a filter names: IPFS Cluster's names and groups, as a JSON array or one
   * comma-separated string; null or empty for no filter.
   *
   * @throws FerryException {@code bad-request} naming the unknown status and the known ones
   */
  static Set<String> filter(Object value) {
    if (value == null) {
      return Set.of();
    }
    List<String> names = new ArrayList<>();
    if (value instanceof JsonArray array) {
      array.forEach(name -> names.add(String.valueOf(name)));
    } else if (value instanceof String text) {
      for (String name : text.split(",")) {
        if (!name.isBlank()) {
          names.add(name.trim());
        }
      }
    } else {
      throw FerryException.badRequest("field filter: expected status names, got " + value);
    }
    Set<String> statuses = new TreeSet<>();
    for (String name : names) {
      if (GROUPS.containsKey(name)) {
        statuses.addAll(GROUPS.get(name));
      } else if (NAMES.contains(name)) {
        statuses.add(name);
      } else {
        Set<String> known = new TreeSet<>(NAMES);
        known.addAll(GROUPS.keySet());
        throw FerryException.badRequest("filter: unknown status '" + name + "'; expected one or more of " + known);
      }
    }
    return statuses;
  }

  /** Whether some node's status of {@code pin} (with its peer map) is one of {@code filter}; every pin for none. */
  static boolean matches(JsonObject pin, Set<String> filter) {
    if (filter.isEmpty()) {
      return true;
    }
    JsonObject peerMap = pin.getJsonObject("peer_map");
    return peerMap.fieldNames().stream().anyMatch(n -> filter.contains(peerMap.getJsonObject(n).getString("status")));
  }
}
