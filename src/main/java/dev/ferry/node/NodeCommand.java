package dev.ferry.node;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ferry node}: runs a node until SIGTERM or SIGINT, then undeploys cleanly and leaves. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run a ferry node: join the cluster of peers.json and deploy verticles/.")
final class NodeCommand implements Callable<Integer> {
  /** The exit code that means "the node is running; the JVM ends by signal, not System.exit". */
  static final int RUNNING = -1;
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON settings over conf/node.json")
  Path config;

  @Option(names = "--peers", paramLabel = "FILE", description = "peers.json to use (default: $FERRY_PEERS, "
      + "./peers.json, ~/.ferry/peers.json, /etc/ferry/peers.json)")
  Path peers;

  @Option(names = "--name", paramLabel = "NAME", description = "this node's entry in peers.json")
  String name;

  @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: ~/.ferry/NAME)")
  Path data;

  @Option(names = "--instances", paramLabel = "NAME=N", description = "instances of a verticle, e.g. web=4")
  Map<String, Integer> instances = new LinkedHashMap<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any setting of conf/node.json, e.g. api.port=9100")
  List<String> settings = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    // the node runs on Vert.x's threads; this returns once it is up and a shutdown hook stops it
    NodeConfig resolved;
    Node node;
    try {
      resolved = NodeConfig.resolve(NodeConfig.Sources.ofProcess(Optional.ofNullable(config), flags()));
      node = Node.start(resolved, instances).toCompletionStage().toCompletableFuture().get();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("ferry: " + e.getMessage());
      return 1;
    } catch (ExecutionException e) {
      spec.commandLine().getErr().println("ferry: " + e.getCause().getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node, resolved), "ferry-shutdown"));
    return RUNNING;
  }

  private static void stop(Node node, NodeConfig config) {
    try {
      node.close().toCompletionStage().toCompletableFuture()
          .get(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("node {} did not stop within {} s; exiting anyway", config.name(), config.shutdownTimeout().toSeconds());
    } catch (InterruptedException | ExecutionException e) {
      log.warn("node {} stopped with an error: {}", config.name(), e.getMessage());
    }
  }

  /** The command-line flags as a configuration layer. */
  private JsonObject flags() {
    JsonObject layer = ConfigLayers.fromSettings(ConfigLayers.defaults(), settings);
    if (name != null) {
      layer.put("name", name);
    }
    if (peers != null) {
      layer.put("peers", peers.toString());
    }
    if (data != null) {
      layer.put("data_dir", data.toString());
    }
    return layer;
  }
}
