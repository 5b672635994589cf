package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.web.RepoGc;
import dev.ferry.web.RepoStats;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code repo/stat} and {@code repo/gc} through the proxy, as IPFS Cluster's proxy serves them:
 * {@code repo/stat} sums the members' repositories ({@link #stat}); for {@code repo/gc} every member's daemon (or
 * embedded store) collects its garbage ({@link RepoGc#all}), and the answer is Kubo's, one
 * {@code {"Key": {"/": cid}}} line per block removed on any node; what a node reported failing
 * (or a node that failed) goes into the {@value KuboAnswers#STREAM_ERROR} trailer, or with
 * {@code stream-errors=true} into {@code {"Error"}} lines. {@code quiet} leaves out the keys.
 *
 * <p>Stateless; each call runs on the proxy instance's context.
 */
final class RepoCommands {
  private final RepoGc gc;
  private final RepoStats stats;

  RepoCommands(RepoGc gc, RepoStats stats) {
    this.gc = gc;
    this.stats = stats;
  }

  /**
   * {@code repo/stat}: the sum over every member's daemon ({@link RepoStats#summed}), with
   * {@code NumObjects} summed too (IPFS Cluster's answer leaves it out, and kubo-rpc-client cannot
   * read an answer without it).
   */
  void stat(HttpServerResponse response) {
    stats.summed().onSuccess(total -> KuboAnswers.json(response, total))
        .onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  void gc(KuboOptions options, HttpServerResponse response) {
    boolean streamErrors = options.flag("stream-errors", false);
    boolean quiet = options.flag("quiet", false);
    gc.all().onSuccess(global -> {
      List<JsonObject> lines = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      JsonObject peers = global.getJsonObject("peer_map");
      for (String peer : peers.fieldNames()) {
        JsonObject repoGc = peers.getJsonObject(peer);
        if (repoGc.getString("error") != null) {
          errors.add(repoGc.getString("peername") + ": " + repoGc.getString("error"));
        }
        for (Object item : repoGc.getJsonArray("keys")) {
          JsonObject key = (JsonObject) item;
          if (key.getString("key") != null && !quiet) {
            lines.add(new JsonObject().put("Key", new JsonObject().put("/", key.getString("key"))));
          } else if (key.getString("error") != null) {
            errors.add(repoGc.getString("peername") + ": " + key.getString("error"));
          }
        }
      }
      if (streamErrors) {
        errors.forEach(error -> lines.add(new JsonObject().put("Error", error)));
      }
      KuboAnswers.linesWithTrailer(response, lines, streamErrors || errors.isEmpty() ? null : String.join("; ", errors));
    });
  }
}
