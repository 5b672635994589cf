package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.raft.Discovered;
import dev.ferry.raft.RaftRequest.Discover;
import dev.ferry.raft.RaftSettings;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader: records in the log which store each member runs on ({@link StoreRecordOp}), for
 * every committed member the group has no record of yet. The leader's own store it knows; another
 * member's it asks with {@code discover} (its reply carries {@code storeId}), and records it only if
 * the replica that answers is that member (same endpoint). A member that does not answer (not
 * started yet, as in a cluster whose nodes start one after another) is asked again at the next
 * report.
 *
 * <p>Confined to the group's Raft executor context: {@link #leading()} runs from MicroRaft's
 * reports, once per heartbeat period, and the bus replies come back on the same context.
 */
final class StoreRecorder {
  private static final Logger log = LoggerFactory.getLogger(StoreRecorder.class);

  private final BusClient bus;
  private final String group;
  private final RaftSettings settings;
  private final RaftNode raft;
  private final StoreRecords records;
  /** Members asked or being recorded now. */
  private final Set<NodeEndpoint> recording = new HashSet<>();

  StoreRecorder(Vertx vertx, String group, RaftSettings settings, RaftNode raft, StoreRecords records) {
    this.bus = BusClient.of(vertx);
    this.group = group;
    this.settings = settings;
    this.raft = raft;
    this.records = records;
  }

  /** This replica leads: record the stores of the members that have none recorded. */
  void leading() {
    for (RaftEndpoint endpoint : raft.getCommittedMembers().getMembers()) {
      NodeEndpoint member = (NodeEndpoint) endpoint;
      if (records.has(member) || !recording.add(member)) {
        continue;
      }
      Future<String> storeId = member.equals(raft.getLocalEndpoint())
          ? Future.succeededFuture(records.ownId()) : storeOf(member);
      storeId.compose(id -> Future.fromCompletionStage(raft.replicate(new StoreRecordOp(member.id(), id))))
          .onSuccess(x -> log.debug("raft group {}: recorded the store of {}", group, member))
          .onFailure(e -> log.debug("raft group {}: the store of {} is not recorded yet: {}", group, member,
              e.getMessage()))
          .onComplete(x -> recording.remove(member));
    }
  }

  /** The store id of {@code member}'s replica, if the replica that answers is that member. */
  private Future<String> storeOf(NodeEndpoint member) {
    return bus.ask(Addresses.raftNode(group, member.name()), new Discover(),
            new DeliveryOptions().setSendTimeout(settings.requestTimeout().toMillis()), Discovered::fromJson)
        .compose(found -> {
          String id = found.storeId();
          if (!member.id().equals(found.endpoint()) || id == null) {
            return Future.failedFuture(member.name() + " runs " + found.endpoint() + " now, not " + member
                + (id == null ? " (a ferry without store ids)" : ""));
          }
          return Future.succeededFuture(id);
        });
  }
}
