package dev.ferry.raft;

import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.impl.GroupVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
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
      voters = RaftSettings.voters(node.config());
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
}
