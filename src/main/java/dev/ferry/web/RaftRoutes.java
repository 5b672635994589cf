package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.KvOp;
import dev.ferry.raft.RaftClient;
import dev.ferry.raft.RaftQuery;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The Raft service over HTTP: the {@code kv} group as {@code /kv/{key}} and {@code /kv?prefix=P},
 * and {@code GET /raft/status}. Every route goes through this node's Raft client API, so a
 * follower forwards writes to the leader; a write with no reachable leader answers 503
 * {@code no-leader}. Stateless (one instance per web verticle instance).
 */
public final class RaftRoutes implements Routes {
  static final String KV = "kv";
  /** The setting that bounds a {@code PUT /kv/{key}} body (and every op), named in the 413 answer. */
  private static final String MAX_OP_BYTES = "raft.max_op_bytes";

  private final NodeContext node;
  private final RaftClient raft;
  private final RaftSettings settings;

  public RaftRoutes(Vertx vertx, NodeContext node, RaftSettings settings) {
    this.node = node;
    this.raft = RaftClient.forNode(node);
    this.settings = settings;
  }

  @Override
  public void mount(Router router) {
    router.routeWithRegex(HttpMethod.PUT, "/kv/(.+)").handler(this::put);
    router.routeWithRegex(HttpMethod.GET, "/kv/(.+)").handler(this::get);
    router.routeWithRegex(HttpMethod.DELETE, "/kv/(.+)").handler(this::delete);
    router.get("/kv").handler(this::list);
    router.get("/raft/status").handler(this::status);
  }

  /** The body is the value as it came, whatever its Content-Type (curl's {@code --data} says it is a form). */
  private void put(RoutingContext ctx) {
    String key = key(ctx);
    reply(ctx, TextBody.read(ctx.request(), settings.maxOpBytes(), MAX_OP_BYTES)
        .compose(value -> raft.propose(KV, new KvOp.Put(key, value)))
        .map(c -> new JsonObject().put("index", c.index())));
  }

  private void get(RoutingContext ctx) {
    reply(ctx, query(ctx, new KvOp.Get(key(ctx))).compose(c -> c.result() == null
        ? Future.failedFuture(FerryException.notFound("no key '" + key(ctx) + "' in kv"))
        : Future.succeededFuture(c.result().toJson())));
  }

  private void delete(RoutingContext ctx) {
    reply(ctx, raft.propose(KV, new KvOp.Delete(key(ctx))).map(c -> new JsonObject().put("index", c.index())
        .put("deleted", c.result().deleted())));
  }

  private void list(RoutingContext ctx) {
    String limit = ctx.request().getParam("limit");
    KvOp.ListEntries op;
    try {
      op = new KvOp.ListEntries(param(ctx, "prefix", ""), ctx.request().getParam("after"),
          limit == null ? null : Integer.parseInt(limit));
    } catch (NumberFormatException e) {
      ctx.fail(FerryException.badRequest("limit: expected a positive integer, got '" + limit + "'"));
      return;
    }
    reply(ctx, query(ctx, op).map(c -> KvOp.entries(c.result().entries(), c.result().more()).put("index", c.index())));
  }

  private void status(RoutingContext ctx) {
    List<String> groups = List.copyOf(settings.groups().keySet());
    List<Future<GroupStatus>> answers = groups.stream().map(raft::status).toList();
    reply(ctx, Future.all(answers).map(all -> {
      JsonObject byGroup = new JsonObject();
      for (int i = 0; i < groups.size(); i++) {
        byGroup.put(groups.get(i), answers.get(i).result().toJson());
      }
      return new JsonObject().put("node", node.name()).put("groups", byGroup);
    }));
  }

  private <A> Future<Committed<A>> query(RoutingContext ctx, RaftQuery<A> op) {
    try {
      Consistency consistency = Consistency.parse(ctx.request().getParam("consistency"));
      long minIndex = Long.parseLong(param(ctx, "min_index", "0"));
      return raft.query(KV, op, consistency, minIndex);
    } catch (NumberFormatException e) {
      return Future.failedFuture(FerryException.badRequest("min_index: expected an integer"));
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
  }

  private static String key(RoutingContext ctx) {
    return ctx.pathParam("param0");
  }

  private static String param(RoutingContext ctx, String name, String fallback) {
    String value = ctx.request().getParam(name);
    return value == null ? fallback : value;
  }

  private static void reply(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onSuccess(body -> Json.send(ctx, body)).onFailure(ctx::fail);
  }
}
