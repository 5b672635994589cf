package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.security.ApiTls;
import dev.ferry.pin.PinClient;
import dev.ferry.web.ApiAuth;
import dev.ferry.web.ContentLength;
import dev.ferry.web.HttpConnectionGuard;
import dev.ferry.web.InvalidRequests;
import dev.ferry.web.UploadGate;
import dev.ferry.web.UriCheck;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.shareddata.LocalMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPFS proxy on {@code proxy.host:proxy.port}: to its clients it is an IPFS daemon's Kubo RPC
 * API. {@code pin/add}, {@code pin/rm} and {@code pin/ls} act on the cluster's pinset
 * ({@link PinCommands}), {@code add} goes to the daemon and pins what it added in the cluster
 * ({@link AddCommand}), and every other request is forwarded to this node's daemon
 * ({@code ipfs.api}) unchanged ({@link DaemonPipe}). Stateless: instances share the port.
 */
public final class IpfsProxyVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IpfsProxyVerticle.class);
  private static final String API = "/api/v0/";
  private static final int METHOD_NOT_ALLOWED = 405;
  private static final int INTERNAL = 500;
  private static final int SERVICE_UNAVAILABLE = 503;
  /** Node-local map of the proxy deployments that have logged that they listen (one line per deployment). */
  private static final String LOGGED = "ferry.proxy.logged";

  /** A command the proxy answers itself. */
  private interface Command {
    void handle(HttpServerRequest request, KuboOptions options);
  }

  private final NodeContext node;
  private ProxyConfig config;
  private DaemonPipe daemon;
  private Map<String, Command> commands;
  private ApiAuth auth;

  public IpfsProxyVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    try {
      config = ProxyConfig.from(node.config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    daemon = new DaemonPipe(vertx, config);
    UploadGate uploads = UploadGate.of(vertx, config.uploads());
    commands = commands(new PinClient(vertx, config.pinTimeout()), uploads);
    // the same users as the HTTP API; every Kubo command is a POST, so only role admin gets through
    // HTTPS as the API's (api.tls)
    Future<Optional<ApiTls>> tls = ApiTls.load(vertx, node.config().section("api"), node.name());
    return Future.all(ApiAuth.load(vertx, node, node.config().section("api")), tls)
        .compose(loaded -> {
          auth = loaded.resultAt(0);
          return listen(tls.result());
        })
        .onSuccess(server -> logOnce());
  }

  /** The commands answered here, by path; everything else goes to the daemon. */
  private Map<String, Command> commands(PinClient pins, UploadGate uploads) {
    PinCommands pin = new PinCommands(pins);
    AddCommand add = new AddCommand(daemon, pins);
    return Map.of(
        API + "pin/add", (request, options) -> pin.add(options, request.response()),
        API + "pin/rm", (request, options) -> pin.rm(options, request.response()),
        API + "pin/ls", (request, options) -> pin.ls(options, request.response()),
        API + "add", (request, options) -> admitted(uploads, request, () -> add.handle(request, options)));
  }

  /**
   * Runs an upload once the node's {@link UploadGate} admits it, giving its place back when the
   * answer ends or the connection closes; beyond the gate, 503 with {@code Retry-After}. The
   * upload itself streams to the daemon ({@link DaemonPipe}): nothing of it is held here.
   */
  private static void admitted(UploadGate uploads, HttpServerRequest request, Runnable upload) {
    var permit = uploads.tryEnter(declaredLength(request));
    if (permit.isEmpty()) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(uploads.retryAfterSeconds()));
      KuboAnswers.error(request.response(), SERVICE_UNAVAILABLE, uploads.busy().getMessage());
      return;
    }
    request.response().endHandler(x -> permit.get().close());
    upload.run();
  }

  /** 0 for a chunked body: a streamed upload is bounded by the number of them, not its size. */
  private static long declaredLength(HttpServerRequest request) {
    return Math.max(0, ContentLength.of(request));
  }

  @Override
  public Future<?> stop() {
    vertx.sharedData().getLocalMap(LOGGED).remove(deploymentID());
    return daemon == null ? Future.succeededFuture() : daemon.close();
  }

  private Future<HttpServer> listen(Optional<ApiTls> tls) {
    HttpConnectionGuard connections = new HttpConnectionGuard(vertx, config.limits());
    HttpServerOptions options = connections.options(new HttpServerOptions())
        .setMaxInitialLineLength(config.maxUrlBytes())
        .setHandle100ContinueAutomatically(true);
    tls.ifPresent(t -> t.apply(options));
    return connections.guard(vertx.createHttpServer(options), this::handle)
        .invalidRequestHandler(new InvalidRequests("the IPFS proxy", options, "proxy.max_url_bytes",
            (response, status, code, message) -> KuboAnswers.error(response, status, message)))
        .listen(config.listen().port(), config.listen().host())
        .recover(e -> Future.failedFuture(new FerryException(FerryException.UNAVAILABLE,
            "cannot listen on " + config.listen() + " for the IPFS proxy (" + e.getMessage()
                + "): set proxy.port, or proxy_port in peers.json")));
  }

  /** Every instance listens; the first of a deployment says so. */
  private void logOnce() {
    LocalMap<String, Boolean> logged = vertx.sharedData().getLocalMap(LOGGED);
    if (logged.putIfAbsent(deploymentID(), true) == null) {
      log.info("IPFS proxy listening on http://{}, forwarding to the IPFS daemon at {}", config.listen(),
          config.daemon());
    }
  }

  /**
   * Answers one request; bad input or a bug becomes a Kubo error answer, never a dead connection.
   * A URI with a malformed percent-escape or one that does not decode to UTF-8 ({@link UriCheck})
   * is refused before anything, forwarded calls included. With users in {@code api.users}, a caller
   * must first show an admin's credentials ({@link ApiAuth}).
   */
  private void handle(HttpServerRequest request) {
    if (auth.isOpen()) {
      dispatch(request);
      return;
    }
    auth.check(request, true).onComplete(checked -> {
      if (checked.succeeded()) {
        dispatch(request);
      } else if (checked.cause() instanceof ApiAuth.Refused refused) {
        refused.addHeaders(request.response());
        KuboAnswers.error(request.response(), refused.status(), refused.getMessage());
      } else {
        KuboAnswers.error(request.response(), INTERNAL, "the proxy failed: " + checked.cause());
      }
    });
  }

  private void dispatch(HttpServerRequest request) {
    try {
      Command command = commands.get(request.path());
      Optional<FerryException> badUri = UriCheck.problem(request.uri());
      if (badUri.isPresent()) {
        KuboAnswers.error(request.response(), badUri.get());
      } else if (command == null) {
        daemon.forward(request);
      } else if (request.method() != HttpMethod.POST) {
        KuboAnswers.error(request.response(), METHOD_NOT_ALLOWED, "405 - Method Not Allowed: use POST");
      } else {
        command.handle(request, KuboOptions.of(request));
      }
    } catch (FerryException e) {
      KuboAnswers.error(request.response(), e);
    } catch (RuntimeException e) {
      log.warn("IPFS proxy: {} {} failed", request.method(), request.uri(), e);
      KuboAnswers.error(request.response(), INTERNAL, "the proxy failed: " + e);
    }
  }
}
