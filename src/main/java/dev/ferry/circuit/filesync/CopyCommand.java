package dev.ferry.circuit.filesync;

import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeConfig;
import dev.ferry.node.Node;
import dev.ferry.node.NodeOptions;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ferry copy [--peers FILE] [--name NAME] SRC... NODE:DIR}: runs as node NAME for the length
 * of the copy and streams the files to directory DIR under NODE's file root, over circuits (one per
 * file, in parallel), resuming any file whose circuit broke. Exits 0 when every file is in place,
 * 1 when any failed, 2 for a bad command line.
 *
 * <p>Runs on the command's thread, which waits on the node's futures; never on an event loop.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
    description = "Copy files to a directory on another node, over circuits; resumes broken transfers.")
public final class CopyCommand implements Callable<Integer> {
  /** Start-up may take several request timeouts (joining the cluster, deploying the plan). */
  private static final int RUN_TIMEOUT_FACTOR = 12;

  @Spec CommandSpec spec;

  /** --config, --peers, --name (run as this node of peers.json; it must not be running), --data, --set. */
  @Mixin NodeOptions options;

  @Parameters(arity = "2..*", paramLabel = "SRC... NODE:DIR", hideParamSyntax = true,
      description = "files or directories to copy, then the target: a node and a directory under its file root")
  List<String> arguments = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    String targetArg = arguments.get(arguments.size() - 1);
    int colon = targetArg.indexOf(':');
    if (colon <= 0) {
      throw new ParameterException(spec.commandLine(), "the last argument is the target NODE:DIR, got '" + targetArg + "'");
    }
    String node = targetArg.substring(0, colon);
    String dir = targetArg.substring(colon + 1);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<FileCopy.Source> sources;
    NodeConfig resolved;
    try {
      if (!dir.isBlank() && !dir.equals(".")) {
        SafePaths.check(dir);
      }
      sources = FileCopy.sources(arguments.subList(0, arguments.size() - 1).stream().map(Path::of).toList(), dir);
      resolved = options.resolve();
    } catch (IOException | ConfigException | FerryException e) {
      err.println("ferry: copy: " + e.getMessage());
      return 1;
    }
    Node self;
    try {
      self = await(Node.start(resolved, Map.of()), resolved.cluster().requestTimeout().multipliedBy(RUN_TIMEOUT_FACTOR));
    } catch (ExecutionException e) {
      err.println("ferry: copy: " + e.getCause().getMessage());
      return 1;
    }
    try {
      return copy(self, node, dir, sources, out, err);
    } finally {
      try {
        await(self.close(), resolved.shutdownTimeout());
      } catch (ExecutionException e) {
        err.println("ferry: copy: node " + self.name() + " stopped with an error: " + e.getCause().getMessage());
      }
    }
  }

  private int copy(Node self, String node, String dir, List<FileCopy.Source> sources, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    Circuits circuits = Circuits.of(self.vertx());
    FileSyncConfig settings = FileSyncConfig.of(self);
    try {
      LocalPeer me = await(circuits.startLocalPeer(FileSyncService.NAME), settings.connectTimeout());
      FileCopy copy = FileCopy.of(circuits, me, node, sources, settings);
      boolean terminal = System.console() != null;
      long timer = terminal ? self.vertx().setPeriodic(settings.progressInterval().toMillis(),
          t -> copy.progress().draw(System.err)) : -1;
      FileCopy.Result result;
      try {
        result = copy.run().toCompletionStage().toCompletableFuture().get();
      } finally {
        if (terminal) {
          self.vertx().cancelTimer(timer);
          copy.progress().draw(System.err);
          System.err.println();
        }
      }
      report(result, node, dir, copy.progress(), out, err);
      return result.ok() ? 0 : 1;
    } catch (ExecutionException e) {
      err.println("ferry: copy: " + e.getCause().getMessage());
      return 1;
    }
  }

  private static void report(FileCopy.Result r, String node, String dir, CopyProgress progress, PrintWriter out,
      PrintWriter err) {
    r.resumed().forEach((path, offset) -> out.println("resumed " + path + " at " + CopyProgress.mib(offset)));
    r.failed().forEach((path, why) -> err.println("failed: " + path + ": " + why));
    out.printf(Locale.ROOT, "copied %d of %d files (%s) to %s:%s in %.1f s: %s%n", r.copied().size(),
        r.copied().size() + r.failed().size(), CopyProgress.mib(r.totalBytes()), node, dir, r.seconds(), progress.rate());
    out.flush();
  }

  private static <T> T await(Future<T> future, Duration timeout) throws ExecutionException, InterruptedException {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ExecutionException(new FerryException(FerryException.TIMEOUT, "no answer within " + timeout.toSeconds() + " s"));
    }
  }
}
