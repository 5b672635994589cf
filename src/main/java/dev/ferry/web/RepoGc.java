package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Garbage collection of the cluster's IPFS daemons, as IPFS Cluster's {@code RepoGC}: each node
 * runs its own daemon's ({@link IpfsConnector#repoGc}: Kubo's {@code repo/gc}, or the embedded
 * store's collection) when asked on {@code ferry.node.<name>.ipfs.gc}, answering its
 * {@code RepoGC} ({@code {"peer", "peername", "keys": [{"key"} | {"error"}], "error"}});
 * {@code POST /ipfs/gc[?local=true]} asks every member (or this node) at once and answers their
 * {@code GlobalRepoGC}, {@code {"peer_map": {peer ID: RepoGC}}}. A node whose collection fails or
 * does not answer within {@code ipfs.gc_timeout_ms} is in the map with its {@code error} and no
 * keys, as IPFS Cluster shows it. The IPFS proxy's {@code repo/gc} uses {@link #all} too.
 *
 * <p>Used on the event loop of the verticle that made it; stateless between calls.
 */
public final class RepoGc implements Routes {
  private final NodeContext node;
  private final Duration timeout;
  private final NodeQuestion question;

  /** @param timeout how long a node's collection may take ({@code ipfs.gc_timeout_ms}) */
  public RepoGc(Vertx vertx, NodeContext node, Duration timeout) {
    this.node = node;
    this.timeout = timeout;
    this.question = new NodeQuestion(vertx, node, Addresses::nodeIpfsGc, timeout);
  }

  /** Runs this node's collections on {@code ipfs} when asked (one consumer per web verticle instance). */
  Future<Void> serve(IpfsConnector ipfs) {
    return question.serve(() -> ipfs.repoGc(timeout)
        .map(garbage -> {
          JsonArray keys = new JsonArray();
          garbage.removed().forEach(cid -> keys.add(new JsonObject().put("key", cid.toString())));
          garbage.errors().forEach(error -> keys.add(new JsonObject().put("error", error)));
          return peer(node.name()).put("keys", keys);
        })
        .otherwise(e -> failed(node.name(), FerryException.from(e).getMessage()))
        .map(BusJson::of));
  }

  @Override
  public void mount(Router router) {
    router.post("/ipfs/gc").handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    PinRoutes.flag(ctx, "local").compose(local -> local ? gathered(question.ask(List.of(node.name()))) : all())
        .onSuccess(global -> Json.send(ctx, global)).onFailure(ctx::fail);
  }

  /** Every member's {@code RepoGC}, asked at once, as one {@code GlobalRepoGC}; never fails. */
  public Future<JsonObject> all() {
    return gathered(question.askMembers());
  }

  private Future<JsonObject> gathered(Future<Map<String, AsyncResult<JsonObject>>> asked) {
    return asked.map(answers -> {
      JsonObject peers = new JsonObject();
      answers.forEach((name, answer) -> {
        JsonObject gc = answer.succeeded() ? answer.result() : failed(name, "node " + name
            + " did not collect its IPFS daemon's garbage: " + answer.cause().getMessage());
        peers.put(gc.getString("peer"), gc);
      });
      return new JsonObject().put("peer_map", peers);
    });
  }

  private JsonObject failed(String name, String error) {
    return peer(name).put("keys", new JsonArray()).put("error", error);
  }

  private JsonObject peer(String name) {
    return new JsonObject().put("peer", node.peerIds().peerId(name).map(Object::toString).orElse(name))
        .put("peername", name);
  }
}
