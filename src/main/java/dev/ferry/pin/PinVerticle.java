package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.FerryException;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.exchange.ClusterPins;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.pin.TrackerRequest.Batch;
import dev.ferry.pin.TrackerRequest.One;
import dev.ferry.pin.monitor.Monitor;
import dev.ferry.pin.monitor.MonitorConfig;
import dev.ferry.raft.RaftClient;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collective pinning on this node: answers {@code ferry.pin} for the cluster ({@link PinService}),
 * keeps this node's IPFS daemon in line with the pinset ({@link PinTracker}, asked on
 * {@code ferry.node.<name>.pin}), moves the pins of a node that leaves, runs the node's
 * {@link Monitor} (its metrics, every node's latest, alerts), and backs the pinset up when it
 * stops ({@link PinsetBackups}). Requests on both
 * addresses are records ({@link PinRequest}, {@link TrackerRequest}) decoded at the consumer.
 *
 * <p>Everything runs on this verticle's event loop; the service and the tracker keep their state there
 * (the backup's file writes go to a worker).
 */
public final class PinVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PinVerticle.class);

  private final NodeContext node;
  private IpfsConnector ipfs;
  private ClusterPins exchangePins;
  private PinTracker tracker;
  private PinsetBackups backups;
  private Monitor monitor;

  public PinVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    PinConfig config;
    RaftSettings raftSettings;
    MonitorConfig monitorConfig;
    AllocationConfig allocation;
    try {
      config = PinConfig.of(node);
      monitorConfig = MonitorConfig.from(node.config().section("pin"));
      allocation = AllocationConfig.from(node.config().section("pin"));
      raftSettings = RaftSettings.of(node);
      checkGroup(config, raftSettings);
      ipfs = ContentStore.forNode(node, config.concurrentPins());
      exchangePins = new ExchangePins(PinClient.forNode(node));  // reads settings: a bad one fails the start
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    RaftClient raft = RaftClient.forNode(node);
    tracker = new PinTracker(vertx, node.name(), config, ipfs, raft, node.meters());
    backups = new PinsetBackups(vertx, node, config, raft, raftSettings.backups());
    monitor = new Monitor(node, monitorConfig, ipfs, tracker::pinnedHere, tracker::queueLength,
        () -> raft.status(config.group()).map(status -> Set.copyOf(status.members())), RaftSettings.voters(node.config()));
    PinService service = new PinService(node, config, raft, List.copyOf(raftSettings.groups().keySet()),
        new Placement(allocation, monitor::latest), raftSettings.maxOpBytes());
    return Future.all(serve(service), serveTracker(), followMembers(service), monitor.start())
        .onSuccess(x -> {
          service.expireEvery();
          LocalServices.publish(vertx, ClusterPins.class, exchangePins);  // the block exchange's handoff asks it
          log.info("pinning up on {}: pinset in Raft group {}, content in {}", node.name(), config.group(), ipfs);
          // in the background: the group has no quorum until enough nodes have started
          tracker.start();
        });
  }

  @Override
  public Future<?> stop() {
    if (exchangePins != null) {
      LocalServices.withdraw(vertx, ClusterPins.class, exchangePins);
    }
    // the Raft groups stop after this verticle, so the replica still answers the backup's reads
    Future<?> backedUp = backups == null ? Future.succeededFuture() : backups.write()
        .onFailure(e -> log.warn("no pinset backup on {}: {}", node.name(), e.getMessage()));
    return backedUp.transform(x -> monitor == null ? Future.succeededFuture() : monitor.stop())
        .eventually(() -> tracker == null ? Future.succeededFuture() : tracker.stop())
        .eventually(() -> ipfs == null ? Future.succeededFuture() : ipfs.close());
  }

  /** The pinset's group must exist here and keep a {@link PinSet}: say which setting is wrong. */
  private static void checkGroup(PinConfig config, RaftSettings raft) {
    String machine = raft.groups().get(config.group());
    if (!PinSet.NAME.equals(machine)) {
      throw new FerryException(FerryException.BAD_REQUEST, "pin.group is " + config.group() + ", but raft.groups."
          + config.group() + ".state_machine is " + machine + "; it must be " + PinSet.NAME);
    }
  }

  private Future<Void> serve(PinService service) {
    Dispatch<PinRequest, Future<? extends BusJson>> dispatch = service.requests();
    return vertx.eventBus().consumer(Addresses.PIN, m -> PinRequest.REQUESTS.serve(m, dispatch::apply)).completion();
  }

  /**
   * This node's status of one CID ({@link TrackerRequest}), or of several, a part of its stream of
   * statuses for a listing, or a few of its errors, read from its tracker.
   */
  private Future<Void> serveTracker() {
    Dispatch<TrackerRequest, Future<? extends BusJson>> dispatch =
        Dispatch.<TrackerRequest, Future<? extends BusJson>>over(TrackerRequest.class)
            .on(One.class, r -> Future.succeededFuture(statusOf(r.cid(), r.recover())))
            .on(Batch.class, r -> {
              Map<String, PinReply.NodeStatus> statuses = new LinkedHashMap<>();
              r.cids().forEach(cid -> statuses.put(cid, statusOf(cid, r.recover())));
              return Future.succeededFuture(new TrackerStatuses(statuses));
            })
            .on(TrackerRequest.Listing.class, r -> Future.succeededFuture(r.recover()
                ? tracker.recoverAfter(r.after(), r.limit()) : tracker.statusesAfter(r.after(), r.limit())))
            .on(TrackerRequest.Errors.class, r -> Future.succeededFuture(tracker.errors(r.limit())))
            .build();
    return vertx.eventBus().consumer(Addresses.nodePin(node.name()), m -> TrackerRequest.REQUESTS.serve(m, dispatch::apply))
        .completion();
  }

  private PinReply.NodeStatus statusOf(String cid, boolean recover) {
    if (recover) {
      tracker.recover(cid);
    }
    return tracker.status(cid);
  }

  private Future<Void> followMembers(PinService service) {
    return node.members().onLeft(left -> service.nodeLeft(left.node()));
  }
}
