package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeContext;
import dev.ferry.security.ApiTokens;
import dev.ferry.security.ApiUsers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the HTTP API (and the IPFS proxy, which asks {@link #check} itself): with users in {@code api.users}, every request must carry HTTP basic
 * credentials of one of them or {@code Authorization: Bearer TOKEN} from {@code POST /token}
 * (except the {@code api.open_paths}, for health probes and metric scrapers, the dashboard's files under
 * {@code /ui/}, which hold no data, and the SockJS
 * bridge's requests without credentials, whose sockets log in with a frame: {@link BridgeGuard}); a {@code read} user
 * may only {@code GET}/{@code HEAD}. 401 without valid credentials, 403 for a role that may not,
 * 429 with {@code Retry-After} for an address that failed too many logins ({@link LoginThrottle}).
 * A 401 challenges Basic, or Bearer for a script's request ({@value #SCRIPT_HEADER}), which a
 * browser leaves to the page instead of opening its own login dialog.
 * With no users the API stays open, as before users existed.
 *
 * <p>Mounted first on the router, so no route runs for a caller it refuses. Password checks
 * (PBKDF2, slow on purpose) run on a worker. Stateless apart from the node-wide throttle.
 */
public final class ApiAuth implements Routes {
  private static final Logger log = LoggerFactory.getLogger(ApiAuth.class);
  static final String TOKEN_PATH = "/token";
  private static final String REALM = "Basic realm=\"ferry\"";
  /**
   * The challenge for a script's request ({@value #SCRIPT_HEADER} set, as the dashboard's are): a
   * browser answers a Basic challenge with its own login dialog over the page, never a Bearer one.
   */
  private static final String BEARER_REALM = "Bearer realm=\"ferry\"";
  /** The header by which a page's scripts say a request is theirs (the convention of browser libraries). */
  static final String SCRIPT_HEADER = "X-Requested-With";

  private final Vertx vertx;
  private final ApiUsers users;
  private final Optional<ApiTokens> tokens;
  private final Set<String> openPaths;
  private final LoginThrottle throttle;
  private final ThrottledLog failures = new ThrottledLog(log);

  private ApiAuth(Vertx vertx, ApiUsers users, Optional<ApiTokens> tokens, Set<String> openPaths, LoginThrottle throttle) {
    this.vertx = vertx;
    this.users = users;
    this.tokens = tokens;
    this.openPaths = openPaths;
    this.throttle = throttle;
  }

  /**
   * The API's guard from the {@code api} section ({@code node.config().section("api")}); the token
   * key is read (or made) on a worker.
   */
  public static Future<ApiAuth> load(Vertx vertx, NodeContext node, ConfigSection api) {
    ApiUsers users;
    Set<String> open;
    Duration ttl;
    LoginThrottle throttle;
    try {
      users = ApiUsers.from(api.section("users"));
      open = openPaths(api);
      ttl = api.wholeSeconds("token_ttl_ms", "a token's expiry");
      throttle = LoginThrottle.of(vertx, api.positive("login_max_failures"), api.millis("login_window_ms"),
          api.wholeSeconds("login_block_ms", "HTTP's Retry-After"));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (users.isEmpty()) {
      return Future.succeededFuture(new ApiAuth(vertx, users, Optional.empty(), open, throttle));
    }
    return ApiTokens.load(vertx, node.config().dataDir(), ttl)
        .map(t -> new ApiAuth(vertx, users, Optional.of(t), open, throttle));
  }

  @Override
  public void mount(Router router) {
    if (users.isEmpty()) {
      return;
    }
    router.route().handler(this::authenticate);
    router.post(TOKEN_PATH).handler(this::issueToken);
  }

  /** Who the request of {@code ctx} logged in as, if it needed to. */
  static Optional<ApiUsers.User> user(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(ApiUsers.User.class.getName()));
  }

  /** Whether the API is open (no users configured): then {@link #check} is never needed. */
  public boolean isOpen() {
    return users.isEmpty();
  }

  /**
   * Who is calling, or a failed future with a {@link Refused} that says how to answer (401, 403 or
   * 429 with its headers). The request is paused while the credentials are checked; on a refusal it
   * is resumed (its body is read and dropped), on success whoever reads the body resumes it.
   *
   * @param changes whether the request may change something, which role {@code read} may not do
   */
  public Future<ApiUsers.User> check(HttpServerRequest request, boolean changes) {
    String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    request.pause();
    return login(request.getHeader(HttpHeaders.AUTHORIZATION), address, request.method() + " " + request.path())
        .compose(user -> {
          if (changes && !user.role().mayChange()) {
            return Future.failedFuture(new Refused(403, "forbidden", "user '" + user.name() + "' has role "
                + user.role().label() + ", which may only GET; " + request.method() + " " + request.path()
                + " needs role admin", Map.of()));
          }
          return Future.succeededFuture(user);
        })
        .onFailure(e -> request.resume());
  }

  /**
   * The user behind an {@code Authorization} value ({@code Basic ...} or {@code Bearer ...}) from
   * {@code address}, counted by the login throttle like every login; fails with a {@link Refused}
   * (401, or 429 while the address is blocked). {@code what} names the attempt in the log. The
   * bridges log in their sockets with it.
   */
  public Future<ApiUsers.User> login(String authorization, String address, String what) {
    OptionalLong retryAfter = throttle.retryAfterSeconds(address);
    if (retryAfter.isPresent()) {
      return Future.failedFuture(new Refused(429, "too-many-requests", "too many failed logins from " + address
          + ": try again in " + retryAfter.getAsLong() + " s",
          Map.of(HttpHeaders.RETRY_AFTER.toString(), Long.toString(retryAfter.getAsLong()))));
    }
    if (authorization == null || authorization.isBlank()) {
      return Future.failedFuture(unauthorized("this API needs credentials: HTTP basic auth with a user of api.users, "
          + "or 'Authorization: Bearer TOKEN' with a token from POST " + TOKEN_PATH));
    }
    return caller(authorization)
        .recover(e -> {
          boolean blocked = throttle.failed(address);
          failures.warn("failed login from " + address + " (" + what + "): " + e.getMessage()
              + (blocked ? "; too many, its logins are refused for a while" : ""));
          return Future.failedFuture(unauthorized(e.getMessage()));
        })
        .onSuccess(user -> throttle.succeeded(address));
  }

  /** A caller refused: the status, short code, message and headers of the answer. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final transient Map<String, String> headers;

    Refused(int status, String code, String message, Map<String, String> headers) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
      this.headers = Map.copyOf(headers);
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }

    /** Puts the answer's headers ({@code WWW-Authenticate}, {@code Retry-After}) on {@code response}. */
    public void addHeaders(HttpServerResponse response) {
      headers.forEach(response::putHeader);
    }
  }

  private void authenticate(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    boolean looking = method == HttpMethod.GET || method == HttpMethod.HEAD;
    // the dashboard's files hold no data: the page itself asks for a login and sends the token on every call
    if (looking && (openPaths.contains(ctx.normalizedPath()) || DashboardRoutes.isUiPath(ctx.normalizedPath()))) {
      ctx.next();
      return;
    }
    // a bridge socket may log in with its first frame instead (BridgeGuard): its HTTP requests need no credentials
    if (BridgeRoutes.isBridgePath(ctx.normalizedPath()) && ctx.request().getHeader(HttpHeaders.AUTHORIZATION) == null) {
      ctx.next();
      return;
    }
    boolean tokenRequest = method == HttpMethod.POST && ctx.normalizedPath().equals(TOKEN_PATH);
    check(ctx.request(), !looking && !tokenRequest).onComplete(checked -> {
      if (checked.succeeded()) {
        ctx.put(ApiUsers.User.class.getName(), checked.result());
        ctx.next();
      } else if (checked.cause() instanceof Refused refused) {
        refused.addHeaders(ctx.response());
        if (refused.status() == 401 && ctx.request().getHeader(SCRIPT_HEADER) != null) {
          ctx.response().putHeader("WWW-Authenticate", BEARER_REALM);   // the page asks for the login itself
        }
        HttpErrors.send(ctx.response(), refused.status(), refused.code(), refused.getMessage());
      } else {
        ctx.fail(checked.cause());
      }
    });
  }

  /** {@code POST /token}: a JWT for the caller {@link #authenticate} let through. */
  private void issueToken(RoutingContext ctx) {
    ApiUsers.User user = ctx.get(ApiUsers.User.class.getName());
    ApiTokens t = tokens.orElseThrow();
    ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
        .put("token", t.issue(user))
        .put("expires_at", Instant.now().plus(t.ttl()).toString())
        .encode());
  }

  /** The configured user behind an Authorization header, or a failure saying what was wrong. */
  private Future<ApiUsers.User> caller(String header) {
    int space = header.indexOf(' ');
    String scheme = space < 0 ? header : header.substring(0, space);
    String value = space < 0 ? "" : header.substring(space + 1).trim();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return tokens.orElseThrow().verify(value)
          .recover(e -> Future.failedFuture("the token is expired or invalid: get a new one with POST " + TOKEN_PATH))
          .compose(name -> users.get(name).map(Future::succeededFuture)
              .orElseGet(() -> Future.failedFuture("the token's user '" + name + "' is no longer in api.users")));
    }
    if (!scheme.equalsIgnoreCase("Basic")) {
      // the scheme is not echoed: a header sent without one holds the credential itself
      return Future.failedFuture("unknown Authorization scheme (not Basic or Bearer): send 'Basic BASE64(USER:PASSWORD)' "
          + "or 'Bearer TOKEN'");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture("the basic credentials are not base64 of USER:PASSWORD");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return Future.failedFuture("the basic credentials are not base64 of USER:PASSWORD");
    }
    String name = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    return vertx.executeBlocking(() -> users.verify(name, password), false)
        .compose(user -> user.map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture("wrong user name or password")));
  }

  private static Refused unauthorized(String message) {
    return new Refused(401, "unauthorized", message, Map.of("WWW-Authenticate", REALM));
  }

  private static Set<String> openPaths(ConfigSection api) {
    for (String path : api.strings("open_paths")) {
      if (!path.startsWith("/")) {
        throw api.invalid("open_paths", "expected paths starting with '/', such as \"/health\", got '" + path + "'");
      }
    }
    return Set.copyOf(api.strings("open_paths"));
  }
}
