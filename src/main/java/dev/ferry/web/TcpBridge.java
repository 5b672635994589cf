package dev.ferry.web;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge (Vert.x's framed JSON protocol) for clients in other languages, on
 * {@code bridge.tcp_host:bridge.tcp_port}, with the same permissions and {@link BridgeGuard} as
 * the SockJS bridge. Credentials travel in the frames' headers: with {@code api.users} an
 * {@code authorization} header logs the socket in (once; later frames may leave it out), without
 * users the token goes in each frame.
 *
 * <p>ferry owns the listening socket: each connection is counted against
 * {@code bridge.max_connections_per_address}, gets the idle timeout, and passes a {@link FrameGate}
 * that checks every frame's length before the bridge buffers any of it, then goes to Vert.x's
 * bridge for the protocol itself. Vert.x 5.0's bridge has no public way to take a socket it did
 * not accept, so its per-socket entry point is called reflectively ({@link #SOCKET_ENTRY}); a Vert.x
 * upgrade that renames it fails the node's start with a message saying so. One instance per web
 * verticle instance; each socket is served on the event loop that accepted it.
 */
final class TcpBridge {
  private static final Logger log = LoggerFactory.getLogger(TcpBridge.class);
  /** The private method of Vert.x's bridge that serves one accepted socket. */
  private static final String SOCKET_ENTRY = "handler";

  /** A bridge socket that can say which gate it passes (so bridge events can reach the gate). */
  interface Gated {
    FrameGate gate();
  }

  private final Vertx vertx;
  private final BridgeConfig config;
  private final BridgeGuard guard;
  private final ThrottledLog refused = new ThrottledLog(log);
  private final ThrottledLog cut = new ThrottledLog(log);

  TcpBridge(Vertx vertx, BridgeConfig config, BridgeGuard guard) {
    this.vertx = vertx;
    this.config = config;
    this.guard = guard;
  }

  Future<Void> listen() {
    if (config.tcpPort() == 0) {
      return Future.succeededFuture();
    }
    TcpEventBusBridge bridge = TcpEventBusBridge.create(vertx, config.options(), new NetServerOptions(), this::event);
    Method entry;
    try {
      entry = bridge.getClass().getDeclaredMethod(SOCKET_ENTRY, NetSocket.class);
      entry.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Future.failedFuture(new IllegalStateException("this Vert.x TCP event-bus bridge (" + bridge.getClass()
          + ") has no " + SOCKET_ENTRY + "(NetSocket) for ferry's frame checks: use the vertx-tcp-eventbus-bridge "
          + "version in pom.xml, or set bridge.tcp_port to 0", e));
    }
    AddressCounts counts = AddressCounts.of(vertx, config.limits());
    FrameBudget budget = FrameBudget.of(vertx, config.maxBufferedBytes());
    NetServerOptions options = new NetServerOptions()
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.limits().idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    NetServer server = vertx.createNetServer(options)
        .connectHandler(socket -> accept(socket, counts, budget, bridge, entry));
    return server.listen(config.tcpPort(), config.tcpHost())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.tcpHost() + ":"
            + config.tcpPort() + " for the TCP event-bus bridge (" + e.getMessage() + "): set bridge.tcp_port")))
        .mapEmpty();
  }

  private void accept(NetSocket socket, AddressCounts counts, FrameBudget budget, TcpEventBusBridge bridge,
      Method entry) {
    String address = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    if (!counts.tryOpen(address)) {
      refused.warn("TCP bridge: refused a connection from " + address + ": it holds " + counts.max()
          + " already (bridge.max_connections_per_address)");
      FrameHelper.sendErrFrame("too_many_connections: at most " + counts.max() + " from one address "
          + "(bridge.max_connections_per_address)", socket);
      socket.close();
      return;
    }
    FrameGate gate = new FrameGate(vertx, socket, config, guard.needsCredentials(), budget, cut);
    NetSocket gated = gated(socket, gate);
    guard.opened(gated, Optional.empty(), Optional.empty());
    socket.closeHandler(x -> {
      gate.closed();
      guard.closed(gated);
      counts.closed(address);
    });
    gate.start();
    try {
      entry.invoke(bridge, gated);
    } catch (InvocationTargetException | IllegalAccessException e) {
      log.warn("TCP bridge: cannot serve the socket of {}", address, e instanceof InvocationTargetException t
          ? t.getCause() : e);
      socket.close();
    }
  }

  /** {@code socket} as the bridge sees it: every byte it reads first passes {@code gate}. */
  private static NetSocket gated(NetSocket socket, FrameGate gate) {
    InvocationHandler calls = new InvocationHandler() {
      @Override
      @SuppressWarnings("unchecked")
      public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Gated.class) {
          return gate;
        }
        switch (method.getName()) {
          case "equals":
            return self == args[0];
          case "hashCode":
            return System.identityHashCode(self);
          case "handler":
            if (args != null && args.length == 1 && method.getParameterTypes()[0] == Handler.class) {
              gate.parser((Handler<Buffer>) args[0]);
              socket.handler(args[0] == null ? null : gate);
              return self;
            }
            break;
          default:
            break;
        }
        try {
          Object result = method.invoke(socket, args);
          return result == socket ? self : result;
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }
    };
    return (NetSocket) Proxy.newProxyInstance(TcpBridge.class.getClassLoader(),
        new Class<?>[] {NetSocket.class, Gated.class}, calls);
  }

  private void event(BridgeEvent event) {
    if (event.type() == BridgeEventType.SOCKET_CREATED || event.type() == BridgeEventType.SOCKET_CLOSED) {
      event.complete(true);
      return;
    }
    NetSocket socket = event.socket();
    guard.check(event.type(), event.getRawMessage(), socket, socket.remoteAddress()).onComplete(verdict -> {
      if (guard.authenticated(socket) && socket instanceof Gated gated) {
        gated.gate().authenticated();
      }
      if (verdict.failed() || verdict.result() == BridgeGuard.Verdict.DENY) {
        // the TCP bridge has no way to turn a handler's refusal into access_denied itself
        FrameHelper.sendErrFrame("access_denied", socket);
        event.complete(false);
      } else {
        event.complete(true);
      }
    });
  }
}
