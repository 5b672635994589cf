package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import io.vertx.core.AsyncResult;
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
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Each node's status of a batch of pins, gathered with one request per node (for the CIDs it is
 * allocated, or for all of them) and merged per pin into a {@code "peer_map"} that names every
 * peer of the cluster, as IPFS Cluster's does: the members of the pinset's Raft group
 * ({@link GroupMembers}); those not allocated the pin are {@code remote} without being asked, a
 * node asked that does not answer in {@code cluster.request_timeout_ms} is {@code cluster_error}.
 * Also IPFS Cluster's status filter ({@code filter=}) over the merged answers, and each node's few
 * pins in error.
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
  /** A peer's status of a pin allocated to other peers only. */
  static final String REMOTE = "remote";
  /** The status of a peer that did not answer. */
  static final String CLUSTER_ERROR = "cluster_error";

  private final NodeContext node;
  private final Supplier<Future<Set<String>>> members;
  private final BusClient bus;
  /** Shorter than the request that asks for the status, so a silent node shows as cluster_error. */
  private final DeliveryOptions options;

  /** @param members the pinset group's members, as {@link GroupMembers#get} reads them */
  PinStatuses(NodeContext node, Supplier<Future<Set<String>>> members) {
    this.node = node;
    this.members = members;
    this.bus = BusClient.of(node.vertx());
    this.options = askNodes(node);
  }

  /** How each node's tracker is asked: it may take {@code cluster.request_timeout_ms} to answer. */
  static DeliveryOptions askNodes(NodeContext node) {
    return new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
  }

  /**
   * {@code pins} (as the pinset holds them) each with {@code "peer_map": {node: status}}: every
   * peer, the nodes each is allocated to (every peer for a pin without allocations) asked, the
   * others {@code remote} since now; or only this node when {@code onlyHere}. The pins are the
   * caller's, read for this answer: each gets its peer map put in place, not copied.
   *
   * @param recover whether each node retries a failed pin first ({@link TrackerRequest.Batch})
   */
  Future<List<JsonObject>> gather(List<JsonObject> pins, boolean recover, boolean onlyHere) {
    Future<Set<String>> peers = onlyHere ? Future.succeededFuture(Set.of(node.name()))
        : members.get().otherwise(e -> Set.copyOf(node.members().names()));
    return peers.compose(inGroup -> gather(pins, recover, onlyHere, new TreeSet<>(inGroup)));
  }

  private Future<List<JsonObject>> gather(List<JsonObject> pins, boolean recover, boolean onlyHere,
      SortedSet<String> peers) {
    Map<String, List<String>> cidsOf = new TreeMap<>();
    for (JsonObject pin : pins) {
      nodesOf(pin, peers, onlyHere).forEach(n -> cidsOf.computeIfAbsent(n, x -> new ArrayList<>()).add(pin.getString("cid")));
    }
    return bus.askEach(cidsOf.keySet(), Addresses::nodePin, n -> new TrackerRequest.Batch(cidsOf.get(n), recover),
        options, TrackerStatuses::fromJson).map(answers -> {
          String now = Instant.now().toString();
          List<JsonObject> merged = new ArrayList<>(pins.size());
          for (JsonObject pin : pins) {
            String cid = pin.getString("cid");
            JsonObject peerMap = new JsonObject();
            Collection<String> asked = nodesOf(pin, peers, onlyHere);
            for (String n : asked) {
              AsyncResult<TrackerStatuses> answer = answers.get(n);
              PinReply.NodeStatus status = answer.succeeded() ? answer.result().statuses().get(cid) : null;
              if (status == null) {  // the message only then: this loop runs for every pin of a listing
                status = new PinReply.NodeStatus(CLUSTER_ERROR, answer.failed()
                    ? "node " + n + " did not answer: " + answer.cause().getMessage()
                    : "node " + n + " did not say its status of " + cid, now, 0);
              }
              peerMap.put(n, status.toJson());
            }
            if (!onlyHere) {
              for (String peer : peers) {
                if (!asked.contains(peer)) {
                  peerMap.put(peer, new PinReply.NodeStatus(REMOTE, "", now, 0).toJson());
                }
              }
            }
            merged.add(pin.put("peer_map", peerMap));
          }
          return merged;
        });
  }

  /**
   * Each live node's pins in error, as its tracker counts them, with at most {@code limit} of them
   * ({@link TrackerRequest.Errors}); a node that does not answer in {@code cluster.request_timeout_ms}
   * has its {@code error} instead.
   */
  Future<PinReply.Errors> errors(int limit) {
    return bus.askEach(new TreeSet<>(node.members().names()), Addresses::nodePin, n -> new TrackerRequest.Errors(limit),
        options, PinReply.NodeErrors::fromJson).map(answers -> {
          Map<String, PinReply.NodeErrors> nodes = new LinkedHashMap<>();
          answers.forEach((n, answer) -> nodes.put(n, answer.succeeded() ? answer.result()
              : new PinReply.NodeErrors(0, Map.of(), "node " + n + " did not answer: " + answer.cause().getMessage())));
          return new PinReply.Errors(nodes);
        });
  }

  /** The nodes asked for their status of {@code pin}: its allocations, or every peer for a pin on all. */
  private Collection<String> nodesOf(JsonObject pin, SortedSet<String> peers, boolean onlyHere) {
    if (onlyHere) {
      return List.of(node.name());
    }
    JsonArray allocations = pin.getJsonArray("allocations");
    return allocations.isEmpty() ? peers : allocations.stream().map(String::valueOf).toList();
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

  /**
   * IPFS Cluster's filter over one pin's peer map (in place): only the entries it keeps stay
   * ({@link #keeps}); whether the pin is listed ({@link #lists}: some node that answered has a
   * status in the filter). Every pin is listed, whole, for an empty filter.
   */
  static boolean matches(JsonObject pin, Set<String> filter) {
    if (filter.isEmpty()) {
      return true;
    }
    JsonObject peerMap = pin.getJsonObject("peer_map");
    boolean listed = false;
    for (String n : List.copyOf(peerMap.fieldNames())) {
      String status = peerMap.getJsonObject(n).getString("status");
      listed |= lists(filter, status);
      if (!keeps(filter, status)) {
        peerMap.remove(n);
      }
    }
    return listed;
  }

  /**
   * Whether a filter keeps a peer's entry of {@code status} in a pin's peer map: one in the filter,
   * and always that of a peer that did not answer ({@code cluster_error}), as IPFS Cluster adds
   * those to every pin it lists; every entry for an empty filter.
   */
  static boolean keeps(Set<String> filter, String status) {
    return filter.isEmpty() || filter.contains(status) || status.equals(CLUSTER_ERROR);
  }

  /**
   * Whether a peer's entry of {@code status} lists its pin under a filter: a peer that answered,
   * with a status in the filter (or any, for an empty filter). A {@code cluster_error} alone never
   * lists a pin, as in IPFS Cluster, whose peers never report it themselves.
   */
  static boolean lists(Set<String> filter, String status) {
    return !status.equals(CLUSTER_ERROR) && (filter.isEmpty() || filter.contains(status));
  }
}
