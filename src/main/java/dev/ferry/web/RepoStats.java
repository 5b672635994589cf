package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's IPFS repositories in one {@code repo/stat}, as IPFS Cluster's proxy answers it:
 * each node answers its daemon's ({@link IpfsConnector#repoStat}) on
 * {@code ferry.node.<name>.ipfs.stat}, and {@link #summed} asks every member at once and adds up
 * {@code RepoSize}, {@code StorageMax} and {@code NumObjects} of those that answered within
 * {@code cluster.request_timeout_ms} (a node that did not is logged and left out, as IPFS Cluster
 * does); {@code RepoPath} and {@code Version} are the asked node's own.
 *
 * <p>Used on the event loop of the verticle that made it; stateless between calls.
 */
public final class RepoStats {
  private static final Logger log = LoggerFactory.getLogger(RepoStats.class);
  private static final String[] SUMMED = {"RepoSize", "StorageMax", "NumObjects"};

  private final Vertx vertx;
  private final NodeContext node;
  private final Duration timeout;

  /** @param timeout how long a node may take to answer ({@code cluster.request_timeout_ms}) */
  public RepoStats(Vertx vertx, NodeContext node, Duration timeout) {
    this.vertx = vertx;
    this.node = node;
    this.timeout = timeout;
  }

  /** Answers this node's {@code repo/stat} from {@code ipfs} (one consumer per web verticle instance). */
  Future<Void> serve(IpfsConnector ipfs) {
    return vertx.eventBus().<JsonObject>consumer(Addresses.nodeIpfsStat(node.name()), message -> ipfs.repoStat()
        .onSuccess(stat -> message.reply(new JsonObject().put("RepoSize", stat.repoSize())
            .put("StorageMax", stat.storageMax()).put("NumObjects", stat.numObjects())
            .put("RepoPath", stat.repoPath()).put("Version", stat.version())))
        .onFailure(e -> message.fail(0, e.getMessage()))).completion();
  }

  /** The sum over every member's repository; fails only when no node answered. */
  public Future<JsonObject> summed() {
    List<String> names = node.members().names().stream().sorted().toList();
    return AskEach.ask(vertx, names, Addresses::nodeIpfsStat, timeout).compose(answers -> {
      JsonObject total = new JsonObject();
      for (String field : SUMMED) {
        total.put(field, 0L);
      }
      int answered = 0;
      for (Map.Entry<String, AsyncResult<JsonObject>> each : answers.entrySet()) {
        if (each.getValue().failed()) {
          log.warn("repo/stat: node {} did not answer: {}", each.getKey(), each.getValue().cause().getMessage());
          continue;
        }
        answered++;
        JsonObject stat = each.getValue().result();
        for (String field : SUMMED) {
          total.put(field, total.getLong(field) + stat.getLong(field, 0L));
        }
        if (each.getKey().equals(node.name())) {
          total.put("RepoPath", stat.getString("RepoPath")).put("Version", stat.getString("Version"));
        }
      }
      return answered == 0 ? Future.failedFuture(answers.values().iterator().next().cause())
          : Future.succeededFuture(total);
    });
  }
}
