package dev.ferry.web;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The dashboard: {@code webroot/} (inside the jar, or the project's directory when run from it)
 * at {@code /ui/}, and {@code /} sends browsers there. Everything it loads is served locally.
 */
final class DashboardRoutes implements Routes {
  static final String WEBROOT = "webroot";

  @Override
  public void mount(Router router) {
    router.get("/").handler(ctx -> ctx.redirect("/ui/"));
    // Vert.x matches "/ui/" to a "/ui" route too, so only the bare path is redirected
    router.get("/ui").handler(ctx -> {
      if (ctx.request().path().equals("/ui")) {
        ctx.redirect("/ui/");
      } else {
        ctx.next();
      }
    });
    router.get("/ui/*").handler(StaticHandler.create(WEBROOT).setCachingEnabled(false));
  }
}
