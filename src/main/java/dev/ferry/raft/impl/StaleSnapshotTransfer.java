package dev.ferry.raft.impl;

import io.microraft.RaftNode;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import io.vertx.core.Future;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ferry's workaround for a second MicroRaft 0.7 flaw: a follower that is collecting the chunks of
 * a snapshot at index S keeps that transfer in memory until it completes, and ignores, without an
 * answer, every snapshot offer at an index below S. If the leader that offered S stops before the
 * transfer completes, a new leader whose own snapshot is below S (the old leader snapshotted at an
 * index nobody else did: the stuck-follower workaround's early snapshot, or a regular one at an
 * index the new leader had not yet learned was committed) can never bring that follower up to
 * date; with two voters of three left the group then commits nothing, and the new leader steps
 * down at every heartbeat timeout: no usable leader for as long as it lasts.
 *
 * <p>So each snapshot message this node receives passes through here first. A leader's offer from
 * a later term than the transfer in flight, at an index below it, while this node has still not
 * committed up to that transfer, is the case MicroRaft would ignore for good: the node then
 * restarts its replica from its store ({@code restart}, with S), which drops the abandoned transfer
 * and its incomplete chunks, exactly as a process restart would; the new leader's next offer is
 * then taken.
 *
 * <p>Confined to the group's Raft executor context.
 */
final class StaleSnapshotTransfer {
  private static final Logger log = LoggerFactory.getLogger(StaleSnapshotTransfer.class);

  private final String group;
  private final Supplier<RaftNode> raft;
  private final LongConsumer restart;
  /** The index and offering term of the latest transfer this replica may be collecting; 0 if none. */
  private long index;
  private int term;
  private boolean restarting;

  /** @param restart restarts the replica from its store, dropping the snapshot chunks at the given index */
  StaleSnapshotTransfer(String group, Supplier<RaftNode> raft, LongConsumer restart) {
    this.group = group;
    this.raft = raft;
    this.restart = restart;
  }

  /** Looks at a message before MicroRaft handles it. */
  void received(RaftMessage message) {
    if (!(message instanceof InstallSnapshotRequest offer) || restarting) {
      return;
    }
    if (offer.getSnapshotIndex() > index) {
      index = offer.getSnapshotIndex();
      term = offer.getTerm();
    } else if (offer.isSenderLeader() && offer.getTerm() > term && offer.getSnapshotIndex() < index) {
      confirm(offer, index);
    }
  }

  /** The replica was replaced: whatever it was collecting is gone. */
  void reset() {
    index = 0;
    term = 0;
    restarting = false;
  }

  /** Checks against the replica's own commit index (the transfer may have completed after all), then restarts. */
  private void confirm(InstallSnapshotRequest offer, long abandoned) {
    restarting = true;
    Future.fromCompletionStage(raft.get().getReport()).onComplete(ar -> {
      long committed = ar.succeeded() ? ar.result().getResult().getLog().getCommitIndex() : Long.MAX_VALUE;
      if (committed >= abandoned) {
        index = 0; // installed or caught up: nothing is in flight any more
        restarting = false;
        return;
      }
      log.warn("raft group {}: leader {} (term {}) offers a snapshot at index {}, below the transfer at index {} "
          + "whose leader is gone (MicroRaft 0.7 would ignore every such offer); restarting the replica from its "
          + "store to drop that transfer", group, NodeEndpoint.nameOf(offer.getSender()), offer.getTerm(),
          offer.getSnapshotIndex(), abandoned);
      restart.accept(abandoned);
    });
  }
}
