package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.IpfsConfig;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.pin.PinConfig;
import dev.ferry.security.ApiTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP side on {@code api.host:api.port}: each service's {@link Routes}, the SockJS
 * event-bus bridge at {@code /eventbus}, the TCP bridge when configured, and the dashboard.
 * Failures become {@code {"code", "message", "error"}} in one place ({@link HttpErrors}).
 * Stateless: several instances share the ports, and Vert.x spreads connections over them.
 */
public final class WebVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebVerticle.class);

  private final NodeContext node;
  private WebConfig config;
  private BridgeConfig bridge;
  private BridgeGuard guard;
  private StatusService status;
  private IpfsConnector ipfs;
  private DaemonIdentity daemon;
  private Uploads uploads;
  private RepoGc repoGc;
  private RepoStats repoStats;

  public WebVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    // POST /add writes to this node's daemon (a connection pool per instance) or its embedded store (shared)
    config = WebConfig.of(node);
    ipfs = ContentStore.forNode(node, PinConfig.of(node).concurrentPins());
    daemon = new DaemonIdentity(vertx, node, ipfs);
    repoGc = new RepoGc(vertx, node, IpfsConfig.of(node).gcTimeout());
    repoStats = new RepoStats(vertx, node, node.config().cluster().requestTimeout());
    bridge = config.bridge();
    status = new StatusService(vertx, node, clusterQueries());
    uploads = new Uploads(vertx, config.uploads(), config.maxAddBytes(),
        PinRoutes.MAX_ADD_BYTES, node.config().dataDir().resolve("uploads"));
    HttpConnectionGuard connections = new HttpConnectionGuard(vertx, config.limits());
    Future<ApiAuth> auth = ApiAuth.load(vertx, node, node.config().section("api"));
    Future<Optional<ApiTls>> tls = ApiTls.load(vertx, node.config().section("api"), node.name());
    return Future.all(Future.all(uploads.prepare(), auth, tls).compose(x -> {
      guard = new BridgeGuard(bridge, Mailboxes.of(vertx), auth.result(), BridgeGuard.serviceGroups(config.raft()));
      return Future.all(listen(router(auth.result()), connections, tls.result()),
          new TcpBridge(vertx, bridge, guard).listen());
    }), serveSocketAddresses(), status.serve(), daemon.serve(), repoGc.serve(ipfs),
        repoStats.serve(ipfs));
  }

  @Override
  public Future<?> stop() {
    return ipfs == null ? Future.succeededFuture() : ipfs.close();
  }

  /** A request's URI for the log: a bridge token in its query ({@code token=...}, as the dashboard sends it) masked. */
  static String withoutToken(String uri) {
    return uri.replaceAll("([?&]token=)[^&#]*", "$1***");
  }

  private Router router(ApiAuth auth) {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.addEndHandler(x -> log.debug("{} {} -> {}", ctx.request().method(), withoutToken(ctx.request().uri()),
          ctx.response().getStatusCode()));
      ctx.next();
    });
    router.route().handler(UriCheck::handle);   // before any route decodes the path or the query
    cors().ifPresent(cors -> router.route().handler(cors));
    auth.mount(router);                         // before every route: no route runs for a refused caller
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
    return List.of(
        new NodeRoutes(vertx, node, daemon),
        new PeerRoutes(vertx, node, config.raft(), daemon),
        new MailboxRoutes(clusterQueries()),
        new MetricsRoutes(node),
        new RaftRoutes(vertx, node, config.raft()),
        new PinRoutes(vertx, node, ipfs, daemon, uploads, config.maxImportBytes()),
        repoGc,
        new Bandwidth(vertx, node),
        new GatewayRoutes(ipfs, node.config().ipfsApi()),
        new MonitorRoutes(node),
        status,
        new BridgeRoutes(vertx, bridge, guard),
        new DashboardRoutes(node, clusterQueries(), DashboardConfig.of(node)));
  }

  private ClusterQueries clusterQueries() {
    return new ClusterQueries(vertx, node, List.copyOf(config.raft().groups().keySet()));
  }

  /** CORS for the origins in {@code api.cors_origins} ("*" for any); none configured, no CORS. */
  private Optional<CorsHandler> cors() {
    List<String> origins = config.corsOrigins();
    if (origins.isEmpty()) {
      return Optional.empty();
    }
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.POST, HttpMethod.DELETE))
        .allowedHeader("Content-Type").allowedHeader("X-Ferry-Token").allowedHeader("Authorization");
    origins.forEach(cors::addOrigin);
    return Optional.of(cors);
  }

  /** Answers a bridge socket's {@value Addresses#BRIDGE_MAILBOX} with the address the guard gave it. */
  private Future<Void> serveSocketAddresses() {
    return vertx.eventBus().<Object>localConsumer(Addresses.BRIDGE_MAILBOX, message -> Requests.reply(message, () -> {
      String address = message.headers().get(BridgeGuard.SOCKET_ADDRESS_HEADER);
      if (address == null) {
        throw FerryException.badRequest(Addresses.BRIDGE_MAILBOX + " answers bridge clients only");
      }
      return BusJson.of(new JsonObject().put("address", address)
          .put("peer", message.headers().get(BridgeGuard.SOCKET_PEER_HEADER)));
    })).completion();
  }

  /** Listens with the {@code api} section's timeouts and per-address connection limit, HTTPS with {@code api.tls}. */
  private Future<HttpServer> listen(Router router, HttpConnectionGuard connections, Optional<ApiTls> tls) {
    NodeConfig.HostPort api = node.config().api();
    HttpServerOptions options = connections.options(new HttpServerOptions());
    tls.ifPresent(t -> t.apply(options));
    return connections.guard(vertx.createHttpServer(options), router)
        .invalidRequestHandler(new InvalidRequests("the HTTP API", options, null, HttpErrors::send))
        .listen(api.port(), api.host())
        .recover(e -> Future.failedFuture(new FerryException(FerryException.UNAVAILABLE,
            "cannot listen on " + api + " for the HTTP API (" + e.getMessage()
                + "): set api.port, or api_port in peers.json")))
        .onSuccess(s -> log.debug("HTTP API instance listening on {}", api));
  }
}
