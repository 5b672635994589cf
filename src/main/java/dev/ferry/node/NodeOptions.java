package dev.ferry.node;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs as a node ({@code node}, {@code chat}, {@code copy}):
 * a picocli mixin that resolves them into a {@link NodeConfig}.
 */
public final class NodeOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON settings over conf/node.json")
  Path config;

  @Option(names = "--peers", paramLabel = "FILE", description = "peers.json to use (default: $FERRY_PEERS, "
      + "./peers.json, ~/.ferry/peers.json, /etc/ferry/peers.json)")
  Path peers;

  @Option(names = "--name", paramLabel = "NAME", description = "this node's entry in peers.json")
  String name;

  @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: ~/.ferry/NAME)")
  Path data;

  @Option(names = "--insecure", description = "run without TLS although the event bus listens beyond this machine "
      + "(tls.insecure): anyone who reaches it can join the cluster")
  boolean insecure;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any setting of conf/node.json, e.g. api.port=9100")
  List<String> settings = new ArrayList<>();

  /**
   * Starts a node from these options with {@code instances} (verticle name to count) and waits
   * until it is up. A bad configuration or a failed start is printed to {@code err} as
   * {@code <command>: <why>} and the answer is empty (the command then exits 1).
   */
  public Optional<Node> start(Map<String, Integer> instances, PrintWriter err, String command)
      throws InterruptedException {
    try {
      return Optional.of(Node.start(resolve(), instances).toCompletionStage().toCompletableFuture().get());
    } catch (ConfigException e) {
      err.println(command + ": " + e.getMessage());
    } catch (ExecutionException e) {
      err.println(command + ": " + e.getCause().getMessage());
    }
    return Optional.empty();
  }

  /** The node's configuration: conf/node.json, --config, FERRY_* and these flags. */
  public NodeConfig resolve() {
    return NodeConfig.resolve(NodeConfig.Sources.ofProcess(Optional.ofNullable(config), flags()));
  }

  /** The name given with --name, if any. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  JsonObject flags() {
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
    if (insecure) {
      // next to any tls.* given with --set
      JsonObject tls = layer.getJsonObject("tls", new JsonObject());
      layer.put("tls", tls.put("insecure", true));
    }
    return layer;
  }
}
