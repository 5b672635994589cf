package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.Fields;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import dev.ferry.raft.RaftRequest;
import dev.ferry.raft.RaftSettings;
import dev.ferry.raft.StateMachine;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.message.RaftMessage;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.report.RaftNodeReport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft group on this node: its durable store, its MicroRaft node, and the addresses it serves
 * (peer traffic, the client API on every node, this node's own API). Deployed by
 * {@link dev.ferry.raft.RaftVerticle} as a worker verticle, so its context is the ordered worker
 * context the Raft executor, the store's fsyncs and every handler here share: all state of the
 * group is confined to it and needs no locks. Replacing the replica (after a removal, when stuck, on
 * a lost store) is {@link ReplicaReplacement}'s, the group's meters are {@link GroupMetrics}, when
 * to snapshot is {@link SnapshotPolicy}'s.
 *
 * <p>A clean stop first snapshots the ops applied since the last snapshot (from the moment the node
 * says it is stopping, {@link Addresses#NODE_EVENTS}) and waits, at most
 * {@code raft.shutdown_snapshot_ms}, until that snapshot is complete in the store, so the next start
 * restores it instead of replaying the log after the previous one ({@link ShutdownSnapshot}).
 */
public final class GroupVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(GroupVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** Requests a replica stopped by its store still answers; the others answer the store's failure. */
  private static final Set<Class<?>> SERVED_WHILE_DOWN = Set.of(RaftRequest.Status.class, RaftRequest.Discover.class,
      RaftRequest.Feed.class, RaftRequest.Removed.class);

  private final NodeContext node;
  private final String group;
  private final RaftSettings settings;
  private final Supplier<StateMachine> machines;
  private final List<String> voters;
  private final ModelCodec codec = new ModelCodec(new DefaultRaftModelFactory());

  private ContextExecutor executor;
  private DurableStore store;
  private RaftNode raft;
  private GroupRequests requests;
  private StuckFollowerWatch watch;
  private StaleSnapshotTransfer staleSnapshots;
  private SilentLeaderWatch silentLeader;
  private StoreWatch storeWatch;
  private StoreIdentity identity;
  private StoreHistory history;
  /** The current replica's store id and the group's records of stores, as it applied them. */
  private StoreRecords records;
  private StoreRecorder recorder;
  /** Whether the current replica has started; a replica that fails to start says so through its start future. */
  private boolean replicaStarted;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private String leader;
  private GroupMetrics metrics;
  private boolean stopping;
  private ReplicaReplacement replacement;
  private ShutdownSnapshot shutdownSnapshot;

  /**
   * @param machines makes the group's (empty) state machine
   * @param voters the group's initial voting members (node names), the same on every node
   */
  public GroupVerticle(NodeContext node, String group, RaftSettings settings, Supplier<StateMachine> machines,
      List<String> voters) {
    this.node = node;
    this.group = group;
    this.settings = settings;
    this.machines = machines;
    this.voters = List.copyOf(voters);
  }

  @Override
  public Future<?> start() {
    metrics = new GroupMetrics(node.meters(), group);
    executor = new ContextExecutor(vertx, context);
    identity = new StoreIdentity(node, group);
    history = new StoreHistory(vertx, node, group, settings);
    storeWatch = new StoreWatch(vertx, node, group, settings, storeFile(node, group), executor,
        () -> replacement.restart(0));
    replacement = new ReplicaReplacement(node, group, voters, storeFile(node, group), context, executor, storeWatch,
        new Replica());
    staleSnapshots = new StaleSnapshotTransfer(group, () -> raft, replacement::restart);
    shutdownSnapshot = new ShutdownSnapshot(vertx, context, group, node.name(), settings.shutdownSnapshot());
    return startRaft()
        .compose(v -> serve())
        .onSuccess(v -> watch = new StuckFollowerWatch(vertx, group, () -> raft, settings, node.members()::isUp))
        .onSuccess(v -> silentLeader = new SilentLeaderWatch(vertx, group, () -> raft, settings,
            () -> replacement.restart(0)))
        .onSuccess(v -> logStarted());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (watch != null) {
      watch.stop();
    }
    if (silentLeader != null) {
      silentLeader.stop();
    }
    if (storeWatch != null) {
      storeWatch.stop();
    }
    return snapshotBeforeStop()
        .transform(x -> {
          Leaders.of(vertx).reported(group, null);  // stopped: it knows no leader
          metrics.remove();
          if (requests != null) {
            requests.stop();
          }
          return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
        })
        .transform(x -> Future.fromCompletionStage(raft.terminate(), context))
        .onComplete(x -> log.info("raft group {} stopped on {}", group, node.name()));
  }

  /** The snapshot at a clean stop ({@link ShutdownSnapshot}), if the replica can still take one. */
  private Future<Void> snapshotBeforeStop() {
    return shutdownSnapshot.take(replicaStarted && store.failure() == null);
  }

  /** The store file of this group on this node. */
  public static Path storeFile(NodeContext node, String group) {
    return node.config().dataDir().resolve("raft").resolve(group + ".db");
  }

  /**
   * Opens the store and starts the replica: restored from the store, or as the next generation
   * outside the group if this node had a store and lost it, or as a first store. A node that finds
   * no store knows it had one from its {@link StoreIdentity} record or, without that record (its
   * whole data dir lost), from the group's records of stores, which it asks the other nodes for
   * ({@link StoreHistory}). A replica that cannot start fails the group's start (and so the node's),
   * naming the file and what to do; its store is left as it is.
   */
  private Future<Void> startRaft() {
    Path file = storeFile(node, group);
    Optional<RestoredRaftState> restored;
    Optional<NodeEndpoint> had;
    try {
      Files.createDirectories(file.getParent());
      store = DurableStore.open(file, codec, this::storeFailed);
      restored = store.restore();
      checkOwner(restored);
      had = identity.read();
    } catch (IOException | RuntimeException e) {
      if (store != null) {
        store.close();
      }
      return Future.failedFuture(storeWatch.cannotStart(e));
    }
    Future<Optional<StoreHistory.Lost>> lost = restored.isPresent() ? Future.succeededFuture(Optional.empty())
        : history.lost(had, identity, voters);
    return lost.compose(l -> startReplica(restored, l));
  }

  private Future<Void> startReplica(Optional<RestoredRaftState> restored, Optional<StoreHistory.Lost> lost) {
    Path file = storeFile(node, group);
    NodeEndpoint self = new NodeEndpoint(node.name());
    List<String> initial = voters;
    if (restored.isEmpty() && lost.isPresent()) {
      NodeEndpoint had = lost.get().endpoint();
      List<String> others = voters.stream().filter(v -> !v.equals(node.name())).toList();
      if (others.isEmpty() && !lost.get().toldByPeers()) {
        store.close();
        return Future.failedFuture(storeWatch.cannotStart(new ConfigException(file + " is gone, but this node had a store "
            + "as " + had + " (" + identity.file() + ") and no other voter holds the group's log: its "
            + "committed entries are lost. To start the group again, empty, delete " + identity.file())));
      }
      self = had.next();
      initial = others.isEmpty() ? voters : others;
      log.error("raft group {}: {} has no store {}, but it had a store as {} (known from {}): it forgot what it "
          + "acknowledged, so it must not vote as {}; its replica runs as {} outside the group. To make it a voter "
          + "again: `leave {}`, then `join {}` (it catches up as a learner first; docs/RAFT.md)", group, node.name(),
          file, had, lost.get().source(), had, self, node.name(), node.name());
    }
    raft = build(restored, self, initial);
    return Future.fromCompletionStage(raft.start(), context)
        .compose(v -> replicaUp(false))
        .recover(e -> {
          store.close();
          return Future.failedFuture(storeWatch.cannotStart(e));
        });
  }

  /** The current replica started: remember its store's identity, clear a store failure. */
  private Future<Void> replicaUp(boolean recovered) {
    replicaStarted = true;
    try {
      identity.write((NodeEndpoint) raft.getLocalEndpoint());
    } catch (IOException e) {
      return Future.failedFuture(storeWatch.describe(new IllegalStateException("cannot write "
          + identity.file() + ": " + e.getMessage(), e)));
    }
    if (recovered) {
      storeWatch.recovered();
    }
    return Future.succeededFuture();
  }

  /**
   * The store failed a write (on the Raft executor, inside the failing call): a running replica is
   * stopped, since what MicroRaft holds in memory may no longer be on disk, and the store watch
   * restarts it from the store once the data dir takes writes again. During a start the start
   * fails instead.
   */
  private RuntimeException storeFailed(RuntimeException cause) {
    if (!replicaStarted || stopping) {
      return storeWatch.describe(cause);
    }
    FerryException failure = storeWatch.failed(cause);
    RaftNode failing = raft;
    Future.fromCompletionStage(failing.terminate(), context);
    return failure;
  }

  private void checkOwner(Optional<RestoredRaftState> restored) {
    restored.map(s -> NodeEndpoint.nameOf(s.getLocalEndpointPersistentState().getLocalEndpoint()))
        .filter(owner -> !owner.equals(node.name()))
        .ifPresent(owner -> {
          throw new ConfigException("raft group " + group + ": " + storeFile(node, group) + " belongs to node "
              + owner + ", not " + node.name() + ": check data_dir");
        });
  }

  /** @param self and {@code initial} (the initial voters) are for a replica without a restored state */
  private RaftNode build(Optional<RestoredRaftState> restored, NodeEndpoint self, List<String> initial) {
    replicaStarted = false;
    Feed feed = new Feed(vertx, group, settings.feedHistory());
    StateMachine machine = machines.get();
    records = new StoreRecords(store.id());
    SnapshotPolicy snapshots = new SnapshotPolicy(group, settings.snapshotEveryOps(), settings.snapshotEveryBytes(),
        store::logBytesWritten, metrics.appliedOps());
    DurableStore replicaStore = store;
    replicaStore.onSnapshotStored(index -> {
      metrics.snapshotStored(index);
      if (replicaStore == store) {
        shutdownSnapshot.stored(index);
      }
    });
    StateMachineAdapter adapter = new StateMachineAdapter(group, machine, feed, records, snapshots,
        metrics.snapshotCapture(), parts -> make(parts, replicaStore));
    var builder = RaftNode.newBuilder()
        .setGroupId(group)
        .setConfig(settings.raftConfig())
        .setExecutor(executor)
        .setTransport(new BusTransport(vertx, group, codec, name -> node.members().isUp(name)))
        .setStateMachine(adapter)
        .setStore(store)
        .setModelFactory(codec.factory())
        .setRaftNodeReportListener(this::onReport);
    if (restored.isPresent()) {
      builder.setRestoredState(restored.get());
    } else {
      builder.setLocalEndpoint(self)
          .setInitialGroupMembers(initial.stream().<RaftEndpoint>map(NodeEndpoint::new).toList());
    }
    RaftNode built = builder.build();
    shutdownSnapshot.replica(built, snapshots);
    adapter.currentTerm(() -> built.getTerm().getTerm());
    snapshots.requestWith(done -> Future.fromCompletionStage(built.takeSnapshot(), context).onComplete(ar -> {
      if (ar.failed()) {
        log.debug("raft group {}: no snapshot taken: {}", group, ar.cause().toString());
      }
      done.run();
    }));
    records.watch((NodeEndpoint) built.getLocalEndpoint(), replacement::lostStore);
    recorder = new StoreRecorder(vertx, group, settings, built, records);
    requests = new GroupRequests(vertx, node, group, settings, built, machine, feed, executor, replacement::toldRemoved,
        records);
    return built;
  }

  /**
   * Makes a snapshot's parts on a worker thread, one after the other, and has {@code into} write
   * each once it is made, on the Raft executor (see {@link StateMachineAdapter}); stops if that
   * store was closed meanwhile (the replica was replaced).
   */
  private void make(List<SnapshotPart> parts, DurableStore into) {
    vertx.executeBlocking(() -> {
      long started = System.nanoTime();
      for (SnapshotPart part : parts) {
        if (into.isClosed()) {
          return null;
        }
        part.make();
        executor.submit(into::writeMade);
      }
      metrics.snapshotMake().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      return null;
    }, false).onFailure(e -> log.error("raft group {}: a snapshot could not be made; the log it covers stays in the "
        + "store until a later snapshot is", group, e));
  }

  private Future<Void> serve() {
    var bus = vertx.eventBus();
    // the node is stopping: snapshot while the verticles undeployed before this one stop (the pin
    // verticle's backup reads the whole pinset), so the snapshot is usually complete when stop() asks
    consumers.add(bus.<Object>localConsumer(Addresses.NODE_EVENTS, m -> {
      if (m.body() instanceof JsonObject event && "stopping".equals(event.getString("event"))) {
        snapshotBeforeStop();
      }
    }));
    consumers.add(bus.consumer(Addresses.raftPeer(group, node.name()), this::onPeerMessage));
    consumers.add(bus.consumer(Addresses.raft(group), m -> answer(m, false)));
    consumers.add(bus.consumer(Addresses.raftNode(group, node.name()), m -> answer(m, true)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Raft traffic (JSON bytes); a JSON object here is a discover request. */
  private void onPeerMessage(Message<Object> message) {
    if (message.body() instanceof Buffer bytes) {
      try {
        RaftMessage decoded = codec.decodeMessage(bytes.getBytes());
        staleSnapshots.received(decoded);
        raft.handle(decoded);
      } catch (RuntimeException e) {
        log.warn("raft group {}: dropped a malformed peer message: {}", group, e.getMessage());
      }
    } else {
      answer(message, true);
    }
  }

  /** A client API request; {@code internal} for this node's own address (forwarded requests arrive there). */
  private void answer(Message<Object> message, boolean internal) {
    RaftRequest request;
    Hop hop;
    try {
      request = RaftRequest.REQUESTS.decode(message.body());
      hop = Hop.of(Fields.of((JsonObject) message.body()), internal);
    } catch (FerryException e) {
      e.failReply(message);
      return;
    }
    FerryException down = storeWatch.failure();
    Future<BusJson> answer = down != null && !SERVED_WHILE_DOWN.contains(request.getClass())
        ? Future.failedFuture(down)
        : requests.handle(request, hop);
    Requests.reply(message, answer, e -> storeWatch.failure() != null ? storeWatch.failure() : RaftErrors.of(group, e));
  }

  /** MicroRaft's reports (on the Raft executor): log leader changes, wake waiters, notice removal. */
  private void onReport(RaftNodeReport report) {
    metrics.reported(report);
    String now = NodeEndpoint.nameOf(report.getTerm().getLeaderEndpoint());
    if (now != null && !now.equals(leader)) {
      metrics.leaderChanged();
      log.info("raft group {}: leader is {} (term {}), seen from {}", group, now, report.getTerm().getTerm(),
          node.name());
      vertx.eventBus().publish(Addresses.events("raft"), new JsonObject().put("group", group)
          .put("leader", now).put("term", report.getTerm().getTerm()).put("node", node.name()), LOCAL);
    }
    leader = now;
    Leaders.of(vertx).reported(group, report.getStatus() == RaftNodeStatus.TERMINATED ? null : now);
    if (now != null && requests != null) {
      requests.leaderKnown();
    }
    if (report.getRole() == RaftRole.LEADER && report.getStatus() != RaftNodeStatus.TERMINATED && recorder != null) {
      recorder.leading();
    }
    if (report.getStatus() == RaftNodeStatus.TERMINATED) {
      terminated(report);
    }
  }

  /**
   * The replica ended. Only the removal of this node, applied from the log (its endpoint is no
   * longer among the committed members), drops the store; our own stops, a failed start and a
   * failed store never do.
   */
  private void terminated(RaftNodeReport report) {
    if (stopping || replacement.underway() || !replicaStarted || store.failure() != null) {
      return;
    }
    if (!report.getCommittedMembers().getMembers().contains(report.getEndpoint())) {
      replacement.removed();
      return;
    }
    storeWatch.failed(new FerryException(FerryException.STORAGE_ERROR, "raft group " + group + " on "
        + node.name() + ": its replica stopped unexpectedly while still a member; it restarts from its store "
        + storeFile(node, group) + " every " + settings.storageRetry().toMillis() + " ms until it runs"));
  }

  /** The group's current replica, as {@link ReplicaReplacement} sees and replaces it. */
  private final class Replica implements ReplicaReplacement.Host {
    @Override
    public RaftNode raft() {
      return raft;
    }

    @Override
    public DurableStore store() {
      return store;
    }

    @Override
    public StoreRecords records() {
      return records;
    }

    @Override
    public boolean stopping() {
      return stopping;
    }

    @Override
    public DurableStore openStore() {
      store = DurableStore.open(storeFile(node, group), codec, GroupVerticle.this::storeFailed);
      return store;
    }

    @Override
    public Future<Void> startReplica(Optional<RestoredRaftState> restored, NodeEndpoint self, List<String> initial) {
      raft = build(restored, self, initial);
      staleSnapshots.reset();
      return Future.fromCompletionStage(raft.start(), context).compose(v -> replicaUp(true));
    }
  }

  private void logStarted() {
    var term = raft.getTerm();
    boolean voter = raft.getEffectiveMembers().getVotingMembers().contains(raft.getLocalEndpoint());
    boolean member = raft.getEffectiveMembers().getMembers().contains(raft.getLocalEndpoint());
    log.info("raft group {} started on {} as {} (term {}, members {}, store {})", group, node.name(),
        voter ? "voter" : member ? "learner" : "non-member", term.getTerm(),
        raft.getEffectiveMembers().getMembers(), storeFile(node, group));
  }
}
