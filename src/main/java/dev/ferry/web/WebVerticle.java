package dev.ferry.web;

import dev.ferry.node.FerryException;
import dev.ferry.node.NodeConfig;
import dev.ferry.node.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API on {@code api.host:api.port}. Each service contributes its {@link Routes};
 * failures become {@code {"code", "message", "error"}} in one place ({@link HttpErrors}).
 * Stateless: several instances share the port, and Vert.x spreads connections over them.
 */
public final class WebVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebVerticle.class);

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
    for (Routes routes : routes()) {
      routes.mount(router);
    }
    router.route().failureHandler(HttpErrors::handle);
    for (int status : List.of(400, 404, 405, 413)) {
      router.errorHandler(status, HttpErrors::handle);
    }
    return router;
  }

  /** The routes of every service this node offers over HTTP. */
  private List<Routes> routes() {
    return List.of(new NodeRoutes(vertx, node), new MailboxRoutes(vertx, node), new MetricsRoutes(node));
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
}
