package dev.ferry.pin;

import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.pin.PinRequest.Add;
import dev.ferry.pin.PinRequest.AddMany;
import dev.ferry.pin.PinRequest.AddPeer;
import dev.ferry.pin.PinRequest.Errors;
import dev.ferry.pin.PinRequest.Get;
import dev.ferry.pin.PinRequest.ListPins;
import dev.ferry.pin.PinRequest.ReadFrom;
import dev.ferry.pin.PinRequest.RemovePeer;
import dev.ferry.pin.PinRequest.Status;
import dev.ferry.pin.PinRequest.Statuses;
import dev.ferry.pin.PinRequest.Unpin;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.RaftClient;
import dev.ferry.raft.RaftOp;
import dev.ferry.raft.RaftQuery;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's pin service as any node answers it on {@code ferry.pin} (docs/ADDRESSES.md):
 * proposes pinset changes to Raft (a pin is one proposal that names the live nodes of the pinset's
 * group, {@link GroupMembers}; the pinset allocates it when it applies it), gathers each allocated
 * node's status, moves the pins of a node that left to live nodes, and adds and removes peers
 * (every Raft group's membership, and the pins of a removed node).
 *
 * <p>Runs on its verticle's context.
 */
final class PinService {
  /** What a {@code pins} op adds to its ops' JSON: {@code {"op":"pins","ops":[]}}, with room to spare. */
  private static final int BATCH_OVERHEAD = 64;
  private static final Logger log = LoggerFactory.getLogger(PinService.class);

  private final NodeContext node;
  private final PinConfig config;
  private final RaftClient raft;
  private final PinStatuses statuses;
  /** Every Raft group of the node, in configuration order: a peer joins and leaves them all. */
  private final List<String> groups;
  private final GroupMembers members;
  private final Placement placement;
  /** The largest op the pinset's group takes ({@code raft.max_op_bytes}): what one {@code pins} proposal may hold. */
  private final int maxOpBytes;
  /** The highest log index of a change proposed through this node: reads here wait until the replica has it. */
  private long written;
  /** The wait of each node that left, until its pins move ({@code pin.reallocate_after_ms}), by name. */
  private final Map<String, Long> graceTimers = new HashMap<>();
  /** Pins this node moved off a node that left or was removed (one {@code allocate} op each). */
  private final Counter reallocations;
  /** Nodes that left and were back within {@code pin.reallocate_after_ms}, so their pins stayed. */
  private final Counter returned;

  /**
   * @param placement where pins may go, by the metrics this node's monitor holds
   * @param maxOpBytes {@code raft.max_op_bytes}: the most one proposal of many pins may hold
   */
  PinService(NodeContext node, PinConfig config, RaftClient raft, List<String> groups, Placement placement,
      int maxOpBytes) {
    this.maxOpBytes = maxOpBytes;
    this.node = node;
    this.config = config;
    this.raft = raft;
    this.groups = List.copyOf(groups);
    this.members = new GroupMembers(raft, config.group(), config.membersRefresh());
    this.statuses = new PinStatuses(node, members::get);
    this.placement = placement;
    this.reallocations = Counter.builder("ferry.pin.reallocations")
        .description("Pins this node moved off a node that left or was removed").register(node.meters());
    this.returned = Counter.builder("ferry.pin.returns")
        .description("Nodes that left and came back within pin.reallocate_after_ms, keeping their pins")
        .register(node.meters());
  }

  /** The requests on {@code ferry.pin}, each answered with the pinset's JSON (docs/ADDRESSES.md). */
  Dispatch<PinRequest, Future<? extends BusJson>> requests() {
    return Dispatch.<PinRequest, Future<? extends BusJson>>over(PinRequest.class)
        .on(Add.class, r -> json(pin(r)))
        .on(AddMany.class, r -> json(pinEach(r)))
        .on(Unpin.class, r -> json(propose(new PinOp.Remove(r.cid()))))
        .on(Get.class, r -> read(r.from(), new PinQuery.Get(r.cid())))
        .on(ListPins.class, r -> read(r.from(), list(r.after(), r.limit())))
        .on(Status.class, r -> json(status(r.cid(), r.from(), r.recover(), r.onlyHere())))
        .on(Statuses.class, r -> statusPage(r).map(page -> (BusJson) () -> page))   // made for this answer: not copied
        .on(Errors.class, r -> statuses.errors(r.limit()))
        .on(PinRequest.ReadIndex.class, r -> raft.readIndex(config.group()).map(PinReply.ReadIndex::new))
        .on(PinRequest.Members.class, r -> members.get().map(names -> new PinReply.Members(List.copyOf(new TreeSet<>(names)))))
        .on(AddPeer.class, r -> json(addPeer(r.node())))
        .on(RemovePeer.class, r -> json(removePeer(r.node())))
        .build();
  }

  /** An answer that is already the documented wire form, passed on as it is. */
  private static Future<BusJson> json(Future<JsonObject> answer) {
    return answer.map(BusJson::of);
  }

  /**
   * A member left. Its pins stay where they are for {@code pin.reallocate_after_ms}, as IPFS Cluster
   * repins only once a peer's {@code ping} expired: a node that is only restarting is back by then
   * and keeps them (meanwhile new pins go to the live nodes only). Then the lowest-named live node
   * other than the one that left moves its pins to live nodes, unless it is back; deciding who only
   * then lets another node do it if that one left meanwhile, and leaving the node that left out
   * lets it come back as the lowest-named. A node that leaves again restarts its wait.
   */
  void nodeLeft(String gone) {
    Long waiting = graceTimers.remove(gone);
    if (waiting != null) {
      node.vertx().cancelTimer(waiting);
    }
    if (isLowestLive(gone)) {
      log.info("{} left: its pins move in {} ms unless it is back by then (pin.reallocate_after_ms)", gone,
          config.reallocateAfter().toMillis());
    }
    graceTimers.put(gone, node.vertx().setTimer(Math.max(1, config.reallocateAfter().toMillis()), t -> {
      graceTimers.remove(gone);
      if (isLowestLive(gone)) {
        moveLeft(gone);
      }
    }));
  }

  /**
   * Moves the pins of {@code gone}, which left {@code pin.reallocate_after_ms} ago, unless it is
   * back. The pinset's group may be electing a new leader (the one that left may have led it), so
   * a failed pass is tried again every {@code pin.retry_interval_ms} for up to
   * {@code pin.reallocate_within_ms}. A node that had not yet seen the member leave may still
   * allocate a pin to it, and that pin may commit after the first pass read the pinset; it commits
   * within a pin request's deadline ({@code pin.request_timeout_ms}), so a second pass after that
   * moves it too.
   */
  private void moveLeft(String gone) {
    moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos(), true)
        .onSuccess(moved -> {
          if (!moved) {
            returned.increment();
            log.info("{} is back within pin.reallocate_after_ms: its pins stay", gone);
            return;
          }
          log.info("{} stayed away for pin.reallocate_after_ms: its pins were moved", gone);
          node.vertx().setTimer(config.requestTimeout().toMillis(),
              t -> moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos(), true)
                  .onFailure(e -> notMoved(gone, e)));
        })
        .onFailure(e -> notMoved(gone, e));
  }

  private static void notMoved(String gone, Throwable e) {
    log.warn("pins of {} were not moved: {}; they stay under-replicated until it returns or they are "
        + "pinned again", gone, e.getMessage());
  }

  /**
   * Moves every pin of {@code gone} to nodes pins may be allocated to, trying again every
   * {@code pin.retry_interval_ms} until {@code deadline} ({@link System#nanoTime()}); with
   * {@code unlessBack}, nothing moves once {@code gone} may be allocated to again (it came back).
   * Whether it moved them (false: it was back).
   */
  private Future<Boolean> moveOff(String gone, long deadline, boolean unlessBack) {
    Future<Boolean> back = unlessBack ? allocatable().map(nodes -> nodes.contains(gone)) : Future.succeededFuture(false);
    return back.compose(isBack -> isBack ? Future.succeededFuture(false) : movePage(gone, null).map(true))
        .recover(e -> {
          if (System.nanoTime() >= deadline) {
            return Future.failedFuture(e);
          }
          log.debug("pins of {} not moved yet: {}; trying again", gone, e.getMessage());
          Promise<Boolean> again = Promise.promise();
          node.vertx().setTimer(config.retryInterval().toMillis(),
              t -> moveOff(gone, deadline, unlessBack).onComplete(again));
          return again.future();
        });
  }

  /**
   * Moves the pins allocated to {@code gone} after CID {@code after} (null: from the first), one
   * page of {@code pin.list_page_size} at a time: the pinset lists that node's pins only, so the
   * pins of other nodes are neither copied nor sent, and the next page is read once this one moved.
   */
  private Future<Void> movePage(String gone, String after) {
    return Future.all(query(new PinQuery.Listing(gone, after, config.listPage())), allocatable()).compose(read -> {
      PinReply.Page page = read.resultAt(0);
      SortedSet<String> to = new TreeSet<>(read.<SortedSet<String>>resultAt(1));
      to.remove(gone);
      List<Pin> pins = page.pins();
      List<Future<?>> moves = new ArrayList<>();
      pins.forEach(pin -> moves.add(move(pin, gone, to)));
      return Future.all(moves).compose(moved -> page.more() && !pins.isEmpty()
          ? movePage(gone, pins.get(pins.size() - 1).cid()) : Future.succeededFuture());
    });
  }

  /**
   * Removes node {@code gone} from the cluster: it leaves every Raft group, then its pins move to
   * the nodes that may be allocated to (itself excluded, whatever this node's replica says yet).
   * A pin a node allocated to it from an older view of the group's members commits within a pin
   * request's deadline and such a view lasts {@code pin.members_refresh_ms}, so a second pass
   * after both moves those too, unless it was added again meanwhile.
   */
  private Future<JsonObject> removePeer(String gone) {
    Future<Void> left = Future.succeededFuture();
    for (String group : groups) {
      left = left.compose(v -> raft.leave(group, gone).<Void>mapEmpty());
    }
    return left
        .compose(v -> members.refresh())
        .compose(v -> moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos(), false))
        .onSuccess(v -> {
          log.info("{} was removed from the cluster (groups {}); its pins were moved", gone, groups);
          node.vertx().setTimer(config.requestTimeout().plus(config.membersRefresh()).toMillis(),
              t -> moveOff(gone, System.nanoTime() + config.reallocateWithin().toNanos(), true)
                  .onFailure(e -> notMoved(gone, e)));
        })
        .map(v -> new JsonObject().put("removed", gone).put("groups", new JsonArray(groups)));
  }

  /**
   * Adds node {@code name}, which peers.json names and which runs, to every Raft group (each join
   * waits until it caught up as a learner, then makes it a voter); pins may be allocated to it then.
   */
  private Future<JsonObject> addPeer(String name) {
    if (node.config().peers().get(name).isEmpty()) {
      return Future.failedFuture(FerryException.badRequest(name + " is not in peers.json ("
          + String.join(", ", node.config().peers().names()) + "): add its entry to peers.json on every node, start "
          + "it, then add it"));
    }
    Future<Void> joined = Future.succeededFuture();
    for (String group : groups) {
      joined = joined.compose(v -> raft.join(group, name, false).<Void>mapEmpty());
    }
    return joined
        .compose(v -> members.refresh())
        .onSuccess(v -> log.info("{} was added to the cluster (groups {})", name, groups))
        .map(v -> new JsonObject().put("added", name).put("groups", new JsonArray(groups)));
  }

  /**
   * Every {@code pin.expiry_interval_ms}: if this node is the lowest-named live one, it reads from
   * its replica the pins whose {@code expire_at} has passed (the pinset keeps an index of the pins
   * that expire, so this never walks the pinset), a page at a time, and proposes the removal of each ({@link PinOp.Expire}, which every replica checks against the time
   * in the op, so a pin pinned again meanwhile stays). A pin is removed at most one interval (plus
   * the Raft round trip) after it expires.
   */
  void expireEvery() {
    node.vertx().setPeriodic(config.expiryInterval().toMillis(), t -> {
      if (isLowestLive(null)) {
        expireAfter(null, Instant.now());
      }
    });
  }

  /** Proposes the removal of the pins expired at {@code now} after {@code after} (null: from the first), a page at a time. */
  private void expireAfter(PinState.Expiring after, Instant now) {
    raft.query(config.group(), new PinQuery.Expired(now, after, config.listPage()), Consistency.EVENTUAL, 0)
        .map(Committed::result).onSuccess(page -> {
      for (PinState.Expiring pin : page.pins()) {
        propose(new PinOp.Expire(pin.cid(), now))
            .onSuccess(x -> log.info("pin {} expired at {}: removed", pin.cid(), pin.at()))
            .onFailure(e -> log.debug("pin {} not expired now: {}", pin.cid(), e.getMessage()));
      }
      if (page.more() && !page.pins().isEmpty()) {
        expireAfter(page.pins().get(page.pins().size() - 1), now);
      }
    }).onFailure(e -> log.debug("expired pins not looked for now: {}", e.getMessage()));
  }

  /**
   * Proposes that {@code pin} move off {@code gone}: the pinset chooses its new nodes among {@code to},
   * without those below {@code pin.min_freespace_bytes} (the pin's size is not kept) but with the
   * nodes that hold it already, so a full node keeps what it has.
   */
  private Future<?> move(Pin pin, String gone, SortedSet<String> to) {
    Placement.Candidates candidates = placement.candidates(to, null, pin.allocations());
    return propose(new PinOp.Reallocate(pin.cid(), List.copyOf(candidates.live()), candidates.by()))
        .onSuccess(x -> reallocations.increment())
        .onSuccess(moved -> log.info("pin {}: {} left, now allocated to {}", pin.cid(), gone,
            moved.getJsonArray("allocations")));
  }

  /**
   * Pins the request's CID. With a {@code pin_update} (IPFS Cluster's pin update), the new pin
   * takes the old one's replication and allocations where the request gives none, so it lands
   * where the old content already is; the old pin stays.
   */
  private Future<JsonObject> pin(Add request) {
    Pin.Extras extras = request.extras();
    if (extras.pinUpdate().isEmpty()) {
      return place(request);
    }
    return read(ReadFrom.replica(0), new PinQuery.Get(extras.pinUpdate()))
        .recover(e -> Future.failedFuture(FerryException.NOT_FOUND.equals(FerryException.from(e).code())
            ? FerryException.badRequest("pin-update: " + extras.pinUpdate() + " is not pinned in the cluster")
            : e))
        .compose(old -> {
          List<String> where = old.allocations();
          return place(new Add(request.cid(), request.name(),
              request.replicationMin() != null ? request.replicationMin() : old.replicationMin(),
              request.replicationMax() != null ? request.replicationMax() : old.replicationMax(),
              extras.userAllocations().isEmpty() ? new Pin.Extras(extras.mode(), where, extras.expireAt(),
                  extras.metadata(), extras.origins(), extras.pinUpdate()) : extras, request.size()));
        });
  }

  private Future<JsonObject> place(Add request) {
    // one proposal and nothing else: the pinset allocates when it applies the op, from the nodes
    // this node sees live in the group that have room for it, ranked by the metrics this node
    // holds, and the pins each holds then; too few candidates fails here already
    return allocatable().compose(live -> {
      try {
        return propose(placed(request, placement.candidates(live, request.size())));
      } catch (FerryException e) {
        return Future.failedFuture(e);
      }
    });
  }

  /**
   * The op that pins {@code request} on some of {@code candidates}, allocated when it is applied.
   *
   * @throws FerryException {@code bad-request} for replication bounds that do not fit, {@code unavailable}
   *     (or the allocator's code) when fewer candidates than its minimum
   */
  private PinOp.Place placed(Add request, Placement.Candidates candidates) {
    int min = request.replicationMin() == null ? config.replicationMin() : request.replicationMin();
    int max = request.replicationMax() == null ? config.replicationMax() : request.replicationMax();
    // before allocating: the allocator's "too few nodes" would be a 503 for what is the caller's mistake
    Pin.checkBounds(min, max, request.replicationMin() == null ? "the default pin.replication_min"
        : "replication_min", request.replicationMax() == null ? "the default pin.replication_max"
        : "replication_max");
    try {
      Allocator.allocate(min, max, List.of(), candidates.live(), n -> 0, true);
    } catch (FerryException e) {
      throw new FerryException(e.code(), e.getMessage() + candidates.whyFewer(), e);
    }
    Pin pin = new Pin(request.cid(), request.name(), min, max, List.of(), node.name(), Instant.now().toString(), 0,
        request.extras());
    return new PinOp.Place(pin, List.copyOf(candidates.live()), candidates.by());
  }

  /**
   * Pins each pin of {@code request} as {@link #place} would, the live nodes and metrics read once:
   * the ops go in {@code pins} proposals of at most {@code raft.max_op_bytes} each, proposed at
   * once (the request's size bounds them: the HTTP API takes at most {@code api.max_import_bytes}),
   * and each is applied on its own. A pin that cannot be placed, one with a {@code pin_update}
   * (which reads the old pin first: pin it alone), and every pin of a proposal that failed are
   * refused, by position.
   */
  private Future<JsonObject> pinEach(AddMany request) {
    return allocatable().compose(live -> {
      Placement.Candidates candidates = placement.candidates(live, null);
      List<PinReply.Batch.Refusal> refused = new ArrayList<>();
      List<Proposal> chunks = new ArrayList<>();
      long bytes = Long.MAX_VALUE / 2;   // no proposal yet: the first op starts one
      for (int at = 0; at < request.pins().size(); at++) {
        Add add = request.pins().get(at);
        PinOp op;
        try {
          if (!add.extras().pinUpdate().isEmpty()) {
            throw FerryException.badRequest("pin-update: a pin that replaces another is pinned alone, with "
                + "POST /pins/{cid}");
          }
          op = placed(add, candidates);
        } catch (FerryException e) {
          refused.add(new PinReply.Batch.Refusal(at, add.cid(), e.code(), e.getMessage()));
          continue;
        }
        int size = op.toJson().encode().getBytes(StandardCharsets.UTF_8).length + 1;
        if (bytes + size > maxOpBytes - BATCH_OVERHEAD) {
          chunks.add(new Proposal(new ArrayList<>(), new ArrayList<>()));
          bytes = 0;
        }
        chunks.get(chunks.size() - 1).add(at, op);
        bytes += size;
      }
      List<Future<PinReply.Batch>> proposals = chunks.stream().map(chunk -> commit(new PinOp.Each(chunk.ops()))
          .map(committed -> committed.result().committedAt(committed.index()))
          .recover(e -> Future.succeededFuture(PinReply.Batch.allRefused(chunk.ops(), FerryException.from(e))))
          .map(batch -> batch.at(chunk.positions()))).toList();
      return Future.all(proposals).map(done -> {
        int pinned = 0;
        long committed = 0;
        for (Future<PinReply.Batch> proposal : proposals) {
          pinned += proposal.result().pinned();
          refused.addAll(proposal.result().refused());
          committed = Math.max(committed, proposal.result().committed());
        }
        refused.sort(Comparator.comparingInt(PinReply.Batch.Refusal::at));
        return new PinReply.Batch(pinned, refused, committed).toJson();
      });
    });
  }

  /** One {@code pins} proposal being filled: its ops and their positions in the request. */
  private record Proposal(List<Integer> positions, List<PinOp> ops) {
    void add(int at, PinOp op) {
      positions.add(at);
      ops.add(op);
    }
  }

  /**
   * A read of the pinset: from this node's replica once it has applied the request's
   * {@code min_index} and every change proposed through this node (so a client reads its own
   * writes), or a linearizable read through the leader.
   */
  private <A> Future<A> read(ReadFrom from, RaftQuery<A> op) {
    if (!from.local()) {
      return query(op);
    }
    return raft.query(config.group(), op, Consistency.EVENTUAL, Math.max(from.minIndex(), written))
        .map(Committed::result);
  }

  /**
   * The pinset's {@code list} query, from the replica or through the leader alike: one page of the
   * pins after {@code after}, at most {@code limit} and {@code pin.list_page_size} of them
   * ({@code pin.first_page_size} for the first page, so a listing's first lines go out sooner).
   */
  private PinQuery.Listing list(String after, Integer limit) {
    int most = after == null ? Math.min(config.firstPage(), config.listPage()) : config.listPage();
    return new PinQuery.Listing(null, after, limit != null && limit < most ? limit : most);
  }

  /**
   * The pin with every allocated node's status of it, or this node's alone ({@code onlyHere})
   * (after asking them to retry, for {@code recover}).
   */
  private Future<JsonObject> status(String cid, ReadFrom from, boolean recover, boolean onlyHere) {
    return read(from, new PinQuery.Get(cid))
        .compose(pin -> statuses.gather(List.of(pin.toJson()), recover, onlyHere))
        .map(gathered -> gathered.get(0));
  }

  /**
   * A page of statuses: {@code {"pins": [pin with peer_map...], "next"}}, the pins of a listing
   * page (or those of {@code cids}, as one page), each node asked once for the page; only those
   * some node's status of matches the filter; with {@code only_here} this node's status alone; with
   * {@code recover} each node asked retries its failed pins of the page first.
   * {@code next} is where the following page starts, null after the last.
   */
  private Future<JsonObject> statusPage(Statuses request) {
    Future<PinReply.Page> page = request.cids() == null
        ? read(request.from(), list(request.after(), request.limit()))
        : pinsOf(request.from(), request.cids());
    return page.compose(pins -> statuses.gather(pins.pins().stream().map(Pin::toJson).toList(), request.recover(),
        request.onlyHere()).map(gathered ->
        new JsonObject().put("pins", new JsonArray(gathered.stream()
                .filter(p -> PinStatuses.matches(p, request.filter())).toList()))
            .put("next", pins.next())));
  }

  /** The pins of {@code cids} that the pinset holds, from this node's replica, as one last page. */
  private Future<PinReply.Page> pinsOf(ReadFrom from, List<String> cids) {
    List<Future<Pin>> found = cids.stream()
        .map(cid -> read(from, new PinQuery.Get(cid))
            .recover(e -> FerryException.NOT_FOUND.equals(FerryException.from(e).code())
                ? Future.succeededFuture(null) : Future.failedFuture(e)))
        .toList();
    return Future.all(found).map(x -> {
      List<Pin> pins = found.stream().map(Future::result).filter(p -> p != null).toList();
      return new PinReply.Page(pins, pins.size(), false);
    });
  }

  /** Commits {@code op}; the answer is the pinset's, with the log index it committed at ({@code "committed"}). */
  private Future<JsonObject> propose(PinOp op) {
    return commit(op).map(committed -> committed.result().committedAt(committed.index()).toJson());
  }

  /** Commits {@code op}, a change made through this node: reads here wait until the replica has it. */
  private <A> Future<Committed<A>> commit(RaftOp<A> op) {
    return raft.propose(config.group(), op).map(committed -> {
      written = Math.max(written, committed.index());
      return committed;
    });
  }

  /** A linearizable read of the pinset. */
  private <A> Future<A> query(RaftQuery<A> op) {
    return raft.query(config.group(), op).map(Committed::result);
  }

  /**
   * Whether this node is the lowest-named live one, {@code besides} (null: none) left out: the one
   * that moves the pins of a node that left and removes expired pins.
   */
  private boolean isLowestLive(String besides) {
    SortedSet<String> live = live();
    if (besides != null) {
      live.remove(besides);
    }
    return !live.isEmpty() && live.first().equals(node.name());
  }

  private SortedSet<String> live() {
    return new TreeSet<>(node.members().names());
  }

  /** The nodes pins may be allocated to: the live members of the pinset's group ({@link GroupMembers}). */
  private Future<SortedSet<String>> allocatable() {
    return members.get().map(inGroup -> {
      SortedSet<String> live = live();
      live.retainAll(inGroup);
      return live;
    });
  }
}
