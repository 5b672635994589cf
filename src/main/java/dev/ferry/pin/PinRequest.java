package dev.ferry.pin;

import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.core.Fields;
import dev.ferry.core.Requests;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The requests {@code ferry.pin} takes (docs/ADDRESSES.md), as records that write their wire JSON;
 * {@link #REQUESTS} reads them back at the pin service, {@link PinClient} sends them. CIDs are held
 * canonical: a record made with a malformed one fails with {@code bad-request}. Immutable.
 */
sealed interface PinRequest extends BusJson {
  /**
   * Pins {@code cid} as {@code name} ({@code ""}: none) on at least {@code replicationMin} and at
   * most {@code replicationMax} nodes; a null bound is the service's default ({@code pin.replication_*});
   * with IPFS Cluster's further options ({@link Pin.Extras}). {@code size} is the content's size in
   * bytes when the caller knows it (an add does), null otherwise: a node whose reported free space
   * is smaller is not allocated the pin.
   */
  record Add(String cid, String name, Integer replicationMin, Integer replicationMax, Pin.Extras extras, Long size)
      implements PinRequest {
    public Add {
      cid = canonical(cid);
      name = name == null ? "" : name;
      extras = extras == null ? Pin.Extras.NONE : extras;
      if (size != null && size < 0) {
        throw Fields.bad("size", "a whole number of bytes >= 0", size);
      }
    }

    /** A pin of content whose size is not known. */
    public Add(String cid, String name, Integer replicationMin, Integer replicationMax, Pin.Extras extras) {
      this(cid, name, replicationMin, replicationMax, extras, null);
    }

    /** A pin without IPFS Cluster's further options. */
    public Add(String cid, String name, Integer replicationMin, Integer replicationMax) {
      this(cid, name, replicationMin, replicationMax, Pin.Extras.NONE);
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = op("pin", cid).put("name", name).put("replication_min", replicationMin)
          .put("replication_max", replicationMax);
      extras.writeTo(json);
      return size == null ? json : json.put("size", size);
    }
  }

  /**
   * Pins each of {@code pins} as {@link Add} would, in few proposals ({@code state import}): the
   * answer counts those pinned and names each refused one by its position in {@code pins}.
   */
  record AddMany(List<Add> pins) implements PinRequest {
    public AddMany {
      pins = List.copyOf(pins);
    }

    @Override
    public JsonObject toJson() {
      JsonArray each = new JsonArray(new ArrayList<>(pins.size()));
      pins.forEach(pin -> each.add(pin.toJson()));
      return new JsonObject().put(Requests.OP, "pin-many").put("pins", each);
    }
  }

  record Unpin(String cid) implements PinRequest {
    public Unpin {
      cid = canonical(cid);
    }

    @Override
    public JsonObject toJson() {
      return op("unpin", cid);
    }
  }

  /** The pin of {@code cid}; {@code not-found} if there is none. */
  record Get(String cid, ReadFrom from) implements PinRequest {
    public Get {
      cid = canonical(cid);
    }

    @Override
    public JsonObject toJson() {
      return from.into(op("get", cid));
    }
  }

  /**
   * One page of the pinset, from a replica or through the leader: the pins after CID {@code after}
   * (null: from the first), at most {@code limit} (null: {@code pin.list_page_size}) and
   * {@code pin.list_page_size}.
   */
  record ListPins(ReadFrom from, String after, Integer limit) implements PinRequest {
    @Override
    public JsonObject toJson() {
      return page(from.into(new JsonObject().put(Requests.OP, "list")), after, limit);
    }
  }

  /**
   * The pin of {@code cid} with each allocated node's status of it (the answering node's alone if
   * {@code onlyHere}), after each retried a failed pin if {@code recover}.
   */
  record Status(String cid, ReadFrom from, boolean recover, boolean onlyHere) implements PinRequest {
    public Status {
      cid = canonical(cid);
    }

    /** Each allocated node's status. */
    public Status(String cid, ReadFrom from, boolean recover) {
      this(cid, from, recover, false);
    }

    @Override
    public JsonObject toJson() {
      return from.into(op(recover ? "recover" : "status", cid)).put("only_here", onlyHere);
    }
  }

  /**
   * A page of statuses: the pins of a listing ({@link ListPins}'s {@code after} and {@code limit})
   * or those of {@code cids} (null: the listing's page; else canonical, sorted, one page), only those
   * some node's status of is in {@code filter} (status names; empty: every pin), with only the
   * answering node's status if {@code onlyHere}, after each node asked retried its failed pins of
   * the page if {@code recover}.
   */
  record Statuses(ReadFrom from, String after, Integer limit, Set<String> filter, boolean onlyHere, List<String> cids,
      boolean recover) implements PinRequest {
    public Statuses {
      filter = filter == null ? Set.of() : Set.copyOf(filter);
      cids = cids == null ? null : cids.stream().map(PinRequest::canonical).distinct().sorted().toList();
    }

    /** Statuses as they are, without a recover first. */
    public Statuses(ReadFrom from, String after, Integer limit, Set<String> filter, boolean onlyHere, List<String> cids) {
      this(from, after, limit, filter, onlyHere, cids, false);
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = page(from.into(new JsonObject().put(Requests.OP, "statuses")), after, limit)
          .put("only_here", onlyHere).put("recover", recover);
      if (!filter.isEmpty()) {
        json.put("filter", new JsonArray(List.copyOf(new TreeSet<>(filter))));
      }
      return cids == null ? json : json.put("cids", new JsonArray(cids));
    }
  }

  /**
   * The cluster's peers as the pin service counts them: the members of the pinset's Raft group
   * (running or not), as the answering node last read them ({@code pin.members_refresh_ms}).
   */
  record Members() implements PinRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "members");
    }
  }

  /**
   * The pinset's read index: its commit index as the Raft leader confirms it. A replica read with
   * that {@code min_index} sees every pin change acknowledged before the request, wherever it was
   * made ({@code RaftClient.readIndex}).
   */
  record ReadIndex() implements PinRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "read-index");
    }
  }

  /**
   * Each live node's pins in error ({@code pin_error}, {@code unpin_error}): how many, and at most
   * {@code limit} of them, each node asked once; read from its tracker's counts and the few statuses
   * it keeps whole, never from the whole pinset.
   */
  record Errors(int limit) implements PinRequest {
    public Errors {
      if (limit < 1) {
        throw Fields.bad("limit", "a whole number >= 1", limit);
      }
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "errors").put("limit", limit);
    }
  }

  /**
   * Adds node {@code node} (named in peers.json, running) to the cluster: it joins every Raft group,
   * as a learner first, then as a voter once it caught up; pins may then be allocated to it.
   */
  record AddPeer(String node) implements PinRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "peer-add").put("node", node);
    }
  }

  /**
   * Removes node {@code node} from the cluster: it leaves every Raft group, is no longer allocated
   * to, and its pins move to the live nodes that remain.
   */
  record RemovePeer(String node) implements PinRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "peer-rm").put("node", node);
    }
  }

  /**
   * Where a read is answered: through the Raft leader (linearizable), or from the answering node's
   * replica once it has applied {@code minIndex} and every change proposed through that node.
   */
  record ReadFrom(boolean local, long minIndex) {
    /** Linearizable, through the leader. */
    static final ReadFrom LEADER = new ReadFrom(false, 0);

    static ReadFrom replica(long minIndex) {
      return new ReadFrom(true, minIndex);
    }

    JsonObject into(JsonObject request) {
      return local ? request.put("local", true).put("min_index", minIndex) : request;
    }

    static ReadFrom of(Fields f) {
      long minIndex = f.wholeNumber("min_index", 0, 0L);
      return f.bool("local", false) ? replica(minIndex) : LEADER;
    }
  }

  /** How the pin service reads its requests. */
  Requests<PinRequest> REQUESTS = Requests.<PinRequest>of("pin")
      .on("pin", PinRequest::add)
      .on("pin-many", f -> new AddMany(pins(f).stream().map(pin -> add(Fields.of(pin))).toList()))
      .on("unpin", f -> new Unpin(cid(f)))
      .on("get", f -> new Get(cid(f), ReadFrom.of(f)))
      .on("list", f -> new ListPins(ReadFrom.of(f), f.string("after", null), f.integer("limit", 1, null)))
      .on("status", f -> new Status(cid(f), ReadFrom.of(f), false, f.bool("only_here", false)))
      .on("recover", f -> new Status(cid(f), ReadFrom.of(f), true, f.bool("only_here", false)))
      .on("statuses", f -> new Statuses(ReadFrom.of(f), f.string("after", null), f.integer("limit", 1, null),
          PinStatuses.filter(f.json().getValue("filter")), f.bool("only_here", false), f.strings("cids", "CID strings"),
          f.bool("recover", false)))
      .on("errors", f -> new Errors(TrackerRequest.limit(f)))
      .on("members", f -> new Members())
      .on("peer-add", f -> new AddPeer(nodeName(f)))
      .on("peer-rm", f -> new RemovePeer(nodeName(f)))
      .on("read-index", f -> new ReadIndex());

  /** The pins of a {@code pin-many}: an array of {@code pin} requests' fields. */
  private static List<JsonObject> pins(Fields f) {
    if (!(f.json().getValue("pins") instanceof JsonArray pins)
        || !pins.stream().allMatch(JsonObject.class::isInstance)) {
      throw Fields.bad("pins", "an array of pins (JSON objects)", f.json().getValue("pins"));
    }
    return pins.stream().map(JsonObject.class::cast).toList();
  }

  private static Add add(Fields f) {
    return new Add(cid(f), name(f), replication(f, "replication_min"), replication(f, "replication_max"),
        Pin.Extras.from(f.json()), f.wholeNumber("size", 0, null));
  }

  private static JsonObject op(String op, String cid) {
    return new JsonObject().put(Requests.OP, op).put("cid", cid);
  }

  private static JsonObject page(JsonObject request, String after, Integer limit) {
    if (after != null) {
      request.put("after", after);
    }
    return limit == null ? request : request.put("limit", limit);
  }

  /** {@code text} as a canonical CID, or a {@code bad-request} saying why it is none. */
  private static String canonical(String text) {
    return Cid.parse(text).toString();
  }

  /** A node's name, as peers.json allows it. */
  private static String nodeName(Fields f) {
    String node = f.string("node");
    if (!node.matches("[A-Za-z0-9_-]+")) {
      throw Fields.bad("node", "a node name (letters, digits, - and _)", node);
    }
    return node;
  }

  private static String cid(Fields f) {
    return f.string("cid");
  }

  private static String name(Fields f) {
    String name = f.string("name", "");
    if (name.length() > Pin.MAX_NAME_LENGTH) {
      throw FerryException.badRequest("field name: at most " + Pin.MAX_NAME_LENGTH + " characters, got "
          + name.length());
    }
    return name;
  }

  /** A replication bound: a positive whole number or -1 (every node); null when absent. */
  private static Integer replication(Fields f, String field) {
    Integer bound = f.integer(field, Pin.EVERYWHERE, null);
    if (bound != null && bound == 0) {
      throw Fields.bad(field, "a positive whole number or -1 (every node)", bound);
    }
    return bound;
  }
}
