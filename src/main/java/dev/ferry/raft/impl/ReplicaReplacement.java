package dev.ferry.raft.impl;

import dev.ferry.core.NodeContext;
import io.microraft.RaftNode;
import io.microraft.persistence.RestoredRaftState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a group's replica and starts another on the group's store file, when the replica is in a
 * state only that clears: this node was removed from the group (a fresh store, the old one
 * deleted), the replica is stuck (restarted from its store, as after a process restart) or the
 * group recorded this node on another store than the one it runs on (a fresh store, the old one set
 * aside). At most one replacement runs at a time; a failed one is reported to the {@link StoreWatch},
 * which tries again.
 *
 * <p>Confined to the group's Raft executor context (the {@link GroupVerticle}'s ordered worker
 * context): every entry point is called there, and the {@link Host} is called there too.
 */
final class ReplicaReplacement {
  private static final Logger log = LoggerFactory.getLogger(ReplicaReplacement.class);

  /** What a replacement needs of the group it replaces the replica of. */
  interface Host {
    /** The current replica. */
    RaftNode raft();

    /** The current replica's store. */
    DurableStore store();

    /** The group's records of stores, as the current replica applied them. */
    StoreRecords records();

    /** Whether the group is stopping (nothing is replaced then). */
    boolean stopping();

    /** Opens the group's store file (creating it if it is gone): the group's store from now on. */
    DurableStore openStore();

    /**
     * Builds a replica on the current store (restored from {@code restored}, or as {@code self} with
     * the voters {@code initial}) and starts it: the group's replica from now on.
     */
    Future<Void> startReplica(Optional<RestoredRaftState> restored, NodeEndpoint self, List<String> initial);
  }

  /** Whether a replaced replica gets a fresh store, and what becomes of the old one. */
  private enum Fresh {
    /** No: restarted from its store. */
    NO,
    /** A removed member's store is deleted. */
    DELETE,
    /** A store the group says is not the member's ({@link #lostStore}) is moved aside, not deleted. */
    SET_ASIDE
  }

  private final NodeContext node;
  private final String group;
  private final List<String> voters;
  private final Path file;
  private final Context context;
  private final ContextExecutor executor;
  private final StoreWatch storeWatch;
  private final Host host;
  private boolean underway;

  /** @param voters the group's initial voting members; @param file the group's store file */
  ReplicaReplacement(NodeContext node, String group, List<String> voters, Path file, Context context,
      ContextExecutor executor, StoreWatch storeWatch, Host host) {
    this.node = node;
    this.group = group;
    this.voters = voters;
    this.file = file;
    this.context = context;
    this.executor = executor;
    this.storeWatch = storeWatch;
    this.host = host;
  }

  /** Whether a replacement is under way (the replica ending meanwhile is its doing). */
  boolean underway() {
    return underway;
  }

  /**
   * This node is no longer a member (it applied its own removal, or the leader said so): MicroRaft
   * ends a removed member's replica for good, or never tells a removed follower, so the store is
   * dropped and an empty replica runs outside the group, which answers requests like any
   * non-member and asks nobody for votes. It has the next store generation, so it may join again
   * as a new member (its removal, replayed from the log, is another member's).
   */
  void removed() {
    if (!host.stopping() && !underway) {
      underway = true;
      log.info("raft group {}: {} left the group; its replica starts over, empty, outside the group", group,
          node.name());
      executor.submit(() -> replace(Fresh.DELETE, 0));
    }
  }

  /**
   * The leader said this node was removed (it checked with the leader's members): acted on only if
   * this replica still counts itself a member. A replica already outside the group (a new
   * generation after a lost store, a {@code "voter": false} node) was not removed from anything,
   * and starting it over would only change the endpoint a concurrent join is adding.
   */
  void toldRemoved() {
    RaftNode raft = host.raft();
    if (raft.getCommittedMembers().getMembers().contains(raft.getLocalEndpoint())) {
      removed();
    }
  }

  /**
   * The replica is stuck in a state only a restart clears: a snapshot transfer MicroRaft would
   * never finish nor drop ({@link StaleSnapshotTransfer}; its chunks at {@code dropChunksAt} go
   * too), or a stale pre-vote ({@link SilentLeaderWatch}; 0).
   */
  void restart(long dropChunksAt) {
    if (!host.stopping() && !underway) {
      underway = true;
      replace(Fresh.NO, dropChunksAt);
    }
  }

  /**
   * The group recorded this replica's endpoint (or a later generation of this node) with another
   * store than the one it runs on ({@link StoreRecords}, on the Raft executor while it applies): this
   * node lost the store that member ran on, as when its whole data dir was replaced while no other
   * node could tell it at start-up. It must not vote as that member, so its replica ends and comes
   * back as the next generation outside the group, on a fresh store; the store it ran on is kept
   * aside.
   */
  void lostStore(NodeEndpoint recorded, String recordedId) {
    if (host.stopping() || underway) {
      return;
    }
    underway = true;
    NodeEndpoint self = (NodeEndpoint) host.raft().getLocalEndpoint();
    String id = host.store().id();
    log.error("raft group {}: the group recorded {} on store {}, but {} runs as {} on store {} ({}): it lost the "
        + "store it had as {} (its data dir was replaced?) and forgot what it acknowledged, so it must not vote as "
        + "{}; its replica restarts outside the group as a new generation, on a new store (the one it ran on is "
        + "kept beside it, named *.set-aside-{}; delete it when you like). To make it a voter again: `leave {}`, "
        + "then `join {}` (it catches up as a learner first; docs/RAFT.md)", group, recorded, recordedId,
        node.name(), self, id, file, recorded, self, id, node.name(), node.name());
    executor.submit(() -> replace(Fresh.SET_ASIDE, 0));
  }

  /**
   * Ends the current replica and starts a new one on the group's store file: a fresh one ({@code
   * fresh}), or restored from what is on disk, as after a process restart, less the incomplete
   * snapshot chunks at {@code dropChunksAt} (0: none). A replica on an empty store runs as the next
   * generation after every one of this node the group has recorded.
   */
  private void replace(Fresh fresh, long dropChunksAt) {
    NodeEndpoint current = (NodeEndpoint) host.raft().getLocalEndpoint();
    NodeEndpoint next = new NodeEndpoint(node.name(), Math.max(current.generation(),
        host.records().latest(node.name()).map(NodeEndpoint::generation).orElse(0)) + 1);
    String oldId = host.store().id();
    Future.fromCompletionStage(host.raft().terminate(), context)
        .transform(x -> {
          host.store().close(); // no-op if MicroRaft closed it; a replica that applied its removal it does not close
          Optional<RestoredRaftState> restored = Optional.empty();
          try {
            if (fresh == Fresh.DELETE) {
              DurableStore.delete(file);
            } else if (fresh == Fresh.SET_ASIDE) {
              DurableStore.setAside(file, oldId);
            }
            DurableStore store = host.openStore();
            if (dropChunksAt > 0) {
              store.dropSnapshotChunks(dropChunksAt);
            }
            if (fresh == Fresh.NO) {
              restored = store.restore();
            }
          } catch (IOException | RuntimeException e) {
            return Future.failedFuture(new IllegalStateException("cannot reopen the store " + file, e));
          }
          List<String> others = voters.stream().filter(v -> !v.equals(node.name())).toList();
          // an empty store (fresh, or gone since) never restarts as the member it was
          return restored.isEmpty()
              ? host.startReplica(restored, next, others.isEmpty() ? voters : others)
              : host.startReplica(restored, current, voters);
        })
        .onComplete(ar -> underway = false)
        .onFailure(e -> {
          if (!host.stopping()) {
            storeWatch.failed(e); // logged there; tried again every raft.storage_retry_ms
          }
        });
  }
}
