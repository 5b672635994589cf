package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.IpfsConfig;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinConfig;
import dev.ferry.security.ApiTls;
import dev.ferry.web.ApiAuth;
import dev.ferry.web.ContentLength;
import dev.ferry.web.HttpConnectionGuard;
import dev.ferry.web.InvalidRequests;
import dev.ferry.web.RepoGc;
import dev.ferry.web.RepoStats;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPFS proxy on {@code proxy.host:proxy.port}: to its clients it is an IPFS daemon's Kubo RPC
 * API. As IPFS Cluster's proxy: {@code pin/add}, {@code pin/rm}, {@code pin/ls} and
 * {@code pin/update} act on the cluster's pinset ({@link PinCommands}), {@code repo/stat} and
 * {@code repo/gc} on every node's daemon ({@link RepoCommands}). With a daemon ({@code ipfs.api}
 * set), {@code add} goes to the daemon and pins what it added in the cluster ({@link AddCommand}),
 * as do {@code block/put} and {@code dag/put} with {@code pin=true} ({@link PutCommand}), and
 * every other request is forwarded to the daemon unchanged ({@link DaemonPipe}). Without one, the node's embedded store answers the
 * calls it knows ({@link StoreCommands}) and every other call is refused in Kubo's error shape,
 * saying it needs a Kubo daemon. Stateless: instances share the port.
 */
public final class IpfsProxyVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IpfsProxyVerticle.class);
  private static final String API = "/api/v0/";
  /**
   * The calls IPFS Cluster's proxy answers itself, which it takes with GET and PUT as well as POST;
   * {@code pin/add}, {@code pin/rm} and {@code pin/ls} also take their argument as a last path
   * segment ({@code /api/v0/pin/add/<arg>}).
   */
  private static final Set<String> CLUSTER_CALLS = Set.of(API + "pin/add", API + "pin/rm",
      API + "pin/ls", API + "pin/update", API + "add", API + "repo/stat", API + "repo/gc", API + "block/put",
      API + "dag/put");
  private static final Set<String> SLASH_FORMS = Set.of(API + "pin/add/", API + "pin/rm/",
      API + "pin/ls/");
  private static final Set<HttpMethod> CLUSTER_METHODS = Set.of(HttpMethod.GET, HttpMethod.POST,
      HttpMethod.PUT);
  /** The calls whose bodies are uploads, admitted by the node's {@link UploadGate}. */
  private static final Set<String> UPLOADS = Set.of(API + "add", API + "dag/import", API + "block/put",
      API + "dag/put");
  private static final int METHOD_NOT_ALLOWED = 405;
  private static final int INTERNAL = 500;
  private static final int NOT_IMPLEMENTED = 501;
  private static final int SERVICE_UNAVAILABLE = 503;
  /** Node-local map of the proxy deployments that have logged that they listen (one line per deployment). */
  private static final String LOGGED = "ferry.proxy.logged";

  private final NodeContext node;
  private ProxyConfig config;
  /** Where calls the proxy does not answer itself go: the daemon, or a refusal without one. */
  private ProxyCommand otherwise;
  private DaemonPipe daemon;
  /** The node's daemon or embedded store, for resolving the paths of pin commands. */
  private IpfsConnector ipfs;
  private Map<String, ProxyCommand> commands;
  private ApiAuth auth;

  public IpfsProxyVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    try {
      config = ProxyConfig.of(node);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    UploadGate uploads = UploadGate.of(vertx, config.uploads());
    ipfs = ContentStore.forNode(node, PinConfig.of(node).concurrentPins());
    PinClient pins = PinClient.forNode(node);
    if (config.daemon().isPresent()) {
      daemon = new DaemonPipe(vertx, config, config.daemon().get());
      commands = daemonCommands(pins, uploads);
      otherwise = (request, options) -> daemon.forward(request);
    } else {
      commands = storeCommands(pins, uploads, ContentStore.embedded(node));
      otherwise = (request, options) -> KuboAnswers.error(request.response(), NOT_IMPLEMENTED,
          request.path() + " needs a Kubo daemon: this node uses its embedded IPFS store, which answers only "
              + answeredHere() + "; set ipfs.api to a Kubo daemon's RPC API for the rest");
    }
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

  /**
   * The commands answered here with a daemon, by path; everything else goes to the daemon.
   * {@code block/put} and {@code dag/put} go to the daemon too, and pin in the cluster with
   * {@code pin=true} ({@link PutCommand}).
   */
  private Map<String, ProxyCommand> daemonCommands(PinClient pins, UploadGate uploads) {
    AddCommand add = new AddCommand(daemon, pins);
    PutCommand put = new PutCommand(daemon, pins);
    Map<String, ProxyCommand> answered = new HashMap<>(pinCommands(pins));
    answered.put(API + "add", (request, options) -> admitted(uploads, request, () -> add.handle(request, options)));
    for (String path : List.of(API + "block/put", API + "dag/put")) {
      answered.put(path, (request, options) -> admitted(uploads, request, () -> put.handle(request, options)));
    }
    return answered;
  }

  /** The commands answered by the embedded store, by path; everything else is refused. */
  private Map<String, ProxyCommand> storeCommands(PinClient pins, UploadGate uploads, ContentStore store) {
    Map<String, ProxyCommand> answered = new HashMap<>();
    new StoreCommands(vertx, store, node.peerId(), pins).commands().forEach((path, command) -> answered.put(path,
        UPLOADS.contains(path) ? (request, options) -> admitted(uploads, request, () -> command.handle(request, options))
            : command));
    answered.putAll(pinCommands(pins));
    return answered;
  }

  /** The calls answered without a daemon, for the refusal of every other. */
  private String answeredHere() {
    return String.join(", ", commands.keySet().stream().map(path -> path.substring(API.length())).sorted().toList());
  }

  /**
   * pin/add, pin/rm, pin/ls and pin/update on the cluster's pinset, and repo/gc and repo/stat over
   * every node's daemon ({@link RepoCommands}), daemon or not.
   */
  private Map<String, ProxyCommand> pinCommands(PinClient pins) {
    PinCommands pin = new PinCommands(vertx, pins, ipfs, config.pinProgress());
    RepoCommands repo = new RepoCommands(new RepoGc(vertx, node, IpfsConfig.of(node).gcTimeout()),
        new RepoStats(vertx, node, node.config().cluster().requestTimeout()));
    return Map.of(
        API + "pin/add", (request, options) -> pin.add(options, request.response()),
        API + "pin/rm", (request, options) -> pin.rm(options, request.response()),
        API + "pin/ls", (request, options) -> pin.ls(options, request.response()),
        API + "pin/update", (request, options) -> pin.update(options, request.response()),
        API + "repo/gc", (request, options) -> repo.gc(options, request.response()),
        API + "repo/stat", (request, options) -> repo.stat(request.response()));
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
    return Future.all(daemon == null ? Future.succeededFuture() : daemon.close(),
        ipfs == null ? Future.succeededFuture() : ipfs.close());
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
      log.info("IPFS proxy listening on http://{}, {}", config.listen(), config.daemon()
          .map(api -> "forwarding to the IPFS daemon at " + api).orElse("answering from the embedded IPFS store"));
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
      String path = request.path();
      String slashArg = null;
      for (String prefix : SLASH_FORMS) {
        if (path.startsWith(prefix) && path.length() > prefix.length()) {
          slashArg = path.substring(prefix.length());
          path = prefix.substring(0, prefix.length() - 1);
        }
      }
      ProxyCommand command = commands.get(path);
      Optional<FerryException> badUri = UriCheck.problem(request.uri());
      if (badUri.isPresent()) {
        KuboAnswers.error(request.response(), badUri.get());
      } else if (command == null) {
        otherwise.handle(request, null);
      } else if (request.method() != HttpMethod.POST
          && !(CLUSTER_CALLS.contains(path) && CLUSTER_METHODS.contains(request.method()))) {
        KuboAnswers.error(request.response(), METHOD_NOT_ALLOWED, "405 - Method Not Allowed: use POST");
      } else {
        command.handle(request, KuboOptions.of(request, slashArg));
      }
    } catch (FerryException e) {
      KuboAnswers.error(request.response(), e);
    } catch (RuntimeException e) {
      log.warn("IPFS proxy: {} {} failed", request.method(), request.uri(), e);
      KuboAnswers.error(request.response(), INTERNAL, "the proxy failed: " + e);
    }
  }
}
