package dev.ferry.raft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import dev.ferry.peers.Peer;
import io.microraft.RaftConfig;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code raft} section of the node's configuration (defaults in conf/node.json), checked: a
 * bad value fails start-up with its key's name; and the groups' initial voters from peers.json
 * ({@link #voters}), which the Raft service starts its groups with and the pin service's monitor
 * counts as members. Immutable.
 *
 * @param electionTimeout how long a candidate waits for votes ({@code election_timeout_ms})
 * @param heartbeatPeriodSecs how often a leader heartbeats ({@code heartbeat_period_ms}, in the whole
 *     seconds MicroRaft counts in)
 * @param heartbeatTimeoutSecs silence after which followers elect a new leader and a leader without
 *     a quorum steps down ({@code heartbeat_timeout_ms}, whole seconds likewise)
 * @param snapshotEvery log entries committed between snapshots ({@code snapshot_every}; MicroRaft's own
 *     count, which also sizes its log: an entry may be a batch of up to {@code batchMaxOps} ops)
 * @param snapshotEveryOps client ops applied between snapshots ({@code snapshot_every_ops}), whatever
 *     the entries that carried them
 * @param snapshotEveryBytes bytes of log written between snapshots ({@code snapshot_every_bytes})
 * @param shutdownSnapshot how long a replica stopping cleanly may wait for a snapshot of the ops it
 *     applied since its last one to be complete in its store, so that its next start replays none
 *     ({@code shutdown_snapshot_ms}; zero: no snapshot at shutdown)
 * @param maxPendingEntries uncommitted entries a leader holds before it rejects proposals
 *     ({@code max_pending_entries}, backpressure: code {@code rejected})
 * @param appendBatchSize entries per AppendEntries message ({@code append_batch_size})
 * @param batchMaxOps client ops the leader puts into one log entry at most ({@code batch_max_ops};
 *     1 turns batching off)
 * @param requestTimeout how long a proposal or query may take ({@code request_timeout_ms})
 * @param leaderWait how long a request waits for an election to finish before it fails with
 *     {@code no-leader} ({@code leader_wait_ms})
 * @param membershipTimeout how long a join (catch-up included) or leave may take
 *     ({@code membership_timeout_ms})
 * @param maxOpBytes the largest op accepted, as encoded JSON ({@code max_op_bytes}; larger: {@code too-large})
 * @param feedHistory committed entries each node keeps for feed requests ({@code feed_history})
 * @param snapshotChunkEntries state-machine records per snapshot chunk ({@code snapshot_chunk_entries})
 * @param catchUpLag a joining learner is promoted once its log is within this many entries of the
 *     leader's commit index ({@code catch_up_lag})
 * @param stuckFollowerChecks heartbeat periods a follower's match index may stay put while the
 *     commit index moves before the leader snapshots to unstick it ({@code stuck_follower_checks};
 *     the MicroRaft 0.7 workaround, see docs/RAFT.md)
 * @param storageRetry how often a replica stopped by a failing store checks whether its data dir
 *     takes writes again, to restart from its store ({@code storage_retry_ms})
 * @param storageProbeBytes bytes written (and fsynced, then deleted) to check that the data dir
 *     takes writes again ({@code storage_probe_bytes})
 * @param storeCheckTimeout how long a node without a store, nor a record of one, waits for the other
 *     nodes to say whether it had a store before ({@code store_check_timeout_ms})
 * @param backups how many backups of its pinset a node keeps in its data dir, written as it stops
 *     ({@code backups}; 0: none)
 * @param groups group name → state machine name ({@code groups.<group>.state_machine})
 */
public record RaftSettings(
    Duration electionTimeout,
    int heartbeatPeriodSecs,
    int heartbeatTimeoutSecs,
    int snapshotEvery,
    int snapshotEveryOps,
    long snapshotEveryBytes,
    Duration shutdownSnapshot,
    int maxPendingEntries,
    int appendBatchSize,
    int batchMaxOps,
    Duration requestTimeout,
    Duration leaderWait,
    Duration membershipTimeout,
    int maxOpBytes,
    int feedHistory,
    int snapshotChunkEntries,
    int catchUpLag,
    int stuckFollowerChecks,
    Duration storageRetry,
    int storageProbeBytes,
    Duration storeCheckTimeout,
    int backups,
    Map<String, String> groups) {

  /** peers.json field that keeps a peer out of the initial voters. */
  static final String VOTER_FIELD = "voter";

  public RaftSettings {
    groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
  }

  /**
   * The node's Raft settings: its {@code raft} section, read and checked at the first call on the
   * node and the same record after ({@link LocalServices#once}), for the Raft service and every
   * other reader (the client, the pin service, the web verticle).
   */
  public static RaftSettings of(NodeContext node) {
    return LocalServices.once(node.vertx(), RaftSettings.class, () -> from(node.config().section("raft")));
  }

  /** Reads and checks the {@code raft} section of a whole node configuration. */
  public static RaftSettings from(JsonObject nodeConfig) {
    return from(ConfigSection.root(nodeConfig).section("raft"));
  }

  /** Reads and checks the {@code raft} section ({@code node.config().section("raft")}). */
  public static RaftSettings from(ConfigSection raft) {
    RaftSettings s = new RaftSettings(
        raft.millis("election_timeout_ms"),
        seconds(raft, "heartbeat_period_ms"),
        seconds(raft, "heartbeat_timeout_ms"),
        raft.positive("snapshot_every"),
        raft.positive("snapshot_every_ops"),
        raft.bytes("snapshot_every_bytes"),
        raft.millisOrZero("shutdown_snapshot_ms", "no snapshot at shutdown"),
        raft.positive("max_pending_entries"),
        raft.positive("append_batch_size"),
        raft.positive("batch_max_ops"),
        raft.millis("request_timeout_ms"),
        raft.millis("leader_wait_ms"),
        raft.millis("membership_timeout_ms"),
        raft.intBytes("max_op_bytes"),
        raft.positive("feed_history"),
        raft.positive("snapshot_chunk_entries"),
        raft.positive("catch_up_lag"),
        raft.positive("stuck_follower_checks"),
        raft.millis("storage_retry_ms"),
        raft.intBytes("storage_probe_bytes"),
        raft.millis("store_check_timeout_ms"),
        raft.nonNegative("backups"),
        groups(raft));
    if (s.heartbeatTimeoutSecs <= s.heartbeatPeriodSecs) {
      throw raft.invalid("heartbeat_timeout_ms", "must be greater than raft.heartbeat_period_ms");
    }
    return s;
  }

  /**
   * How long a node waits for the leader to answer a forwarded request: the leader answers by its
   * own deadline ({@code timeout}); a heartbeat period more covers the trip.
   */
  public Duration forwardTimeout(Duration timeout) {
    return timeout.plusSeconds(heartbeatPeriodSecs);
  }

  /**
   * How long a client waits for a node's answer: the node may wait for an election and forward
   * twice (once more after a leader change) before it answers.
   */
  public Duration clientTimeout(Duration timeout) {
    return leaderWait.plus(forwardTimeout(timeout).multipliedBy(2)).plusSeconds(heartbeatPeriodSecs);
  }

  /** MicroRaft's configuration for these settings. */
  public RaftConfig raftConfig() {
    return RaftConfig.newBuilder()
        .setLeaderElectionTimeoutMillis(electionTimeout.toMillis())
        .setLeaderHeartbeatPeriodSecs(heartbeatPeriodSecs)
        .setLeaderHeartbeatTimeoutSecs(heartbeatTimeoutSecs)
        .setCommitCountToTakeSnapshot(snapshotEvery)
        .setMaxPendingLogEntryCount(maxPendingEntries)
        .setAppendEntriesRequestBatchSize(appendBatchSize)
        .setTransferSnapshotsFromFollowersEnabled(true)
        .setRaftNodeReportPublishPeriodSecs(heartbeatPeriodSecs)
        .build();
  }

  /** A heartbeat setting: milliseconds in the configuration, whole seconds for MicroRaft. */
  private static int seconds(ConfigSection raft, String key) {
    return (int) raft.wholeSeconds(key, "MicroRaft").toSeconds();
  }

  private static Map<String, String> groups(ConfigSection raft) {
    if (!raft.has("groups") || raft.section("groups").keys().isEmpty()) {
      throw raft.invalid("groups", "at least one group is required, e.g. {\"kv\": {\"state_machine\": \"kv\"}}");
    }
    ConfigSection groups = raft.section("groups");
    Map<String, String> result = new LinkedHashMap<>();
    for (String group : groups.keys()) {
      if (!group.matches("[a-z0-9_-]+") || group.equals("log")) {
        throw groups.invalid(group, "a group name is lowercase letters, digits, '-' or '_' (and not 'log')");
      }
      String known = " (known: " + String.join(", ", StateMachines.names()) + ")";
      Object value = groups.json().getValue(group);
      if (!(value instanceof JsonObject g) || !(g.getValue("state_machine") instanceof String machine)) {
        throw groups.invalid(group + ".state_machine", "the name of a state machine is required" + known);
      }
      if (!StateMachines.names().contains(machine)) {
        throw groups.invalid(group + ".state_machine", "no state machine named '" + machine + "'" + known);
      }
      result.put(group, machine);
    }
    return result;
  }

  /**
   * The initial voters of every group: each peers.json entry unless it says {@code "voter": false}
   * (such a node starts outside the groups and may {@code join} later), or this node alone when
   * there is no peers.json.
   */
  public static List<String> voters(NodeConfig config) {
    if (config.peers().isEmpty()) {
      return List.of(config.name());
    }
    List<String> voters = new ArrayList<>();
    for (Peer peer : config.peers().replicas()) {
      if (peer.name().equals("log")) {
        throw new ConfigException("peers.json: a node named 'log' would share its Raft address with the change "
            + "feed (ferry.raft.<group>.log): rename it");
      }
      JsonNode voter = peer.extra().get(VOTER_FIELD);
      if (voter != null && !voter.isBoolean()) {
        throw new ConfigException("peers.json: " + peer.name() + ": \"voter\" must be true or false, got " + voter);
      }
      if (voter == null || voter.asBoolean()) {
        voters.add(peer.name());
      }
    }
    if (voters.isEmpty()) {
      throw new ConfigException("peers.json: every peer says \"voter\": false; a Raft group needs at least one voter");
    }
    return List.copyOf(voters);
  }
}
