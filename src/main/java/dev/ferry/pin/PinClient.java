package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import dev.ferry.pin.PinReply.Change;
import dev.ferry.pin.PinReply.Page;
import dev.ferry.pin.PinReply.StatusPage;
import dev.ferry.pin.PinRequest.ReadFrom;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Asks the cluster's pin service on {@code ferry.pin} (docs/ADDRESSES.md) with {@link PinRequest}
 * records and reads its answers into {@link Pin}s and {@link PinReply} records, so callers outside
 * this package need not build its requests or read its JSON. It asks this node's service, so reads
 * from this node's replica see every change made through this node. Failures are
 * {@link FerryException}s with the service's code ({@code bad-request}, {@code not-found},
 * {@code unavailable}, {@code timeout}, ...).
 *
 * <p>Thread-safe; answers complete on the caller's context.
 */
public final class PinClient {
  private final BusClient bus;
  private final DeliveryOptions options;
  private final DeliveryOptions membership;

  /**
   * @param timeout how long a request waits for the service's answer
   * @param membershipTimeout how long {@link #addPeer} and {@link #removePeer} wait
   */
  private PinClient(Vertx vertx, Duration timeout, Duration membershipTimeout) {
    this.bus = BusClient.of(vertx);
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
    this.membership = new DeliveryOptions(options).setSendTimeout(membershipTimeout.toMillis());
  }

  /**
   * The client of this node's pin service, built at the first call and the same object after
   * ({@link LocalServices#once}): a request waits {@code pin.request_timeout_ms}; adding or removing
   * a peer waits for what it does, a join or leave of every Raft group (each as long as a Raft
   * client waits for {@code raft.membership_timeout_ms}), then moving the pins
   * ({@code pin.reallocate_within_ms}), then one more request.
   */
  public static PinClient forNode(NodeContext node) {
    return LocalServices.once(node.vertx(), PinClient.class, () -> {
      PinConfig pin = PinConfig.of(node);
      RaftSettings raft = RaftSettings.of(node);
      Duration perGroup = raft.clientTimeout(raft.membershipTimeout());
      return new PinClient(node.vertx(), pin.requestTimeout(), perGroup.multipliedBy(raft.groups().size())
          .plus(pin.reallocateWithin()).plus(pin.requestTimeout()));
    });
  }

  /**
   * Pins {@code cid} in the cluster as {@code options} say; the pin as the pinset now holds it, with
   * the log index of the change (a {@code minIndex} for reads on other nodes).
   */
  public Future<Change> pin(String cid, PinOptions options) {
    return ask(() -> new PinRequest.Add(cid, options.name(), options.replicationMin(), options.replicationMax(),
        options.extras()), Change::fromJson);
  }

  /**
   * Pins {@code cid} of {@code size} bytes (its DAG size, as an add knows it): a node whose
   * reported free space is smaller is not allocated it.
   */
  public Future<Change> pin(String cid, PinOptions options, long size) {
    return ask(() -> new PinRequest.Add(cid, options.name(), options.replicationMin(), options.replicationMax(),
        options.extras(), size), Change::fromJson);
  }

  /**
   * Pins each of {@code cids} as {@code options} (the same position) say, in few Raft proposals
   * (at most {@code raft.max_op_bytes} of ops each, all proposed at once): how many were pinned and
   * which were refused, by position. A malformed CID fails the whole request unsent.
   */
  public Future<PinReply.Batch> pinEach(List<String> cids, List<PinOptions> options) {
    if (cids.size() != options.size()) {
      throw new IllegalArgumentException(cids.size() + " CIDs but " + options.size() + " options");
    }
    return ask(() -> new PinRequest.AddMany(IntStream.range(0, cids.size())
        .mapToObj(i -> new PinRequest.Add(cids.get(i), options.get(i).name(), options.get(i).replicationMin(),
            options.get(i).replicationMax(), options.get(i).extras())).toList()), PinReply.Batch::fromJson);
  }

  /** Removes the pin of {@code cid}, answering it and the change's log index; {@code not-found} if there is none. */
  public Future<Change> unpin(String cid) {
    return ask(() -> new PinRequest.Unpin(cid), Change::fromJson);
  }

  /** The pin of {@code cid}, read through the Raft leader (linearizable); {@code not-found} if there is none. */
  public Future<Pin> get(String cid) {
    return ask(() -> new PinRequest.Get(cid, ReadFrom.LEADER), Pin::fromJson);
  }

  /**
   * The pin of {@code cid} as this node's replica holds it once it has applied {@code minIndex};
   * {@code not-found} if there is none, {@code timeout} if the replica does not get there in time.
   */
  public Future<Pin> get(String cid, long minIndex) {
    return ask(() -> new PinRequest.Get(cid, ReadFrom.replica(minIndex)), Pin::fromJson);
  }

  /**
   * The pin of {@code cid} (read as {@link #get(String, long)}) with each allocated node's status
   * of it, or this node's alone when {@code onlyHere}.
   */
  public Future<PinReply.Status> status(String cid, boolean onlyHere, long minIndex) {
    return ask(() -> new PinRequest.Status(cid, ReadFrom.replica(minIndex), false, onlyHere), PinReply.Status::fromJson);
  }

  /** Each allocated node's status of {@code cid} ({@link #status(String, boolean, long)}). */
  public Future<PinReply.Status> status(String cid, long minIndex) {
    return status(cid, false, minIndex);
  }

  /** As {@link #status}, after each allocated node (or only this node, {@code onlyHere}) retried a failed pin. */
  public Future<PinReply.Status> recover(String cid, boolean onlyHere, long minIndex) {
    return ask(() -> new PinRequest.Status(cid, ReadFrom.replica(minIndex), true, onlyHere), PinReply.Status::fromJson);
  }

  /**
   * One page of the pinset from this node's replica (read as {@link #get(String, long)}), in CID
   * order: the pins after CID {@code after} (null: from the first), at most {@code limit} and
   * {@code pin.list_page_size}, with the size of the pinset and whether more pins follow.
   */
  public Future<Page> page(String after, int limit, long minIndex) {
    return ask(() -> new PinRequest.ListPins(ReadFrom.replica(minIndex), after, limit), Page::fromJson);
  }

  /**
   * One page of statuses from this node's replica (read as {@link #get(String, long)}), in CID
   * order, and the CID the next page starts after (null after the last); each node is asked once
   * per page.
   *
   * @param after the CID the page starts after (null: from the first)
   * @param filter IPFS Cluster's status names and groups, comma-separated ({@code pinned,error});
   *     null or empty for every pin
   * @param onlyHere whether to give this node's status of every pin instead of each allocated node's
   * @param cids null for the whole pinset, else just these CIDs (those the pinset holds), as one page
   */
  public Future<StatusPage> statuses(String after, String filter, boolean onlyHere, List<String> cids, long minIndex) {
    return ask(() -> new PinRequest.Statuses(ReadFrom.replica(minIndex), after, null, PinStatuses.filter(filter),
        onlyHere, cids, false), StatusPage::fromJson);
  }

  /**
   * The pinset's read index: its commit index as the Raft leader confirms it now. A replica read
   * ({@link #page}, {@link #get(String, long)}, ...) with it as {@code minIndex} sees every pin change
   * acknowledged before this call, through whichever node it was made.
   */
  public Future<Long> readIndex() {
    return ask(PinRequest.ReadIndex::new, json -> PinReply.ReadIndex.fromJson(json).index());
  }

  /**
   * The cluster's peers as the pin service counts them, sorted by name: the members of the pinset's
   * Raft group, running or not (what IPFS Cluster lists in a status's {@code peer_map}).
   */
  public Future<List<String>> members() {
    return ask(PinRequest.Members::new, json -> PinReply.Members.fromJson(json).members());
  }

  /**
   * Each live node's pins in error ({@code pin_error}, {@code unpin_error}): how many, and at most
   * {@code limit} of them with their errors; each node asked once, none reads the whole pinset.
   */
  public Future<PinReply.Errors> errors(int limit) {
    return ask(() -> new PinRequest.Errors(limit), PinReply.Errors::fromJson);
  }

  /**
   * Adds node {@code node} to the cluster ({@link PinRequest.AddPeer}): completes once it is a voter
   * of every Raft group.
   */
  public Future<Void> addPeer(String node) {
    return ask(() -> new PinRequest.AddPeer(node), membership, json -> null);
  }

  /**
   * Removes node {@code node} from the cluster ({@link PinRequest.RemovePeer}): completes once it left
   * every Raft group and its pins were moved to live nodes.
   */
  public Future<Void> removePeer(String node) {
    return ask(() -> new PinRequest.RemovePeer(node), membership, json -> null);
  }

  /**
   * Sends the request {@code request} makes and reads the answer with {@code answer}; a request
   * that cannot be made (a malformed CID or filter) fails with its {@code bad-request} unsent.
   */
  private <A> Future<A> ask(Supplier<PinRequest> request, Function<JsonObject, A> answer) {
    return ask(request, options, answer);
  }

  private <A> Future<A> ask(Supplier<PinRequest> request, DeliveryOptions options, Function<JsonObject, A> answer) {
    PinRequest made;
    try {
      made = request.get();
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    return bus.ask(Addresses.PIN, made, options, answer);
  }
}
