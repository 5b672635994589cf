package dev.ferry.node;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeConfig;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With TLS, sends the clustered event bus's messages to another node in batches: a message that
 * Vert.x writes on the connection's own event loop is flushed on its own, so it costs a TLS record
 * of its own (a wrap, an authentication tag, a syscall); writes handed over from other threads
 * Vert.x already flushes together. Netty's {@link FlushConsolidationHandler}, put between TLS and
 * Vert.x's handler on each connection this node opens to another node's bus, turns the flushes
 * of one event-loop turn into one (or one per {@code tls.max_writes_per_flush} messages), so a
 * burst goes out as one record per 16 KiB. A lone message waits only for the end of the event
 * loop's current turn. A plaintext bus is left as Vert.x makes it: there batching only saves
 * syscalls, and the benchmark could not show it does not cost latency (docs/BENCHMARKS.md, "The
 * cost of TLS").
 *
 * <p>Vert.x 5.0 offers no hook into the pipeline of the bus's connections: the clustered bus
 * opens them with a {@link NetClient} of its own. {@link #install} swaps that client (a private
 * field of Vert.x's {@code ClusteredEventBus}) for one that adds the handler to each connection
 * it makes. Only connections this node opens carry messages (an inbound connection only answers
 * pings), so only those need it. Where this Vert.x has no such field the node starts anyway
 * and says so once; {@code BusFlushesTest} fails on such a Vert.x.
 *
 * <p>Thread-safety: {@link #install} runs once, right after the clustered Vert.x is built and
 * before anything is deployed; the handler is added on the connection's event loop.
 */
final class BusFlushes {
  private static final Logger log = LoggerFactory.getLogger(BusFlushes.class);
  static final String SETTING = "tls.max_writes_per_flush";
  /** The handler's name in a bus connection's pipeline. */
  static final String HANDLER = "ferry-flushes";
  /** Vert.x's name of its own handler, the last in the pipeline. */
  private static final String VERTX_HANDLER = "handler";
  private static final String CLUSTERED_EVENT_BUS = "io.vertx.core.eventbus.impl.clustered.ClusteredEventBus";
  private static final String CLIENT_FIELD = "client";

  private BusFlushes() {}

  /** {@code tls.max_writes_per_flush}: at most this many messages per flush; 1 flushes each (Vert.x's own way). */
  static int maxWritesPerFlush(NodeConfig config) {
    return ConfigSection.root(config.json()).positive(SETTING);
  }

  /**
   * Makes the bus of {@code vertx} coalesce its flushes, at most {@code maxWritesPerFlush}
   * messages per flush; with 1 it leaves the bus as Vert.x made it. Whether it could is logged.
   */
  static void install(Vertx vertx, int maxWritesPerFlush) {
    if (maxWritesPerFlush <= 1) {
      log.debug("event bus flushes each message on its own ({} is 1)", SETTING);
      return;
    }
    Object bus = vertx.eventBus();
    try {
      Field field = Class.forName(CLUSTERED_EVENT_BUS).getDeclaredField(CLIENT_FIELD);
      if (!field.getDeclaringClass().isInstance(bus)) {
        return; // not clustered: no connections to other nodes
      }
      field.setAccessible(true);
      NetClient client = (NetClient) field.get(bus);
      field.set(bus, coalescing(client, maxWritesPerFlush));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("event bus flushes each message on its own: this Vert.x ({}) has no {}.{} to reach its connections "
          + "through ({}); use the vertx-core version in pom.xml", Vertx.class.getPackage().getImplementationVersion(),
          CLUSTERED_EVENT_BUS, CLIENT_FIELD, e.toString());
    }
  }

  /** Whether a bus connection's pipeline coalesces its flushes (for tests). */
  static boolean coalesces(NetSocket socket) {
    return ((NetSocketInternal) socket).channelHandlerContext().pipeline().get(HANDLER) != null;
  }

  /** {@code client}, except that every socket it connects coalesces its flushes. */
  private static NetClient coalescing(NetClient client, int maxWritesPerFlush) {
    InvocationHandler handler = (proxy, method, args) -> {
      Object result = invoke(client, method, args);
      if (method.getName().equals("connect") && result instanceof Future<?> connected) {
        return connected.map(socket -> {
          addHandler((NetSocket) socket, maxWritesPerFlush);
          return socket;
        });
      }
      return result;
    };
    return (NetClient) Proxy.newProxyInstance(BusFlushes.class.getClassLoader(), new Class<?>[] {NetClient.class},
        handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * Puts the handler right before Vert.x's, so it sees the flushes Vert.x makes before TLS wraps
   * what was written: TLS then wraps a whole batch into one record.
   */
  private static void addHandler(NetSocket socket, int maxWritesPerFlush) {
    ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
    if (pipeline.get(HANDLER) == null && pipeline.get(VERTX_HANDLER) != null) {
      // consolidate also when nothing is being read: a bus connection this node opens only ever reads pongs
      pipeline.addBefore(VERTX_HANDLER, HANDLER, new FlushConsolidationHandler(maxWritesPerFlush, true));
    }
  }
}
