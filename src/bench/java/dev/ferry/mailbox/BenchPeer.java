package dev.ferry.mailbox;

import dev.ferry.core.NodeConfig;
import dev.ferry.node.Node;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The far side of the cross-process benchmark: runs node {@code args[1]} of peers file
 * {@code args[0]} with {@link EchoServices}, prints {@code READY} on stdout, and runs until killed;
 * with {@code args[3]}, a directory of {@code ferry certs init} files, the bus speaks TLS.
 */
public final class BenchPeer {
  private BenchPeer() {}

  public static void main(String[] args) throws Exception {
    JsonObject flags = new JsonObject().put("peers", args[0]).put("name", args[1]).put("data_dir", args[2]);
    flags.mergeIn(BenchFlushes.settings(), true);
    if (args.length > 3) {
      flags.mergeIn(BenchTls.settings(Path.of(args[3])), true);
    }
    NodeConfig config = NodeConfig.resolve(NodeConfig.Sources.ofProcess(Optional.empty(), flags));
    Node node = Node.start(config, Map.of()).toCompletionStage().toCompletableFuture().get();
    EchoServices.start(node).toCompletionStage().toCompletableFuture().get();
    System.out.println("READY");
    System.out.flush();
  }

  static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }
}
