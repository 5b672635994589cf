package dev.ferry.raft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import dev.ferry.peers.Peer;
import dev.ferry.raft.impl.GroupVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Raft service (a per-node singleton, {@code verticles/raft.json}): hosts every group
 * of {@code raft.groups}, each with its state machine, durable log and client API (docs/RAFT.md).
 *
 * <p>Each group runs in its own worker verticle ({@link GroupVerticle}) whose ordered worker
 * context is that group's Raft executor; this verticle only checks the configuration and deploys
 * them, so it owns no state after start. Undeploying it undeploys the groups.
 */
public final class RaftVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RaftVerticle.class);
  /** peers.json field that keeps a peer out of the initial voters. */
  static final String VOTER_FIELD = "voter";

  private final NodeContext node;

  public RaftVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    RaftSettings settings;
    List<String> voters;
    try {
      settings = RaftSettings.of(node);
      voters = voters(node.config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, String> group : settings.groups().entrySet()) {
      chain = chain.compose(v -> deploy(group.getKey(), group.getValue(), settings, voters));
    }
    return chain.onSuccess(v -> log.info("raft up on {}: groups {}, voters {}", node.name(),
        settings.groups().keySet(), voters));
  }

  private Future<Void> deploy(String group, String machineName, RaftSettings settings, List<String> voters) {
    var options = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
    return vertx.deployVerticle(new GroupVerticle(node, group, settings,
        () -> StateMachines.create(machineName, settings).orElseThrow(), voters), options).mapEmpty();
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
