package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.Committed;
import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's pin service as any node answers it on {@code ferry.pin} (docs/ADDRESSES.md):
 * proposes pinset changes to Raft (a pin is one proposal that names the live nodes; the pinset
 * allocates it when it applies it), gathers each allocated node's status, and moves the pins of a
 * node that left to live nodes.
 *
 * <p>Runs on its verticle's context.
 */
final class PinService {
  private static final Logger log = LoggerFactory.getLogger(PinService.class);

  private final NodeContext node;
  private final PinConfig config;
  private final RaftClient raft;

  PinService(NodeContext node, PinConfig config, RaftClient raft) {
    this.node = node;
    this.config = config;
    this.raft = raft;
  }

  /** Answers one request on {@code ferry.pin}. */
  Future<JsonObject> handle(JsonObject request) {
    String op = request == null ? null : request.getString("op");
    if (op == null) {
      return Future.failedFuture(FerryException.badRequest("field op: expected one of pin, unpin, get, list, status, "
          + "recover"));
    }
    try {
      return switch (op) {
        case "pin" -> pin(request);
        case "unpin" -> propose(new PinOp.Remove(cid(request)));
        case "get" -> query(new JsonObject().put("op", "get").put("cid", cid(request)));
        case "list" -> query(new JsonObject().put("op", "list"));
        case "status" -> status(cid(request), "status");
        case "recover" -> status(cid(request), "recover");
        default -> throw FerryException.badRequest("field op: expected one of pin, unpin, get, list, status, recover;"
            + " got " + op);
      };
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * A member left: if this node is the lowest-named live one, it moves that node's pins to live
   * nodes. The pinset's group may be electing a new leader (the one that left may have led it), so
   * a failed pass is tried again every {@code pin.retry_interval_ms} for up to
   * {@code pin.reallocate_within_ms}. A node that had not yet seen the member leave may still
   * allocate a pin to it, and that pin may commit after the first pass read the pinset; it commits
   * within a pin request's deadline ({@code pin.request_timeout_ms}), so a second pass after that
   * moves it too.
   */
  void nodeLeft(String gone) {
    Set<String> live = live();
    if (live.isEmpty() || !live.iterator().next().equals(node.name())) {
      return;
    }
    moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos());
    node.vertx().setTimer(config.requestTimeout().toMillis(),
        t -> moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos()));
  }

  private void moveOff(String gone, long deadline) {
    if (live().contains(gone)) {
      return;   // back already: its pins stay where they are
    }
    query(new JsonObject().put("op", "list"))
        .compose(list -> {
          List<Pin> pins = list.getJsonArray("pins").stream().map(p -> Pin.fromJson((JsonObject) p)).toList();
          List<Future<?>> moves = new ArrayList<>();
          for (Pin pin : pins) {
            if (pin.allocations().contains(gone)) {
              moves.add(move(pin, gone));
            }
          }
          return Future.all(moves);
        })
        .onFailure(e -> {
          if (System.nanoTime() < deadline) {
            log.debug("pins of {} not moved yet: {}; trying again", gone, e.getMessage());
            node.vertx().setTimer(config.retryInterval().toMillis(), t -> moveOff(gone, deadline));
          } else {
            log.warn("pins of {} were not moved: {}; they stay under-replicated until it returns or they are "
                + "pinned again", gone, e.getMessage());
          }
        });
  }

  /** Proposes that {@code pin} move off {@code gone}: the pinset chooses its new nodes among the live ones. */
  private Future<?> move(Pin pin, String gone) {
    SortedSet<String> live = live();
    live.remove(gone);
    return propose(new PinOp.Reallocate(pin.cid(), List.copyOf(live)))
        .onSuccess(moved -> log.info("pin {}: {} left, now allocated to {}", pin.cid(), gone,
            moved.getJsonArray("allocations")));
  }

  private Future<JsonObject> pin(JsonObject request) {
    String cid = cid(request);
    int min = request.getValue("replication_min") == null ? config.replicationMin() : request.getInteger("replication_min");
    int max = request.getValue("replication_max") == null ? config.replicationMax() : request.getInteger("replication_max");
    // before allocating: the allocator's "too few nodes" would be a 503 for what is the caller's mistake
    Pin.checkBounds(min, max, request.getValue("replication_min") == null ? "the default pin.replication_min"
        : "replication_min", request.getValue("replication_max") == null ? "the default pin.replication_max"
        : "replication_max");
    // one proposal and nothing else: the pinset allocates when it applies the op, from the nodes
    // this node sees live and the pins each holds then; too few live nodes fails here already
    SortedSet<String> live = live();
    Allocator.allocate(min, max, List.of(), live, n -> 0, true);
    Pin pin = new Pin(cid, request.getString("name", ""), min, max, List.of(), node.name(), Instant.now().toString(), 0);
    return propose(new PinOp.Place(pin, List.copyOf(live)));
  }

  /** The pin with every allocated node's status of it (after asking them to retry, for {@code recover}). */
  private Future<JsonObject> status(String cid, String nodeOp) {
    return query(new JsonObject().put("op", "get").put("cid", cid)).compose(pin -> {
      List<String> nodes = new ArrayList<>();
      pin.getJsonArray("allocations").forEach(n -> nodes.add((String) n));
      if (nodes.isEmpty()) {
        nodes.addAll(live());
      }
      // shorter than the request that asks for the status, so a silent node shows as cluster_error
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
      JsonObject peerMap = new JsonObject();
      List<Future<?>> asked = new ArrayList<>();
      for (String n : nodes) {
        asked.add(node.vertx().eventBus().<JsonObject>request(Addresses.nodePin(n),
                new JsonObject().put("op", nodeOp).put("cid", cid), options)
            .onSuccess(reply -> peerMap.put(n, reply.body()))
            .onFailure(e -> peerMap.put(n, new JsonObject().put("status", "cluster_error").put("error",
                "node " + n + " did not answer: " + e.getMessage()).put("time", Instant.now().toString()))));
      }
      return Future.join(asked).transform(x -> Future.succeededFuture(pin.put("peer_map", peerMap)));
    });
  }

  private Future<JsonObject> propose(PinOp op) {
    return raft.propose(config.group(), op.toJson()).map(Committed::result);
  }

  private Future<JsonObject> query(JsonObject op) {
    return raft.query(config.group(), op).map(Committed::result);
  }

  private SortedSet<String> live() {
    return new TreeSet<>(node.members().names());
  }

  private static String cid(JsonObject request) {
    return PinOp.cid(request);
  }
}
