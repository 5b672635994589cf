package dev.ferry.peers;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The {@code peers} command: list, show, dump and sync the cluster's peers.json without a running
 * node. Usable on its own ({@code new CommandLine(new PeersCommand())}) or as a subcommand of the
 * node's entry point. Without a subcommand it lists the peers, like {@code ls}.
 *
 * <p>Exit codes: 0 success, 1 an error (message on stderr, no stack trace), 2 a usage error.
 * Output goes through the command line's out/err writers. One instance per invocation; not
 * thread-safe (picocli fills its fields).
 */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    description = "Show, dump and sync the cluster's static membership (peers.json).",
    subcommands = {
      PeersCommand.Ls.class,
      PeersCommand.Show.class,
      PeersCommand.Dump.class,
      PeersCommand.Sync.class
    })
public final class PeersCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--peers",
      paramLabel = "FILE",
      description = "peers.json to use; default: the first of $FERRY_PEERS, ./peers.json,"
          + " ~/.ferry/peers.json, /etc/ferry/peers.json that exists")
  Path peersFile;

  private final Map<String, String> env;
  private final Path workingDir;
  private final Path homeDir;

  /** Uses this process's environment, working directory and home directory. */
  public PeersCommand() {
    this(System.getenv(), Peers.workingDir(), Peers.homeDir());
  }

  /** With the environment and directories given, so tests and embedders control the search. */
  public PeersCommand(Map<String, String> env, Path workingDir, Path homeDir) {
    this.env = Map.copyOf(env);
    this.workingDir = workingDir;
    this.homeDir = homeDir;
  }

  @Override
  public Integer call() {
    return run(spec, out -> list(out));
  }

  // ---- subcommands ------------------------------------------------------------------------

  /** Shared plumbing: errors become one line on stderr and exit code 1. */
  abstract static class Subcommand implements Callable<Integer> {
    @ParentCommand PeersCommand parent;
    @Spec CommandSpec spec;

    @Override
    public final Integer call() {
      return PeersCommand.run(spec, this::run);
    }

    abstract int run(PrintWriter out) throws PeersException;
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the peers, one line each.")
  static final class Ls extends Subcommand {
    @Override
    int run(PrintWriter out) throws PeersException {
      return parent.list(out);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one peer as JSON.")
  static final class Show extends Subcommand {
    @Parameters(paramLabel = "NAME", description = "the peer's name")
    String name;

    @Override
    int run(PrintWriter out) throws PeersException {
      Peers peers = parent.loadPeers();
      Peer peer = peers.get(name).orElseThrow(() -> new PeersException(
          "no peer named '" + name + "' (known: "
              + (peers.isEmpty() ? "none" : String.join(", ", peers.names())) + ")"));
      out.println(PeersCommand.pretty(peer.toJson()));
      return 0;
    }
  }

  @Command(name = "dump", mixinStandardHelpOptions = true,
      description = "Write the loaded peers to FILE (atomically).")
  static final class Dump extends Subcommand {
    @Parameters(paramLabel = "FILE", description = "where to write peers.json")
    Path file;

    @Override
    int run(PrintWriter out) throws PeersException {
      Peers peers = parent.loadPeers();
      Path target = parent.resolve(file);
      peers.dump(target);
      out.println("wrote " + count(peers.size()) + " to " + target);
      return 0;
    }
  }

  @Command(name = "sync", mixinStandardHelpOptions = true,
      description = "Fetch peers.json from a URL (GET, X-Api-Key header, 5 s timeout).")
  static final class Sync extends Subcommand {
    @Option(names = "--url", paramLabel = "URL",
        description = "where to fetch peers.json; default: $" + Peers.ENV_SYNC_URL)
    URI url;

    @Option(names = "--api-key", paramLabel = "KEY",
        description = "sent as X-Api-Key; default: $" + Peers.ENV_SYNC_APIKEY
            + " (prefer the variable: arguments show in ps)")
    String apiKey;

    @Option(names = "--save", paramLabel = "FILE", arity = "0..1", fallbackValue = "",
        description = "write the result to FILE; without FILE to --peers, else $" + Peers.ENV_PEERS
            + ", else ~/.ferry/peers.json")
    String save;

    @Override
    int run(PrintWriter out) throws PeersException {
      Map<String, String> env = parent.env;
      URI from = url != null ? url : urlFromEnv(env);
      String key = apiKey != null ? apiKey : env.get(Peers.ENV_SYNC_APIKEY);
      Peers peers = Peers.sync(from, key);
      out.println("synced " + count(peers.size()) + " from " + from);
      if (save != null) {
        Path target = save.isEmpty() ? parent.defaultSaveTarget() : parent.resolve(Path.of(save));
        peers.dump(target);
        out.println("saved to " + target);
      }
      return 0;
    }
  }

  private static URI urlFromEnv(Map<String, String> env) throws PeersException {
    String fromEnv = env.get(Peers.ENV_SYNC_URL);
    if (fromEnv == null || fromEnv.isBlank()) {
      throw new PeersException("no URL to sync from: give --url or set " + Peers.ENV_SYNC_URL);
    }
    try {
      return new URI(fromEnv.trim());
    } catch (URISyntaxException e) {
      throw new PeersException(Peers.ENV_SYNC_URL + ": not a valid URL: " + e.getMessage(), e);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  @FunctionalInterface
  private interface Action {
    int run(PrintWriter out) throws PeersException;
  }

  private static int run(CommandSpec spec, Action action) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return action.run(out);
    } catch (PeersException e) {
      err.println(e.getMessage()); // the message names file and place; a stack trace adds noise
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  int list(PrintWriter out) throws PeersException {
    Peers peers = loadPeers();
    if (peers.isEmpty()) {
      out.println(peers.source()
          .map(source -> "no peers in " + source)
          .orElseGet(() -> "no peers (searched: " + String.join(", ", searched()) + ")"));
      return 0;
    }
    int nameWidth = peers.names().stream().mapToInt(String::length).max().orElse(0);
    int endpointWidth = peers.replicas().stream()
        .mapToInt(p -> p.endpoint(false).length()).max().orElse(0);
    for (Peer p : peers.replicas()) {
      StringBuilder line = new StringBuilder();
      line.append(String.format("%-" + nameWidth + "s  pid=%-4d %-" + endpointWidth + "s  host=%s",
          p.name(), p.pid(), p.endpoint(false), p.hostname().isEmpty() ? "-" : p.hostname()));
      p.apiPort().ifPresent(port -> line.append("  api=").append(port));
      p.proxyPort().ifPresent(port -> line.append("  proxy=").append(port));
      p.membershipPort().ifPresent(port -> line.append("  membership=").append(port));
      out.println(line);
    }
    return 0;
  }

  Peers loadPeers() throws PeersException {
    return peersFile != null
        ? Peers.loadFrom(resolve(peersFile))
        : Peers.load(env, workingDir, homeDir);
  }

  private List<String> searched() {
    if (peersFile != null) {
      return List.of(resolve(peersFile).toString());
    }
    return Peers.searchPath(env, workingDir, homeDir).stream().map(Path::toString).toList();
  }

  /** Where {@code sync --save} writes without a FILE: the --peers file, else the default path. */
  Path defaultSaveTarget() {
    return resolve(peersFile != null ? peersFile : Peers.defaultPath(env, homeDir));
  }

  /** Relative paths are relative to the working directory we were given, not the JVM's. */
  Path resolve(Path path) {
    return workingDir.resolve(path);
  }

  static String count(int n) {
    return n + (n == 1 ? " replica" : " replicas");
  }

  static String pretty(Object json) throws PeersException {
    try {
      return PeersParser.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new PeersException("cannot print JSON: " + e.getOriginalMessage(), e);
    }
  }
}
