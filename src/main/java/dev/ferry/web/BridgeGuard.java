package dev.ferry.web;

import dev.ferry.circuit.Circuits;
import dev.ferry.core.Addresses;
import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.raft.RaftSettings;
import dev.ferry.security.ApiUsers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.bridge.BridgeEventType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both bridges (SockJS and TCP) check beyond Vert.x's address permissions: who the socket is
 * (with {@code api.users}: a user logged in with the SockJS request's {@code Authorization}, or
 * with an {@value #AUTHORIZATION} header in a frame, {@code Basic} or {@code Bearer}; without
 * users: the token, if one is set), what that user's role may send where ({@link BridgeRoles}),
 * that no bridge changes Raft membership unless {@code bridge.membership_changes} and none
 * proposes to a group whose state machine belongs to a service, that a socket registers only its
 * own mailbox-like address and circuits under its own peer id, that it opens circuits only from
 * that peer id and never claims the node-to-node circuit link, and logging every denial. It gives
 * each socket that asks ({@value Addresses#BRIDGE_MAILBOX}) an address of this node to receive on and a
 * circuit peer id.
 *
 * <p>Thread-safe: bridge events of different sockets arrive on different event loops. A login
 * (PBKDF2 for basic credentials) runs on a worker through {@link ApiAuth#login}; a socket's
 * frames wait for its login in the order they came, so they are let through in that order.
 */
final class BridgeGuard {
  private static final Logger log = LoggerFactory.getLogger(BridgeGuard.class);
  /** Header the guard adds to that request: the asking socket's address. */
  static final String SOCKET_ADDRESS_HEADER = "ferry-socket-address";
  /** Header the guard adds to that request: the circuit peer id the socket may hold circuits under. */
  static final String SOCKET_PEER_HEADER = "ferry-socket-peer";
  /** The mailbox control header (docs/ADDRESSES.md), and what a bridge client may ask with it, of its own address only. */
  private static final String MAILBOX_CONTROL = "ferry-control";
  private static final Set<String> OWN_CONTROL = Set.of("monitor", "demonitor", "watch");
  private static final String CIRCUIT_PREFIX = "ferry.circuit.";
  /** Circuit wire headers the guard reads (docs/CIRCUITS.md): an open, and who it is from. */
  private static final String CIRCUIT_KIND = "kind";
  private static final String CIRCUIT_OPEN = "open";
  private static final String CIRCUIT_OPENED = "opened";
  private static final String CIRCUIT_FROM = "from";
  /** Says an end takes circuit traffic on the node-to-node circuit link: only Java peers on nodes can. */
  private static final String CIRCUIT_LINK = "link";
  /** Header (or SockJS query parameter) that carries the bridge token. */
  static final String TOKEN = "token";
  /** Frame header with a user's credentials, as HTTP's Authorization: {@code Basic B64} or {@code Bearer JWT}. */
  static final String AUTHORIZATION = "authorization";
  /** The state machine that is the bridge's own to drive: every other one belongs to a service. */
  private static final String GENERIC_STATE_MACHINE = "kv";
  /** Raft's client addresses: {@code ferry.raft.<group>} and {@code ferry.node.<node>.raft.<group>}. */
  private static final Pattern RAFT_ADDRESS = Pattern.compile("ferry\\.(?:node\\.[^.]+\\.)?raft\\.([A-Za-z0-9_-]+)");
  /** Raft requests that change a group's membership or leader. */
  private static final Set<String> MEMBERSHIP = Set.of("join", "leave", "transfer");
  /** Raft requests only nodes send each other. */
  private static final Set<String> NODE_INTERNAL = Set.of("removed");
  private static final String PROPOSE = "propose";

  /** What the guard decided about one bridge event. */
  enum Verdict { ALLOW, DENY }

  /** One connected socket: whether its URL carried the token, its login, and its addresses once asked for. */
  private static final class SocketState {
    final boolean tokenInUrl;
    /** Whether a frame of this socket carried the right token (the socket may then send big frames). */
    volatile boolean tokenShown;
    volatile Address address;
    volatile String circuitPeer;
    /** The socket's login and the credentials it was made with (guarded by this). */
    private Future<ApiUsers.User> login;
    private String loginWith;

    SocketState(boolean tokenInUrl, Optional<ApiUsers.User> httpUser) {
      this.tokenInUrl = tokenInUrl;
      httpUser.ifPresent(user -> login = Future.succeededFuture(user));
    }

    /** The login for these credentials (started if they are new), or the socket's earlier one; null if none. */
    synchronized Future<ApiUsers.User> login(String credentials, ApiAuth auth, String host) {
      if (credentials != null && !credentials.equals(loginWith)) {
        loginWith = credentials;
        login = auth.login(credentials, host, "bridge");
      }
      return login;
    }

    synchronized boolean loggedIn() {
      return login != null && login.succeeded();
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final BridgeConfig config;
  private final Mailboxes mailboxes;
  private final ApiAuth auth;
  private final Set<String> serviceGroups;
  private final Map<Object, SocketState> sockets = new ConcurrentHashMap<>();

  /**
   * @param auth the API's users: with users, every socket logs in as one of them
   * @param serviceGroups the Raft groups whose state machine belongs to a service ({@link #serviceGroups})
   */
  BridgeGuard(BridgeConfig config, Mailboxes mailboxes, ApiAuth auth, Set<String> serviceGroups) {
    this.config = config;
    this.mailboxes = mailboxes;
    this.auth = auth;
    this.serviceGroups = Set.copyOf(serviceGroups);
    if (!auth.isOpen() && config.token().isPresent()) {
      log.warn("bridge.token is not used: with api.users, bridge clients log in as a user");
    }
  }

  /** The groups of {@code raft} whose state machine is not the generic kv one: only their service proposes. */
  static Set<String> serviceGroups(RaftSettings raft) {
    return raft.groups().entrySet().stream().filter(g -> !GENERIC_STATE_MACHINE.equals(g.getValue()))
        .map(Map.Entry::getKey).collect(Collectors.toUnmodifiableSet());
  }

  /** Whether {@code given} is the bridge token, compared in a time that does not tell how much of it matched. */
  private boolean isToken(String given) {
    return config.token().map(token -> MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
        given.getBytes(StandardCharsets.UTF_8))).orElse(false);
  }

  /** A socket connected; {@code httpUser} is who its HTTP request logged in as (SockJS), if anyone. */
  void opened(Object socket, Optional<String> urlToken, Optional<ApiUsers.User> httpUser) {
    sockets.put(socket, new SocketState(urlToken.map(this::isToken).orElse(false), httpUser));
  }

  /** Whether the socket has shown valid credentials (with users: logged in; without: the token, if one is set). */
  boolean authenticated(Object socket) {
    SocketState state = sockets.get(socket);
    return state != null && (auth.isOpen() ? state.tokenInUrl || state.tokenShown : state.loggedIn());
  }

  /** Whether sockets must show credentials before they may send big frames. */
  boolean needsCredentials() {
    return !auth.isOpen() || config.token().isPresent();
  }

  void closed(Object socket) {
    SocketState state = sockets.remove(socket);
    if (state != null && state.address != null) {
      mailboxes.release(state.address);
    }
  }

  /**
   * Checks a send, publish or registration; may add the socket's address to a
   * {@value Addresses#BRIDGE_MAILBOX} request, and takes the credentials out of the frame's headers so
   * they never travel on. {@code remote} is the client's address, for the login throttle and logs.
   */
  Future<Verdict> check(BridgeEventType type, JsonObject raw, Object socket, SocketAddress remote) {
    if (type != BridgeEventType.SEND && type != BridgeEventType.PUBLISH && type != BridgeEventType.REGISTER) {
      return Future.succeededFuture(Verdict.ALLOW);
    }
    if (raw != null && !lowerCaseHeaders(raw)) {
      return Future.succeededFuture(deny(type, raw.getString("address"), String.valueOf(remote),
          "two headers whose names differ only in case: the event bus reads them as one"));
    }
    String address = raw == null ? null : raw.getString("address");
    if (address == null) {
      if (raw != null) {
        stripCredentials(raw);  // the bridge logs a frame without an address whole
      }
      return Future.succeededFuture(Verdict.ALLOW);   // the bridge answers missing_address itself
    }
    String host = remote == null ? "unknown" : remote.hostAddress();
    String client = String.valueOf(remote);
    SocketState state = sockets.computeIfAbsent(socket, s -> new SocketState(false, Optional.empty()));
    String token = header(raw, TOKEN);
    String credentials = header(raw, AUTHORIZATION);
    stripCredentials(raw);
    if (!auth.isOpen()) {
      Future<ApiUsers.User> login = state.login(credentials, auth, host);
      if (login == null) {
        return Future.succeededFuture(deny(type, address, client, "no credentials: this node has api.users, so a "
            + "bridge client logs in with a header '" + AUTHORIZATION + "': 'Basic BASE64(USER:PASSWORD)' or "
            + "'Bearer TOKEN' (POST /token)"));
      }
      return login.transform(user -> Future.succeededFuture(user.succeeded()
          ? decide(type, raw, address, state, Optional.of(user.result()), client)
          : deny(type, address, client, "login refused: " + user.cause().getMessage())));
    }
    if (config.token().isPresent() && !state.tokenInUrl) {
      if (token == null || !isToken(token)) {
        return Future.succeededFuture(deny(type, address, client, "missing or wrong bridge token"));
      }
      state.tokenShown = true;
    }
    return Future.succeededFuture(decide(type, raw, address, state, Optional.empty(), client));
  }

  /** What the socket of {@code user} (empty: no users configured) may do with this frame. */
  private Verdict decide(BridgeEventType type, JsonObject raw, String address, SocketState state,
      Optional<ApiUsers.User> user, String remote) {
    String who = user.map(u -> remote + " (user " + u + ")").orElse(remote);
    Optional<BridgeRoles.Rules> rules = user.flatMap(u -> config.roles().of(u.role()));
    String role = user.map(u -> u.role().label()).orElse("");
    if (type == BridgeEventType.REGISTER) {
      if (address.startsWith("ferry.mbx.") && (state.address == null || !address.equals(state.address.toString()))) {
        return deny(type, address, who, "a bridge client receives only on its own address (ask "
            + Addresses.BRIDGE_MAILBOX + ")");
      }
      // a second consumer on someone else's circuit would take a share of its fragments
      if (address.startsWith(CIRCUIT_PREFIX) && (state.circuitPeer == null
          || !address.substring(CIRCUIT_PREFIX.length()).split("\\.", 2)[0].equals(state.circuitPeer))) {
        return deny(type, address, who, "a bridge client holds circuits only under its own peer id (ask "
            + Addresses.BRIDGE_MAILBOX + ")");
      }
      if (!config.outboundAllows(address)) {
        return deny(type, address, who, "not permitted outbound");
      }
      if (rules.isPresent() && rules.get().outbound().stream().noneMatch(r -> r.matches(address))) {
        return deny(type, address, who, "role " + role + " may not receive from it (bridge.roles." + role
            + ".outbound)");
      }
      return Verdict.ALLOW;
    }
    String kind = kind(raw.getValue("body"));
    // replies to the server travel to one-off reply addresses the bridge already permits
    if (rules.isPresent() && !looksLikeReply(address)
        && rules.get().inbound().stream().noneMatch(r -> r.matches(address) && r.allowsKind(kind))) {
      return deny(type, address, who, "role " + role + " may not send " + (kind == null ? "this" : "'" + kind + "'")
          + " there (bridge.roles." + role + ".inbound)");
    }
    if (address.equals(Addresses.BRIDGE_MAILBOX)) {
      if (state.address == null) {
        state.address = mailboxes.reserve();
        state.circuitPeer = "bridge" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
      }
      headers(raw).put(SOCKET_ADDRESS_HEADER, state.address.toString()).put(SOCKET_PEER_HEADER, state.circuitPeer);
      return Verdict.ALLOW;
    }
    if (!config.inboundAllows(address) && !looksLikeReply(address)) {
      return deny(type, address, who, "not permitted inbound");
    }
    String control = header(raw, MAILBOX_CONTROL);
    if (hasHeader(raw, MAILBOX_CONTROL) && !(control != null && OWN_CONTROL.contains(control) && state.address != null
        && state.address.toString().equals(raw.getValue("body")))) {
      return deny(type, address, who, "a bridge client's mailbox control is monitor, demonitor or watch of its own "
          + "address (ask " + Addresses.BRIDGE_MAILBOX + "); 'down' comes from the node when a watched mailbox ends");
    }
    Matcher raft = RAFT_ADDRESS.matcher(address);
    if (raft.matches()) {
      String group = raft.group(1);
      if (MEMBERSHIP.contains(kind) && !config.membershipChanges()) {
        return deny(type, address, who, "'" + kind + "' changes the Raft group's membership or leader, which "
            + "bridge clients may not (set bridge.membership_changes to allow admins; or use the HTTP API)");
      }
      if (NODE_INTERNAL.contains(kind)) {
        return deny(type, address, who, "'" + kind + "' is sent between nodes only");
      }
      if (PROPOSE.equals(kind) && serviceGroups.contains(group)) {
        return deny(type, address, who, "group '" + group + "' has a service's state machine: change it through "
            + "that service, which checks the change (the pinset through ferry.pin), never by proposing");
      }
    }
    // an open or opened that claims the circuit link would send the Java end's traffic where no
    // bridge client can be: circuits with bridge clients stay on the bus
    if ((address.startsWith(CIRCUIT_PREFIX) || looksLikeReply(address) && CIRCUIT_OPENED.equals(header(raw, CIRCUIT_KIND)))
        && hasHeader(raw, CIRCUIT_LINK)) {
      return deny(type, address, who, "header '" + CIRCUIT_LINK + "' is for Java peers on ferry nodes (the "
          + "node-to-node circuit link); a bridge client's circuits use the event bus: leave it out");
    }
    // an open names where the other end sends (its from, and reply-to under it): only the socket's own
    if (address.startsWith(CIRCUIT_PREFIX) && CIRCUIT_OPEN.equals(header(raw, CIRCUIT_KIND))
        && (state.circuitPeer == null || !state.circuitPeer.equals(header(raw, CIRCUIT_FROM)))) {
      return deny(type, address, who, "a bridge client opens circuits only from its own peer id (ask "
          + Addresses.BRIDGE_MAILBOX + ")");
    }
    if (address.startsWith(CIRCUIT_PREFIX)) {
      headers(raw).put(Circuits.FROM_BRIDGE_HEADER, "1");  // peers of a node's own services refuse its opens
    }
    return Verdict.ALLOW;
  }

  /**
   * The kind of request a body is, as services read it: its {@code op} when that is a string, else
   * its {@code action} (Raft's older spelling); null when it names none.
   */
  static String kind(Object body) {
    if (!(body instanceof JsonObject json)) {
      return null;
    }
    if (json.getValue("op") instanceof String op) {
      return op;
    }
    return json.getValue("action") instanceof String action ? action : null;
  }

  private static Verdict deny(BridgeEventType type, String address, String remote, String why) {
    log.warn("bridge: denied {} of {} from {}: {}", type.name().toLowerCase(Locale.ROOT), address, remote,
        why);
    return Verdict.DENY;
  }

  /** Reply addresses of the event bus are plain numbers or UUIDs, never ferry.* names. */
  private static boolean looksLikeReply(String address) {
    return !address.contains(".");
  }

  private static String header(JsonObject raw, String name) {
    JsonObject headers = raw.getJsonObject("headers");
    return headers == null || !(headers.getValue(name) instanceof String value) ? null : value;
  }

  private static boolean hasHeader(JsonObject raw, String name) {
    JsonObject headers = raw.getJsonObject("headers");
    return headers != null && headers.containsKey(name);
  }

  private static void stripCredentials(JsonObject raw) {
    JsonObject headers = raw.getJsonObject("headers");
    if (headers != null) {
      headers.remove(TOKEN);
      headers.remove(AUTHORIZATION);
    }
  }

  /**
   * Rewrites the frame's header names in lower case, as the event bus compares them (its headers
   * are case-insensitive), so that every check here sees what the receiver will: false when two
   * names differ only in case, or the headers are not an object.
   */
  private static boolean lowerCaseHeaders(JsonObject raw) {
    Object value = raw.getValue("headers");
    if (value == null) {
      return true;
    }
    if (!(value instanceof JsonObject headers)) {
      return false;
    }
    JsonObject lower = new JsonObject();
    headers.forEach(header -> lower.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue()));
    if (lower.size() != headers.size()) {
      return false;  // two names differ only in case
    }
    raw.put("headers", lower);
    return true;
  }

  private static JsonObject headers(JsonObject raw) {
    JsonObject headers = raw.getJsonObject("headers");
    if (headers == null) {
      headers = new JsonObject();
      raw.put("headers", headers);
    }
    return headers;
  }
}
