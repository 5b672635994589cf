package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One streamed listing of every pin's status, as IPFS Cluster's {@code StatusAll} (and
 * {@code RecoverAll}) answers it, merged on the caller's context: the pinset is read a page at a
 * time from this node's replica ({@link PinClient#page}), and each peer of the cluster (a member of
 * the pinset's Raft group, running or not) is asked for its statuses once per listing, as a stream
 * in CID order ({@link TrackerRequest.Listing}: parts of {@code pin.status_part_size} statuses, the
 * first of {@code pin.first_page_size}, the next part asked for before it is needed). Each page's
 * pins get a peer map that names every peer: its status from its stream; {@code remote} (since the
 * pin was made, as IPFS Cluster's {@code StatusAll} says) for a peer the pin is not allocated to;
 * {@code unpinned} for a peer that is allocated the pin but has not heard of it yet; and
 * {@code cluster_error} on every pin from the moment a peer's stream failed (the node is down, or
 * did not answer in {@code cluster.request_timeout_ms}). So a listing of n pins costs each node one
 * walk of its mirror of the pinset and about n / {@code pin.status_part_size} requests, and nothing
 * is asked per pin or per page.
 *
 * <p>A filter keeps IPFS Cluster's semantics ({@link PinStatuses#matches}): a pin is listed when
 * some peer that answered has a status in it, with those peers' statuses and the
 * {@code cluster_error} of peers that did not answer. With {@code recover}, each peer first retries
 * its failed pins and streams those alone ({@link PinTracker#recoverAfter}); a pin is listed when
 * some peer retried it, with those peers' statuses after that.
 *
 * <p>Runs on the caller's context (a route's); {@link #page} is asked for one page at a time, the
 * next once the one before completed. One instance per listing.
 */
public final class StatusListing {
  private static final String UNPINNED = "unpinned";

  private final NodeContext node;
  private final PinClient pins;
  private final Set<String> filter;
  private final boolean recover;
  private final long minIndex;
  private final int firstPart;
  private final int part;
  private final BusClient bus;
  private final DeliveryOptions options;
  /** Each peer's stream, in name order, once the peers are known. */
  private final Future<List<NodeStream>> streams;

  private StatusListing(NodeContext node, PinClient pins, Set<String> filter, boolean onlyHere, boolean recover,
      long minIndex) {
    PinConfig config = PinConfig.of(node);
    this.node = node;
    this.pins = pins;
    this.filter = filter;
    this.recover = recover;
    this.minIndex = minIndex;
    this.part = config.statusPart();
    this.firstPart = Math.min(config.firstPage(), part);
    this.bus = BusClient.of(node.vertx());
    // a node silent this long for one part is cluster_error from then on, as it is in a single status
    this.options = PinStatuses.askNodes(node);
    Future<List<String>> peers = onlyHere ? Future.succeededFuture(List.of(node.name())) : pins.members();
    this.streams = peers.map(names -> {
      List<NodeStream> each = new ArrayList<>(names.size());
      for (String name : names) {
        NodeStream stream = new NodeStream(name);
        stream.ask();   // every peer at once, while the first page is read
        each.add(stream);
      }
      return each;
    });
  }

  /**
   * The statuses of every pin ({@code GET /pins}), or of this node alone ({@code onlyHere}, each
   * pin it is not allocated {@code remote}), only the pins and statuses {@code filter} keeps.
   *
   * @param filter IPFS Cluster's status names and groups, comma-separated; null or empty for all
   * @param minIndex the log index this node's replica must have applied before the first page
   * @throws FerryException {@code bad-request} for an unknown status in {@code filter}
   */
  public static StatusListing statuses(NodeContext node, PinClient pins, String filter, boolean onlyHere,
      long minIndex) {
    return new StatusListing(node, pins, PinStatuses.filter(filter), onlyHere, false, minIndex);
  }

  /**
   * The pins some peer (or this node alone, {@code onlyHere}) pinned or unpinned again because they
   * had failed ({@code POST /pins/recover}), with those peers' statuses after that.
   */
  public static StatusListing recovered(NodeContext node, PinClient pins, boolean onlyHere, long minIndex) {
    return new StatusListing(node, pins, Set.of(), onlyHere, true, minIndex);
  }

  /**
   * The page of statuses of the pins after CID {@code after} (null: from the first), in CID order,
   * and where the next page starts (null after the last). Pins the filter (or, with recover, no
   * retry) leaves out are not in it, so a page may be empty and still have a next.
   */
  public Future<PinReply.StatusPage> page(String after) {
    Future<PinReply.Page> read = pins.page(after, Integer.MAX_VALUE, minIndex);
    return Future.all(streams, read).compose(x -> {
      List<Pin> page = read.result().pins();
      if (page.isEmpty()) {
        return Future.succeededFuture(new PinReply.StatusPage(List.of(), null));
      }
      String last = page.get(page.size() - 1).cid();
      List<NodeStream> peers = streams.result();
      return Future.all(peers.stream().map(stream -> stream.cover(last)).toList())
          .map(y -> {
            PinReply.StatusPage merged = new PinReply.StatusPage(merge(page, peers), read.result().next());
            peers.forEach(NodeStream::askAhead);
            return merged;
          });
    });
  }

  /** Each pin of {@code page} with the peers' statuses of it, as the filter or recover keeps them. */
  private List<PinReply.Status> merge(List<Pin> page, List<NodeStream> peers) {
    String now = Instant.now().toString();
    List<PinReply.Status> merged = new ArrayList<>(page.size());
    for (Pin pin : page) {
      Map<String, PinReply.NodeStatus> peerMap = new LinkedHashMap<>();
      boolean listed = filter.isEmpty() && !recover;
      for (NodeStream stream : peers) {
        PinReply.NodeStatus status = stream.statusOf(pin, now);
        if (status != null && PinStatuses.keeps(filter, status.status())) {
          peerMap.put(stream.node, status);
          listed |= PinStatuses.lists(filter, status.status());
        }
      }
      if (listed) {
        merged.add(new PinReply.Status(pin, peerMap));
      }
    }
    return merged;
  }

  /**
   * One peer's stream of statuses: the parts that arrived and are not yet merged, where the next
   * part starts, and whether the stream ended or failed. A failed stream is not asked again: its
   * peer is {@code cluster_error} on every pin from then on, as IPFS Cluster shows a peer whose
   * stream failed.
   */
  private final class NodeStream {
    private final String node;
    private final ArrayDeque<StatusChunk> parts = new ArrayDeque<>();
    /** Where the first part's next status is. */
    private int at;
    /** The last CID of the parts that arrived (null before the first): the next part starts after it. */
    private String reached;
    private boolean ended;
    /** Why the stream failed, or null. */
    private String failure;
    /** The part asked for and not yet arrived, or null. */
    private Future<Void> asking;

    NodeStream(String node) {
      this.node = node;
    }

    /** Completes once the stream holds every status up to CID {@code cid}, or has ended or failed; never fails. */
    Future<Void> cover(String cid) {
      if (ended || failure != null || reached != null && reached.compareTo(cid) >= 0) {
        return Future.succeededFuture();
      }
      return ask().compose(x -> cover(cid));
    }

    /** Asks for the next part now if fewer than half a part's statuses are left to merge. */
    void askAhead() {
      if (!ended && failure == null && asking == null && left() < part / 2) {
        ask();
      }
    }

    /** Asks for the next part, unless it is asked for already; completes when it arrived (or failed). */
    Future<Void> ask() {
      if (asking != null) {
        return asking;
      }
      Promise<Void> arrived = Promise.promise();
      asking = arrived.future();
      int limit = reached == null ? firstPart : part;
      TrackerRequest.Listing next = new TrackerRequest.Listing(reached, limit, recover);
      bus.ask(Addresses.nodePin(node), next, options, StatusChunk::fromJson)
          .onComplete(chunk -> {
            asking = null;
            if (chunk.failed()) {
              failure = "node " + node + " did not answer: " + chunk.cause().getMessage();
            } else {
              add(chunk.result());
            }
            arrived.complete();
          });
      return arrived.future();
    }

    private void add(StatusChunk chunk) {
      if (chunk.size() > 0) {
        parts.add(chunk);
        reached = chunk.cid(chunk.size() - 1);
      }
      ended = !chunk.more();
    }

    /**
     * This peer's status of {@code pin}: from its stream; {@code cluster_error} once the stream
     * failed; else {@code unpinned} if the pin is allocated to it (it has not heard of the pin yet)
     * and {@code remote} since the pin was made if not. Null for a pin it did not retry, when
     * recovering.
     */
    PinReply.NodeStatus statusOf(Pin pin, String now) {
      if (failure != null) {
        return new PinReply.NodeStatus(PinStatuses.CLUSTER_ERROR, failure, now, 0);
      }
      PinReply.NodeStatus status = take(pin.cid());
      if (status != null || recover) {
        return status;
      }
      return pin.isAllocatedTo(node) ? new PinReply.NodeStatus(UNPINNED, "", now, 0)
          : new PinReply.NodeStatus(PinStatuses.REMOTE, "", pin.time(), 0);
    }

    /** The status of {@code cid} if the stream has it, passing over those before it; null if it has none. */
    PinReply.NodeStatus take(String cid) {
      while (!parts.isEmpty()) {
        StatusChunk first = parts.peekFirst();
        if (at == first.size()) {
          parts.removeFirst();
          at = 0;
          continue;
        }
        int order = first.cid(at).compareTo(cid);
        if (order > 0) {
          return null;
        }
        if (order == 0) {
          return first.status(at++);
        }
        at++;
      }
      return null;
    }

    private int left() {
      int left = -at;
      for (StatusChunk chunk : parts) {
        left += chunk.size();
      }
      return left;
    }
  }
}
