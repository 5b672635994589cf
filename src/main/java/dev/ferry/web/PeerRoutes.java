package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinConfig;
import dev.ferry.peers.PeerId;
import dev.ferry.raft.RaftClient;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Peer changes in IPFS Cluster's shapes: {@code POST /peers} ({@code {"peer_id"}}, a peer ID or a
 * node name of peers.json; the node joins every Raft group, as a learner first, then as a voter
 * once caught up; answers its ID object) and {@code DELETE /peers/{peer}} (the node leaves every
 * group, is no longer allocated to, and its pins move to live nodes; 204). Both are the pin
 * service's {@code peer-add} and {@code peer-rm}, asked with a deadline that covers a join's
 * catch-up in every group and the moving of the pins ({@link PinClient#forNode}). {@code GET /health/graph}: the
 * connectivity of the cluster's peers and their daemons ({@link ConnectGraph}), each peer's ID
 * object and its daemon's swarm peers asked at once. Stateless (one instance per web verticle instance).
 */
final class PeerRoutes implements Routes {
  private static final String MAX_BODY = "raft.max_op_bytes";

  private final NodeContext node;
  private final RaftSettings raft;
  private final MemberIds ids;
  private final DaemonIdentity daemon;
  private final DeliveryOptions options;
  private final PinClient peers;
  private final RaftClient groups;
  private final String pinGroup;

  PeerRoutes(Vertx vertx, NodeContext node, RaftSettings raft, DaemonIdentity daemon) {
    this.node = node;
    this.raft = raft;
    this.ids = new MemberIds(vertx, node, daemon);
    this.daemon = daemon;
    this.options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    this.groups = RaftClient.forNode(node);
    this.pinGroup = PinConfig.of(node).group();
    this.peers = PinClient.forNode(node);
  }

  @Override
  public void mount(Router router) {
    router.post("/peers").handler(this::add);
    router.delete("/peers/:peer").handler(this::remove);
    router.get("/health/graph").handler(this::graph);
  }

  /** The pinset group's members (the cluster's peers), each one's ID object and swarm peers asked at once. */
  private void graph(RoutingContext ctx) {
    groups.status(pinGroup).compose(status -> {
      List<String> names = status.members();
      List<Future<JsonObject>> answers = names.stream()
          .map(name -> node.members().byName(name).map(ids::of).orElseGet(() -> Future.succeededFuture(null)))
          .toList();
      List<Future<List<String>>> swarms = names.stream()
          .map(name -> node.members().isUp(name) ? daemon.swarmOf(name, options)
              : Future.<List<String>>succeededFuture(List.of()))
          .toList();
      return Future.join(Future.join(answers), Future.join(swarms)).map(x -> {
        List<ConnectGraph.Peer> peers = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          String name = names.get(i);
          peers.add(new ConnectGraph.Peer(node.peerIds().peerId(name).map(PeerId::toString).orElse(name),
              answers.get(i).result(), swarms.get(i).result()));
        }
        return ConnectGraph.of(node.peerId().toString(), peers);
      });
    }).onSuccess(graph -> Json.send(ctx, graph)).onFailure(ctx::fail);
  }

  private void add(RoutingContext ctx) {
    TextBody.read(ctx.request(), raft.maxOpBytes(), MAX_BODY)
        .map(PeerRoutes::peerId)
        .map(this::nodeOf)
        .compose(name -> peers.addPeer(name).compose(v -> idOf(name)))
        .onSuccess(id -> Json.send(ctx, id))
        .onFailure(ctx::fail);
  }

  private void remove(RoutingContext ctx) {
    String name;
    try {
      name = nodeOf(ctx.pathParam("peer"));
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    peers.removePeer(name)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** The {@code peer_id} of a {@code POST /peers} body, as IPFS Cluster reads it. */
  private static String peerId(String body) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw FerryException.badRequest("error decoding request body: expected {\"peer_id\": \"<peer ID or node "
          + "name>\"}, got " + (body.length() > 100 ? body.substring(0, 100) + "..." : body));
    }
    if (!(json.getValue("peer_id") instanceof String peer) || peer.isBlank()) {
      throw FerryException.badRequest("error decoding peer_id: expected a peer ID or a node name, got "
          + json.getValue("peer_id"));
    }
    return peer;
  }

  /** The node a peer ID or name means; {@code not-found} when this node knows no such node. */
  private String nodeOf(String peer) {
    return node.peerIds().resolve(peer).orElseThrow(() -> FerryException.notFound("no node " + peer
        + " in this cluster: it is neither a peers.json name nor the peer ID of a node met ("
        + String.join(", ", node.peerIds().all().keySet()) + ")"));
  }

  /** The ID object of the node just added (it runs: its join asked it). */
  private Future<JsonObject> idOf(String name) {
    return node.members().byName(name)
        .map(ids::of)
        .orElseGet(() -> Future.succeededFuture(new JsonObject().put("peername", name)
            .put("error", name + " left the cluster right after it was added")));
  }
}
