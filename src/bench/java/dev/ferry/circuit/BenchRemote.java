package dev.ferry.circuit;

import com.sun.management.OperatingSystemMXBean;
import dev.ferry.core.NodeConfig;
import dev.ferry.mailbox.BenchTls;
import dev.ferry.node.Node;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The far side of {@link CircuitBench}, as its own process: a ferry node (whose built-in
 * {@code discard} service sinks circuit traffic), a raw TCP sink on loopback for comparison,
 * {@code bench.heap.<node>} answering with this process's used heap after a GC, and
 * {@code bench.cpu.<node>} with the CPU time it has used.
 *
 * <p>Arguments: {@code PEERS NAME DATA_DIR TCP_PORT}. Runs until killed.
 */
public final class BenchRemote {
  /** Heap is measured after this many GCs, so the number settles. */
  static final int GC_ROUNDS = 3;
  /** Bytes of the length prefix a raw TCP transfer starts with. */
  static final int LENGTH_PREFIX = Long.BYTES;

  private BenchRemote() {}

  public static void main(String[] args) throws Exception {
    JsonObject flags = new JsonObject().put("peers", args[0]).put("name", args[1]).put("data_dir", args[2]);
    if (args.length > 4) {
      flags.mergeIn(BenchTls.settings(Path.of(args[4])));   // a directory of 'ferry certs init' files
    }
    Node node = Node.start(NodeConfig.resolve(NodeConfig.Sources.ofProcess(Optional.empty(), flags)), Map.of()).await();
    node.vertx().eventBus().consumer("bench.heap." + args[1],
        m -> node.vertx().executeBlocking(BenchRemote::usedHeap).onComplete(h -> m.reply(h.result())));
    node.vertx().eventBus().consumer("bench.cpu." + args[1], m -> m.reply(cpuNanos()));
    tcpSink(node, Integer.parseInt(args[3])).await();
    System.out.println("bench remote ready");
  }

  /** Every connection sends an 8-byte length, then that many bytes; the sink answers one byte when all arrived. */
  private static Future<?> tcpSink(Node node, int port) {
    return node.vertx().createNetServer().connectHandler(socket -> {
      long[] state = {-1, 0};
      Buffer[] head = {Buffer.buffer()};
      socket.handler(chunk -> {
        long bytes = chunk.length();
        if (state[0] < 0) {
          head[0].appendBuffer(chunk);
          if (head[0].length() < LENGTH_PREFIX) {
            return;
          }
          state[0] = head[0].getLong(0);
          bytes = head[0].length() - LENGTH_PREFIX;
        }
        state[1] += bytes;
        if (state[1] >= state[0]) {
          socket.write(Buffer.buffer(new byte[] {1}));
        }
      });
    }).listen(port, "127.0.0.1");
  }

  /** CPU time this process has used, all threads, in nanoseconds. */
  public static long cpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  public static long usedHeap() {
    for (int i = 0; i < GC_ROUNDS; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
