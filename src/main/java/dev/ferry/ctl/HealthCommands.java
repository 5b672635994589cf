package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl health graph|metrics|alerts|bandwidth} and {@code ctl ipfs gc}, as ipfs-cluster-ctl's:
 * the cluster's monitoring ({@code /health/...}, {@code /monitor/metrics}) and its daemons' garbage
 * collection ({@code POST /ipfs/gc}).
 */
final class HealthCommands {
  private HealthCommands() {}

  @Command(name = "health", mixinStandardHelpOptions = true, description = "Cluster monitoring information.",
      subcommands = {Graph.class, Metrics.class, Alerts.class, Bandwidth.class})
  static final class Health {}

  @Command(name = "graph", mixinStandardHelpOptions = true,
      description = {"Create a graph displaying connectivity of cluster peers (GET /health/graph).",
          "Output is a Graphviz dot file of the cluster's connections: its peers and their IPFS daemons."})
  static final class Graph extends CtlAction {
    @Option(names = {"--file", "-f"}, paramLabel = "FILE", description = "sets an output dot-file for the "
        + "connectivity graph")
    Path file;

    @Option(names = "--all-ipfs-peers", description = "causes the graph to mark nodes for ipfs peers not directly in "
        + "the cluster")
    boolean allIpfsPeers;

    @Override
    void run(Api api, Output out) throws CtlException {
      String dot = Dot.of(Output.object(api.call("GET", "/health/graph")), allIpfsPeers);
      if (file == null) {
        out.raw(dot);   // no newline after the closing brace, as ipfs-cluster-ctl
        return;
      }
      try {
        Files.writeString(file, dot, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CtlException("creating output file", e.getMessage());
      }
    }
  }

  @Command(name = "metrics", mixinStandardHelpOptions = true,
      description = {"List the latest metrics of the given type logged by this peer for every cluster peer "
          + "(GET /monitor/metrics/{name}); without one, the metric names (GET /monitor/metrics)."})
  static final class Metrics extends CtlAction {
    @Parameters(paramLabel = "<metric name>", arity = "0..1", description = "such as freespace or ping")
    String name;

    @Override
    void run(Api api, Output out) throws CtlException {
      Instant now = Instant.now();
      if (name == null || name.isEmpty()) {
        Object names = api.call("GET", "/monitor/metrics");
        if (out.json()) {
          out.print(names, x -> "");
        } else {
          for (Object metric : array(names)) {
            out.raw(metric + "\n");
          }
        }
        return;
      }
      printEach(out, api.call("GET", "/monitor/metrics/" + name), metric -> Formats.metric(metric, now));
    }
  }

  @Command(name = "alerts", mixinStandardHelpOptions = true,
      description = "List the latest expired metric alerts: peers whose metrics expired unrenewed (GET /health/alerts).")
  static final class Alerts extends CtlAction {
    @Override
    void run(Api api, Output out) throws CtlException {
      Instant now = Instant.now();
      printEach(out, api.call("GET", "/health/alerts"), alert -> Formats.alert(alert, now));
    }
  }

  @Command(name = "bandwidth", mixinStandardHelpOptions = true,
      description = "List bytes sent and received and the current rates per protocol (GET /health/bandwidth).")
  static final class Bandwidth extends ShowAction {
    Bandwidth() {
      super("/health/bandwidth", Formats::bandwidth);
    }
  }

  @Command(name = "ipfs", mixinStandardHelpOptions = true, description = "Manage IPFS daemons.",
      subcommands = Gc.class)
  static final class Ipfs {}

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = "Run garbage collection on the IPFS repos of cluster peers (POST /ipfs/gc).")
  static final class Gc extends CtlAction {
    @Option(names = "--local", description = "garbage collect only on the contacted peer's IPFS daemon")
    boolean local;

    @Override
    void run(Api api, Output out) throws CtlException {
      out.print(api.call("POST", "/ipfs/gc?local=" + local), Formats::repoGc);
    }
  }

  /** Each object of a JSON array the API answered (the array as it came with {@code --enc json}). */
  private static void printEach(Output out, Object answer, Function<JsonObject, String> text)
      throws CtlException {
    if (out.json()) {
      out.print(answer, x -> "");
      return;
    }
    for (Object item : array(answer)) {
      out.print(item, text);
    }
  }

  private static JsonArray array(Object answer) {
    return answer instanceof JsonArray a ? a : new JsonArray();
  }
}
