package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeContext;
import dev.ferry.security.ApiTokens;
import dev.ferry.security.ApiUsers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the HTTP API: with users in {@code api.users}, every request must carry HTTP basic
 * credentials of one of them or {@code Authorization: Bearer TOKEN} from {@code POST /token}
 * (except the {@code api.open_paths}, for health probes and metric scrapers); a {@code read} user
 * may only {@code GET}/{@code HEAD}. 401 without valid credentials, 403 for a role that may not,
 * 429 with {@code Retry-After} for an address that failed too many logins ({@link LoginThrottle}).
 * With no users the API stays open, as before users existed.
 *
 * <p>Mounted first on the router, so no route runs for a caller it refuses. Password checks
 * (PBKDF2, slow on purpose) run on a worker. Stateless apart from the node-wide throttle.
 */
final class ApiAuth implements Routes {
  private static final Logger log = LoggerFactory.getLogger(ApiAuth.class);
  static final String TOKEN_PATH = "/token";
  private static final String REALM = "Basic realm=\"ferry\"";

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

  /** The API's guard from the {@code api} section; the token key is read (or made) on a worker. */
  static Future<ApiAuth> load(Vertx vertx, NodeContext node, JsonObject apiJson) {
    ApiUsers users;
    Set<String> open;
    Duration ttl;
    LoginThrottle throttle;
    try {
      ConfigSection api = ConfigSection.of("api", apiJson);
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

  private void authenticate(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    boolean looking = method == HttpMethod.GET || method == HttpMethod.HEAD;
    if (looking && openPaths.contains(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    String address = address(ctx);
    OptionalLong retryAfter = throttle.retryAfterSeconds(address);
    if (retryAfter.isPresent()) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter.getAsLong()));
      HttpErrors.send(ctx.response(), 429, "too-many-requests", "too many failed logins from " + address
          + ": try again in " + retryAfter.getAsLong() + " s");
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      unauthorized(ctx, "this API needs credentials: HTTP basic auth with a user of api.users, or "
          + "'Authorization: Bearer TOKEN' with a token from POST " + TOKEN_PATH);
      return;
    }
    // the body waits while the credentials are checked: the route that reads it resumes the request
    ctx.request().pause();
    caller(header).onComplete(checked -> {
      if (checked.failed()) {
        ctx.request().resume();   // a refused request's body is read and dropped
        failedLogin(ctx, address, checked.cause().getMessage());
        return;
      }
      ApiUsers.User user = checked.result();
      throttle.succeeded(address);
      boolean mayAlwaysAsk = ctx.normalizedPath().equals(TOKEN_PATH) && method == HttpMethod.POST;
      if (!looking && !mayAlwaysAsk && !user.role().mayChange()) {
        ctx.request().resume();
        HttpErrors.send(ctx.response(), 403, "forbidden", "user '" + user.name() + "' has role "
            + user.role().label() + ", which may only GET; " + method + " " + ctx.normalizedPath() + " needs role admin");
        return;
      }
      ctx.put(ApiUsers.User.class.getName(), user);
      ctx.next();
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
      return Future.failedFuture("unknown Authorization scheme '" + scheme + "': use Basic or Bearer");
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

  private void failedLogin(RoutingContext ctx, String address, String why) {
    boolean blocked = throttle.failed(address);
    failures.warn("failed login to the HTTP API from " + address + " (" + ctx.request().method() + " "
        + ctx.normalizedPath() + "): " + why + (blocked ? "; too many, its logins are refused for a while" : ""));
    unauthorized(ctx, why);
  }

  private static void unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("WWW-Authenticate", REALM);
    HttpErrors.send(ctx.response(), 401, "unauthorized", message);
  }

  private static String address(RoutingContext ctx) {
    var remote = ctx.request().remoteAddress();
    return remote == null ? "unknown" : remote.hostAddress();
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
