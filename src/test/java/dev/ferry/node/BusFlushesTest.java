package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeConfig;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With TLS, the bus's connections to other nodes batch their flushes ({@link BusFlushes}): a burst
 * of messages written in one turn of the connection's event loop leaves in a few flushes, whole
 * and in order; a plaintext bus is left as Vert.x makes it.
 * The flushes are counted by a handler put between the batching and TLS on node1's connection to
 * node2, found through Vert.x's internals (so a Vert.x that changes them fails here, not silently).
 */
@Timeout(180)
class BusFlushesTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final DeliveryOptions QUICK = new DeliveryOptions().setSendTimeout(5000);
  private static final String ADDRESS = "test.flushes";
  private static final int BURST = 1000;

  @TempDir Path dir;

  @Test
  void aBurstToAnotherNodeLeavesInAFewFlushesWithTls() throws Exception {
    Path certs = BusTlsTest.certs(dir.resolve("certs"), "node1", "node2");
    try (var cluster = TestCluster.inJvm(2, i -> TestCluster.tls(certs), i -> Map.of()).awaitFullMembership()) {
      Burst burst = burst(cluster);
      assertThat(burst.batched).as("node1's connection to node2 batches its flushes").isTrue();
      // 256 messages a flush at most (conf/node.json): 4 for the burst, plus whatever else the
      // nodes send each other while it is delivered (pings, Raft heartbeats, registry syncs: 11 in
      // all once on a loaded machine); one flush per message would be 1,000
      assertThat(burst.flushes).as("flushes for %d messages", BURST).isBetween(BURST / 256, BURST / 20);
    }
  }

  @Test
  void aPlaintextBusFlushesEachMessageOnItsOwn() throws Exception {
    try (var cluster = TestCluster.inJvm(2).awaitFullMembership()) {
      Burst burst = burst(cluster);
      // how many flushes Vert.x makes then depends on how many writes reach the connection from
      // another thread (those it flushes together): 1,000 and 233 in two runs, so not asserted
      assertThat(burst.batched).isFalse();
    }
  }

  @Test
  void aSettingBelowOneNamesTheKey() {
    JsonObject flags = new JsonObject().put("tls", new JsonObject().put("max_writes_per_flush", 0))
        .put("name", "node1").put("data_dir", dir.resolve("data").toString());
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
    assertThatThrownBy(() -> BusFlushes.maxWritesPerFlush(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.max_writes_per_flush").hasMessageContaining("got 0");
  }

  private record Burst(boolean batched, int flushes) {}

  /**
   * {@link #BURST} numbered messages from node1 to node2, written in one turn of the event loop of
   * node1's connection to node2; checks that all arrive in order and counts the flushes that reach TLS.
   */
  private static Burst burst(TestCluster.JvmCluster cluster) throws Exception {
    EventBus from = cluster.node(1).vertx().eventBus();
    List<Integer> received = new CopyOnWriteArrayList<>();
    cluster.node(2).vertx().eventBus().<Integer>consumer(ADDRESS, m -> {
      if (m.replyAddress() != null) {
        m.reply("ok");
      } else {
        received.add(m.body());
      }
    }).completion().await();
    // the first request opens node1's connection to node2
    from.request(ADDRESS, -1, QUICK).await();
    NetSocket socket = outboundSocket(cluster.node(1), cluster.node(2));
    Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
    boolean batched = BusFlushes.coalesces(socket);
    AtomicInteger flushes = new AtomicInteger();
    channel.pipeline().addBefore(batched ? BusFlushes.HANDLER : "handler", "test-flush-counter",
        new ChannelOutboundHandlerAdapter() {
          @Override
          public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
          }
        });
    // sent from a context on the connection's own event loop, so the writes of the burst reach it
    // in one turn and not as tasks handed over from another thread one by one
    ((VertxInternal) cluster.node(1).vertx()).contextBuilder().withEventLoop(channel.eventLoop()).build()
        .runOnContext(v -> {
          for (int i = 0; i < BURST; i++) {
            from.send(ADDRESS, i);
          }
        });
    Eventually.await(BURST + " messages at node2", DEADLINE, () -> received.size() == BURST);
    assertThat(received).as("in the order sent").isSorted();
    return new Burst(batched, flushes.get());
  }

  /** node {@code from}'s bus connection to node {@code to}, from Vert.x's clustered event bus. */
  private static NetSocket outboundSocket(Node from, Node to) throws ReflectiveOperationException {
    Object bus = from.vertx().eventBus();
    ConcurrentMap<?, ?> connections = (ConcurrentMap<?, ?>) field(bus, "outboundConnections");
    String toNodeId = ((VertxInternal) to.vertx()).clusterManager().getNodeId();
    Object connection = connections.get(toNodeId);
    assertThat(connection).as("node1's connection to node2").isNotNull();
    return (NetSocket) field(connection, "socket");
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field field = target.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(target);
  }
}
