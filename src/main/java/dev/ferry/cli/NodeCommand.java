package dev.ferry.cli;

import dev.ferry.node.Node;
import dev.ferry.node.NodeOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ferry node}: runs a node until SIGTERM or SIGINT, then undeploys cleanly and leaves. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run a ferry node: join the cluster of peers.json and deploy verticles/.")
final class NodeCommand implements Callable<Integer> {
  /** The exit code that means "the node is running; the JVM ends by signal, not System.exit". */
  static final int RUNNING = -1;

  @Spec CommandSpec spec;

  @Mixin NodeOptions options;

  @Option(names = "--instances", paramLabel = "NAME=N", description = "instances of a verticle, e.g. web=4")
  Map<String, Integer> instances = new LinkedHashMap<>();

  @Override
  public Integer call() throws InterruptedException {
    // the node runs on Vert.x's threads; this returns once it is up and a shutdown hook stops it
    Optional<Node> node = options.start(instances, spec.commandLine().getErr(), "ferry");
    if (node.isEmpty()) {
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node.get()::closeAndWait, "ferry-shutdown"));
    return RUNNING;
  }

}
