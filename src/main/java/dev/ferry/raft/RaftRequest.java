package dev.ferry.raft;

import dev.ferry.core.BusJson;
import dev.ferry.core.Fields;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonObject;

/**
 * The requests of the Raft client API on {@code ferry.raft.<group>} and
 * {@code ferry.node.<node>.raft.<group>} (docs/RAFT.md, "Client requests"), as records that write
 * their wire JSON; {@link #REQUESTS} reads them back at a group's consumer.
 *
 * <p>On the wire a request is named by {@code op}, as on every other service, and the state
 * machine's op of a propose or query travels in {@code payload}:
 * {@code {"op": "propose", "payload": {"op": "put", ...}}}. The older spelling names the request
 * with {@code action} and carries the state machine's op in {@code op}:
 * {@code {"action": "propose", "op": {"op": "put", ...}}}; it stays accepted, and the rule that
 * tells them apart is: {@code op} as a string names the request; {@code op} as an object is the
 * payload, and then {@code action} names the request. Immutable.
 */
public sealed interface RaftRequest extends BusJson {
  /** Commits {@code op} (the state machine's) through the leader. */
  record Propose(JsonObject op) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("propose").put(PAYLOAD, op);
    }
  }

  /** Reads with {@code op} (the state machine's) at {@code consistency}; {@code minIndex} is for {@code eventual}. */
  record Query(JsonObject op, Consistency consistency, long minIndex) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("query").put(PAYLOAD, op).put("consistency", consistency.wireName()).put("minIndex", minIndex);
    }
  }

  /**
   * The group's commit index as its leader confirms it with a quorum (Raft's read index, etcd's
   * ReadIndex): a replica that has applied it has every change committed before the request.
   */
  record ReadIndex() implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("read-index");
    }
  }

  record Status() implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("status");
    }
  }

  /** Adds {@code node}, as a learner only if {@code learner}. */
  record Join(String node, boolean learner) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("join").put("node", node).put("learner", learner);
    }
  }

  record Leave(String node) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("leave").put("node", node);
    }
  }

  /** Hands the leadership to {@code node}. */
  record Transfer(String node) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("transfer").put("node", node);
    }
  }

  /** Ops after {@code after}, at most {@code limit} of them (null: {@code raft.feed_history}). */
  record Feed(FeedPosition after, Integer limit) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      JsonObject json = named("feed").put("after", after.index());
      if (after.offset() != FeedPosition.WHOLE_ENTRY) {
        json.put("offset", after.offset());
      }
      return limit == null ? json : json.put("limit", limit);
    }
  }

  /** Who answers at a Raft address (also answered on the peer address {@code ferry.raft.<group>.<node>}). */
  record Discover() implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("discover");
    }
  }

  /** Node-internal, from a leader to a node it removed: "you were removed by {@code by}". Never bridged. */
  record Removed(String by) implements RaftRequest {
    @Override
    public JsonObject toJson() {
      return named("removed").put("by", by);
    }
  }

  /** The field that carries a propose's or query's op (the state machine's); the old spelling's is {@code op}. */
  String PAYLOAD = "payload";

  /** How a group's consumer reads the requests: named by {@code op}, or by the old {@code action}. */
  Requests<RaftRequest> REQUESTS = Requests.<RaftRequest>of("Raft")
      .on("propose", f -> new Propose(payload(f)))
      .on("query", f -> new Query(payload(f), Consistency.parse(f.string("consistency", null)),
          f.wholeNumber("minIndex", 0, 0L)))
      .on("status", f -> new Status())
      .on("join", f -> new Join(node(f, "node"), f.bool("learner", false)))
      .on("leave", f -> new Leave(node(f, "node")))
      .on("transfer", f -> new Transfer(node(f, "node")))
      .on("feed", f -> new Feed(position(f), f.integer("limit", 0, null)))
      .on("discover", f -> new Discover())
      .on("removed", f -> new Removed(node(f, "by")))
      .on("read-index", f -> new ReadIndex())
      .alias("action");

  private static JsonObject named(String op) {
    return new JsonObject().put(Requests.OP, op);
  }

  /** The state machine's op: {@code payload}, or (old spelling, named by {@code action}) {@code op} as an object. */
  private static JsonObject payload(Fields f) {
    return f.json().getValue(Requests.OP) instanceof JsonObject op ? op : f.object(PAYLOAD);
  }

  private static String node(Fields f, String field) {
    String name = f.string(field, null);
    if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
      throw Fields.bad(field, "a node name (letters, digits, - and _)", name);
    }
    return name;
  }

  /** A feed request's position: {@code after} (an index) and, to resume inside an entry, {@code offset}. */
  private static FeedPosition position(Fields f) {
    long after = f.wholeNumber("after", 0, 0L);
    Integer offset = f.integer("offset", 0, null);
    return offset == null ? FeedPosition.afterEntry(after) : new FeedPosition(after, offset);
  }
}
