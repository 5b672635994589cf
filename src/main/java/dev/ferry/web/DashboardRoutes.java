package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.pin.Pin;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinReply;
import dev.ferry.security.ApiUsers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The dashboard: {@code webroot/} (inside the jar, or the project's directory when run from it)
 * at {@code /ui/}, and {@code /} sends browsers there. Everything it loads is served locally. Four
 * reads serve it beyond the API's own routes: {@code GET /dashboard/history} (every member's recent
 * samples, {@link HistoryVerticle}), {@code GET /dashboard/pins} (one page of the pinset with each
 * allocated node's status, optionally searched), {@code GET /dashboard/errors} (a few of each
 * node's pins in error) and {@code GET /dashboard/session} (who is calling).
 * They are API routes like any other: the API's users
 * and roles apply. Stateless.
 */
final class DashboardRoutes implements Routes {
  static final String WEBROOT = "webroot";
  /** Where the dashboard's files are served; with {@code api.users} they need no credentials (they hold no data). */
  static final String UI = "/ui/";

  private final ClusterQueries queries;
  private final DashboardConfig config;
  private final PinClient pins;

  DashboardRoutes(NodeContext node, ClusterQueries queries, DashboardConfig config) {
    this.queries = queries;
    this.config = config;
    this.pins = PinClient.forNode(node);
  }

  /** Whether {@code path} is one of the dashboard's files (served to anyone: the page asks for a login itself). */
  static boolean isUiPath(String path) {
    return path.equals("/") || path.equals("/ui") || path.startsWith(UI);
  }

  @Override
  public void mount(Router router) {
    router.get("/").handler(ctx -> ctx.redirect(UI));
    // Vert.x matches "/ui/" to a "/ui" route too, so only the bare path is redirected
    router.get("/ui").handler(ctx -> {
      if (ctx.request().path().equals("/ui")) {
        ctx.redirect(UI);
      } else {
        ctx.next();
      }
    });
    router.get("/ui/*").handler(StaticHandler.create(WEBROOT).setCachingEnabled(false));
    // every member's samples, asked at once; one that does not answer in cluster.request_timeout_ms gets {"error"}
    router.get("/dashboard/history").handler(ctx -> queries.histories()
        .onSuccess(nodes -> Json.send(ctx, new JsonObject().put("nodes", nodes))).onFailure(ctx::fail));
    router.get("/dashboard/pins").handler(this::pins);
    router.get("/dashboard/errors").handler(this::errors);
    router.get("/dashboard/session").handler(DashboardRoutes::session);
  }

  /**
   * {@code {"auth", "user", "role", "may_change"}}: who the caller logged in as (with
   * {@code api.users}; without credentials the API answers 401 first, and the page asks for a login),
   * so the page shows only what that role may do; an open API is an admin's.
   */
  private static void session(RoutingContext ctx) {
    JsonObject session = ApiAuth.user(ctx)
        .map(user -> new JsonObject().put("auth", true).put("user", user.name()).put("role", user.role().label())
            .put("may_change", user.role().mayChange()))
        .orElseGet(() -> new JsonObject().put("auth", false).putNull("user").put("role", ApiUsers.Role.ADMIN.label())
            .put("may_change", true));
    Json.send(ctx, session);
  }

  /**
   * {@code GET /dashboard/pins[?after=CID][&limit=N][&q=TEXT]}: at most {@code limit}
   * ({@code dashboard.pins_page_max} and the default) pins after CID {@code after}, in the pinset's
   * order, each with every allocated node's status ({@code peer_map}); {@code {"pins", "count"
   * (the pinset's size), "next" (the CID the next page starts after, or null), "scanned"}}. With
   * {@code q}, only pins whose CID starts with it or whose name contains it (any case); such a page
   * reads at most {@code dashboard.search_scan_max} pins of the pinset, so it may hold fewer than
   * {@code limit} and still have a {@code next}. Read from this node's replica, a page at a time:
   * the same cost at 100,000 pins as at 100.
   */
  private void pins(RoutingContext ctx) {
    Query query;
    try {
      query = Query.of(ctx.request().getParam("after"), ctx.request().getParam("limit"), ctx.request().getParam("q"),
          config.pinsPageMax());
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    scan(query, query.after(), new ArrayList<>(), 0)
        .compose(found -> withStatuses(found))
        .onSuccess(page -> Json.send(ctx, page))
        .onFailure(ctx::fail);
  }

  /**
   * {@code GET /dashboard/errors[?limit=N]}: each live node's pins in error,
   * {@code {"nodes": {node: {"count", "pins": [{"cid", "status", "error", "time", "attempts"}]}}}}
   * with at most {@code limit} ({@code dashboard.pins_page_max} and the default) pins a node, or
   * {@code {"error"}} for a node that did not answer. Each node's tracker answers from its counts
   * and the few statuses it keeps whole: never a walk over the pinset.
   */
  private void errors(RoutingContext ctx) {
    int limit;
    try {
      limit = Query.of(null, ctx.request().getParam("limit"), null, config.pinsPageMax()).limit();
    } catch (FerryException e) {
      ctx.fail(e);
      return;
    }
    pins.errors(limit).onSuccess(errors -> Json.send(ctx, errors.toJson())).onFailure(ctx::fail);
  }

  /** A page's request, checked. */
  record Query(String after, int limit, String text) {
    static Query of(String after, String limit, String text, int most) {
      int size = most;
      if (limit != null) {
        try {
          size = Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
          size = 0;
        }
        if (size < 1 || size > most) {
          throw FerryException.badRequest("limit: expected a whole number of pins from 1 to " + most
              + " (dashboard.pins_page_max), got '" + limit + "'");
        }
      }
      String blank = text == null || text.isBlank() ? null : text.trim();
      return new Query(after == null || after.isBlank() ? null : after.trim(), size, blank);
    }

    boolean matches(Pin pin) {
      return text == null || pin.cid().startsWith(text)
          || pin.name() != null && pin.name().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
    }
  }

  /** What a scan found: the pins, the pinset's size, where the next page starts, how many pins were read. */
  private record Found(List<Pin> pins, long count, String next, int scanned) {}

  /** Reads pages of the pinset from {@code after} until the query's page is full, the pinset ends or the scan budget is spent. */
  private Future<Found> scan(Query query, String after, List<Pin> found, int scanned) {
    int want = query.text() == null ? query.limit() : Integer.MAX_VALUE;
    return pins.page(after, want, 0).compose(page -> {
      int read = scanned;
      for (Pin pin : page.pins()) {
        read++;
        if (query.matches(pin)) {
          found.add(pin);
          if (found.size() == query.limit()) {
            boolean last = !page.more() && pin == page.pins().get(page.pins().size() - 1);
            return Future.succeededFuture(new Found(found, page.count(), last ? null : pin.cid(), read));
          }
        }
      }
      String next = page.next();
      if (next == null || read >= config.searchScanMax()) {
        return Future.succeededFuture(new Found(found, page.count(), next, read));
      }
      return scan(query, next, found, read);
    });
  }

  /** The page's pins with each allocated node's status of them, every node asked once. */
  private Future<JsonObject> withStatuses(Found found) {
    JsonObject page = new JsonObject().put("count", found.count()).put("next", found.next())
        .put("scanned", found.scanned());
    if (found.pins().isEmpty()) {
      return Future.succeededFuture(page.put("pins", new JsonArray()));
    }
    List<String> cids = found.pins().stream().map(Pin::cid).toList();
    return pins.statuses(null, null, false, cids, 0)
        .map(statuses -> page.put("pins", new JsonArray(statuses.pins().stream().map(PinReply.Status::toJson).toList())));
  }
}
