package dev.ferry.web;

import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailboxes;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both bridges (SockJS and TCP) check beyond Vert.x's address permissions: the token, that
 * a socket registers only its own mailbox-like address and circuits under its own peer id, that
 * it opens circuits only from that peer id and never claims the node-to-node circuit link, and
 * logging every denial. It gives each socket that asks ({@value #MAILBOX_REQUEST}) an address of
 * this node to receive on and a circuit peer id.
 *
 * <p>Thread-safe: bridge events of different sockets arrive on different event loops.
 */
final class BridgeGuard {
  private static final Logger log = LoggerFactory.getLogger(BridgeGuard.class);
  /** Bridge clients send a request here to learn the address they may receive on. */
  static final String MAILBOX_REQUEST = "ferry.bridge.mailbox";
  /** Header the guard adds to that request: the asking socket's address. */
  static final String SOCKET_ADDRESS_HEADER = "ferry-socket-address";
  /** Header the guard adds to that request: the circuit peer id the socket may hold circuits under. */
  static final String SOCKET_PEER_HEADER = "ferry-socket-peer";
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

  /** What the guard decided about one bridge event. */
  enum Verdict { ALLOW, DENY }

  /** One connected socket: whether its URL carried the token, and its addresses once asked for. */
  private static final class SocketState {
    final boolean tokenInUrl;
    volatile Address address;
    volatile String circuitPeer;

    SocketState(boolean tokenInUrl) {
      this.tokenInUrl = tokenInUrl;
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final BridgeConfig config;
  private final Mailboxes mailboxes;
  private final Map<Object, SocketState> sockets = new ConcurrentHashMap<>();

  BridgeGuard(BridgeConfig config, Mailboxes mailboxes) {
    this.config = config;
    this.mailboxes = mailboxes;
  }

  void opened(Object socket, Optional<String> urlToken) {
    sockets.put(socket, new SocketState(config.token().isPresent() && config.token().equals(urlToken)));
  }

  void closed(Object socket) {
    SocketState state = sockets.remove(socket);
    if (state != null && state.address != null) {
      mailboxes.release(state.address);
    }
  }

  /**
   * Checks a send, publish or registration; may add the socket's address to a
   * {@value #MAILBOX_REQUEST} request. {@code remote} names the client in logs.
   */
  Verdict check(BridgeEventType type, JsonObject raw, Object socket, String remote) {
    if (type != BridgeEventType.SEND && type != BridgeEventType.PUBLISH && type != BridgeEventType.REGISTER) {
      return Verdict.ALLOW;
    }
    String address = raw == null ? null : raw.getString("address");
    if (address == null) {
      return Verdict.ALLOW;   // the bridge answers missing_address itself
    }
    SocketState state = sockets.computeIfAbsent(socket, s -> new SocketState(false));
    if (config.token().isPresent() && !state.tokenInUrl && !config.token().get().equals(headerToken(raw))) {
      return deny(type, address, remote, "missing or wrong bridge token");
    }
    stripToken(raw);
    if (type == BridgeEventType.REGISTER) {
      if (address.startsWith("ferry.mbx.") && (state.address == null || !address.equals(state.address.toString()))) {
        return deny(type, address, remote, "a bridge client receives only on its own address (ask "
            + MAILBOX_REQUEST + ")");
      }
      // a second consumer on someone else's circuit would take a share of its fragments
      if (address.startsWith(CIRCUIT_PREFIX) && (state.circuitPeer == null
          || !address.substring(CIRCUIT_PREFIX.length()).split("\\.", 2)[0].equals(state.circuitPeer))) {
        return deny(type, address, remote, "a bridge client holds circuits only under its own peer id (ask "
            + MAILBOX_REQUEST + ")");
      }
      return config.outboundAllows(address) ? Verdict.ALLOW : deny(type, address, remote, "not permitted outbound");
    }
    if (address.equals(MAILBOX_REQUEST)) {
      if (state.address == null) {
        state.address = mailboxes.reserve();
        state.circuitPeer = "bridge" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
      }
      headers(raw).put(SOCKET_ADDRESS_HEADER, state.address.toString()).put(SOCKET_PEER_HEADER, state.circuitPeer);
      return Verdict.ALLOW;
    }
    // replies to the server travel to one-off reply addresses the bridge already permits
    if (!config.inboundAllows(address) && !looksLikeReply(address)) {
      return deny(type, address, remote, "not permitted inbound");
    }
    // an open or opened that claims the circuit link would send the Java end's traffic where no
    // bridge client can be: circuits with bridge clients stay on the bus
    if ((address.startsWith(CIRCUIT_PREFIX) || looksLikeReply(address) && CIRCUIT_OPENED.equals(header(raw, CIRCUIT_KIND)))
        && hasHeader(raw, CIRCUIT_LINK)) {
      return deny(type, address, remote, "header '" + CIRCUIT_LINK + "' is for Java peers on ferry nodes (the "
          + "node-to-node circuit link); a bridge client's circuits use the event bus: leave it out");
    }
    // an open names where the other end sends (its from, and reply-to under it): only the socket's own
    if (address.startsWith(CIRCUIT_PREFIX) && CIRCUIT_OPEN.equals(header(raw, CIRCUIT_KIND))
        && (state.circuitPeer == null || !state.circuitPeer.equals(header(raw, CIRCUIT_FROM)))) {
      return deny(type, address, remote, "a bridge client opens circuits only from its own peer id (ask "
          + MAILBOX_REQUEST + ")");
    }
    return Verdict.ALLOW;
  }

  /** Whether {@code raw}'s headers carry the configured token (false when none is configured). */
  boolean carriesToken(JsonObject raw) {
    return config.token().isPresent() && config.token().get().equals(headerToken(raw));
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

  private static String headerToken(JsonObject raw) {
    return header(raw, TOKEN);
  }

  private static String header(JsonObject raw, String name) {
    JsonObject headers = raw.getJsonObject("headers");
    return headers == null || !(headers.getValue(name) instanceof String value) ? null : value;
  }

  private static boolean hasHeader(JsonObject raw, String name) {
    JsonObject headers = raw.getJsonObject("headers");
    return headers != null && headers.containsKey(name);
  }

  private static void stripToken(JsonObject raw) {
    JsonObject headers = raw.getJsonObject("headers");
    if (headers != null) {
      headers.remove(TOKEN);
    }
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
