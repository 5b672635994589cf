package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
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

  private final NodeContext node;
  private final NodeQuestion question;

  /** @param timeout how long a node may take to answer ({@code cluster.request_timeout_ms}) */
  public RepoStats(Vertx vertx, NodeContext node, Duration timeout) {
    this.node = node;
    this.question = new NodeQuestion(vertx, node, Addresses::nodeIpfsStat, timeout);
  }

  /**
   * Answers this node's {@code repo/stat} from {@code ipfs} (one consumer per web verticle
   * instance); a daemon that cannot say it is the asker's failure, with its code.
   */
  Future<Void> serve(IpfsConnector ipfs) {
    return question.serve(() -> ipfs.repoStat().map(stat -> BusJson.of(new JsonObject().put("RepoSize", stat.repoSize())
        .put("StorageMax", stat.storageMax()).put("NumObjects", stat.numObjects())
        .put("RepoPath", stat.repoPath()).put("Version", stat.version()))));
  }

  /** The sum over every member's repository; fails only when no node answered, with the first node's failure. */
  public Future<JsonObject> summed() {
    return question.askMembers().compose(answers -> {
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
