package dev.ferry.web;

import dev.ferry.node.Addresses;
import dev.ferry.node.FerryException;
import dev.ferry.node.Identity;
import dev.ferry.node.Members;
import dev.ferry.node.NodeConfig;
import dev.ferry.node.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API on {@code api.host:api.port}, in the shapes of IPFS Cluster's REST API:
 * {@code /health}, {@code /id}, {@code /version}, {@code /peers}. Stateless: several instances
 * share the port, and Vert.x spreads connections over them.
 */
public final class WebVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebVerticle.class);
  private static final String JSON = "application/json";

  private final NodeContext node;

  public WebVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    return listen(router());
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.response().setStatusCode(204).end());
    router.get("/id").handler(ctx -> json(ctx, Identity.of(node)));
    router.get("/version").handler(ctx -> json(ctx, new JsonObject().put("version", node.version())));
    router.get("/peers").handler(this::peers);
    router.route().failureHandler(HttpErrors::handle);
    for (int status : List.of(400, 404, 405, 413)) {
      router.errorHandler(status, HttpErrors::handle);
    }
    return router;
  }

  private Future<HttpServer> listen(Router router) {
    NodeConfig.HostPort api = node.config().api();
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(api.port(), api.host())
        .recover(e -> Future.failedFuture(new FerryException(FerryException.UNAVAILABLE,
            "cannot listen on " + api + " for the HTTP API (" + e.getMessage()
                + "): set api.port, or api_port in peers.json")))
        .onSuccess(s -> log.debug("HTTP API instance listening on {}", api));
  }

  /** One ID object per member, newline-delimited; a member that does not answer gets one with its error. */
  private void peers(RoutingContext ctx) {
    var options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
    List<Future<JsonObject>> answers = node.members().current().stream()
        .map(Members.Member::name)
        .map(name -> vertx.eventBus().<JsonObject>request(Addresses.nodeId(name), null, options)
            .map(reply -> reply.body())
            .otherwise(e -> Identity.unreachable(name, e.getMessage())))
        .toList();
    Future.join(answers).onComplete(x -> {
      StringBuilder body = new StringBuilder();
      answers.forEach(a -> body.append(a.result().encode()).append('\n'));
      ctx.response().putHeader("Content-Type", JSON).end(body.toString());
    });
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", JSON).end(body.encode());
  }
}
