package dev.ferry.cli;

import dev.ferry.chat.ChatCommand;
import dev.ferry.circuit.filesync.CopyCommand;
import dev.ferry.core.Version;
import dev.ferry.ctl.CtlCommand;
import dev.ferry.ctl.StateCommand;
import dev.ferry.peers.PeersCommand;
import dev.ferry.security.CertsCommand;
import dev.ferry.security.UsersCommand;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} command line. {@code node} runs a node and is the default when no command is
 * given, so {@code java -jar ferry.jar --name alpha} runs node alpha.
 */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "A clustered Vert.x node: peers, mailboxes, Raft, circuits, IPFS pinning.",
    subcommands = {NodeCommand.class, PeersCommand.class, ChatCommand.class, CopyCommand.class, CtlCommand.class, StateCommand.class, CertsCommand.class, UsersCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  private static final Set<String> TOP_LEVEL_FLAGS = Set.of("-h", "--help", "-V", "--version");

  public static void main(String[] args) {
    int code = run(args);
    if (code != NodeCommand.RUNNING) {
      System.exit(code);
    }
  }

  /** Runs the command line and returns its exit code ({@link NodeCommand#RUNNING} while a node runs). */
  public static int run(String... args) {
    return commandLine().execute(withDefaultCommand(args));
  }

  /** The configured command line, for tests that capture its output. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("ferry: " + e.getMessage());
          return 1;
        });
  }

  /** Inserts {@code node} when the arguments start with no command. */
  public static String[] withDefaultCommand(String[] args) {
    if (args.length > 0 && (TOP_LEVEL_FLAGS.contains(args[0]) || isCommand(args[0]))) {
      return args;
    }
    String[] withNode = new String[args.length + 1];
    withNode[0] = "node";
    System.arraycopy(args, 0, withNode, 1, args.length);
    return withNode;
  }

  private static boolean isCommand(String arg) {
    return new CommandLine(new Main()).getSubcommands().containsKey(arg);
  }

  @Override
  public void run() {
    // unreachable in practice: withDefaultCommand always names a command
    CommandLine.usage(this, System.out);
  }

  /** Reports the version stamped into the jar. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ferry " + Version.current()};
    }
  }
}
