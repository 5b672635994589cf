package dev.ferry.web;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** {@code GET /mailboxes} (every node's mailboxes and queue lengths) and {@code GET /registry}. */
final class MailboxRoutes implements Routes {
  private final ClusterQueries queries;

  MailboxRoutes(ClusterQueries queries) {
    this.queries = queries;
  }

  @Override
  public void mount(Router router) {
    router.get("/mailboxes").handler(ctx -> queries.mailboxes()
        .onSuccess(nodes -> Json.send(ctx, new JsonObject().put("nodes", nodes))).onFailure(ctx::fail));
    router.get("/registry").handler(ctx -> queries.registry()
        .onSuccess(claims -> Json.send(ctx, claims)).onFailure(ctx::fail));
  }
}
