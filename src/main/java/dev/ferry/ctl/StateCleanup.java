package dev.ferry.ctl;

import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeConfig;
import dev.ferry.node.NodeOptions;
import dev.ferry.raft.RaftData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ferry state cleanup}, as {@code ipfs-cluster-service state cleanup}: removes the node's
 * Raft state ({@link RaftData#folders}: every group's store, the pinset's included, and the
 * records of its stores) from its data dir, after asking {@code [y/n]} on stdin unless
 * {@code --force}; the node key, the peer IDs met, the backups and the content store stay. It
 * refuses while the node's HTTP API answers (the node runs). At its next start the node is as new:
 * in a cluster that still runs, the others tell it that it had a store, so it starts outside the
 * groups (remove it and add it again to make it a voter: docs/API.md); when every node was cleaned
 * up, the cluster starts empty, and {@code ferry state import} restores a backup. One instance per
 * invocation, on the calling thread.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
    description = {"Remove the node's persistent Raft data (every group's store, including the pinset) from its data "
        + "dir. The next start of the node is like a first start; in a running cluster it comes back outside the "
        + "Raft groups (remove and add it: DELETE /peers/{peer}, POST /peers). Stop the node first."})
final class StateCleanup implements Callable<Integer> {
  /** ipfs-cluster-service's prompt, and how many answers it takes before it gives up. */
  static final String PROMPT = "The peer state will be removed.  Existing pins may be lost. Continue? [y/n]:";
  private static final int ATTEMPTS = 3;

  @Mixin
  NodeOptions node;

  @Option(names = {"--force", "-f"}, description = "skip confirmation prompt")
  boolean force;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      NodeConfig config = node.resolve();
      if (answers(config)) {
        err.println("error cleaning state: node " + config.name() + " runs (its API answers on " + config.api()
            + "): stop it first");
        return CtlException.FAILURE_EXIT;
      }
      if (!force && !confirmed(out)) {
        return 0;
      }
      for (Path folder : RaftData.folders(config.dataDir())) {
        delete(folder);
      }
      out.println("data correctly cleaned up: " + String.join(", ",
          RaftData.folders(config.dataDir()).stream().map(Path::toString).toList()));
      return 0;
    } catch (ConfigException e) {
      err.println("error loading configurations: " + e.getMessage());
      return CtlException.FAILURE_EXIT;
    } catch (IOException | UncheckedIOException e) {
      err.println("error cleaning state: " + e.getMessage());
      return CtlException.FAILURE_EXIT;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** ipfs-cluster-service's yes/no prompt: y or Y goes on; n, N or nothing stops; else asks again, 3 times at most. */
  private static boolean confirmed(PrintWriter out) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (int i = 0; i < ATTEMPTS; i++) {
      out.print(PROMPT + " ");
      out.flush();
      String line = in.readLine();
      String answer = line == null ? "" : line.strip();
      switch (answer) {
        case "y", "Y" -> {
          return true;
        }
        case "n", "N", "" -> {
          return false;
        }
        default -> out.println("Please press either 'y' or 'n'");
      }
    }
    return false;
  }

  /** Whether something accepts connections at the node's API address within {@code cluster.request_timeout_ms}. */
  private static boolean answers(NodeConfig config) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(config.api().host(), config.api().port()),
          (int) config.cluster().requestTimeout().toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void delete(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> all = Files.walk(folder)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
