package dev.ferry.ctl;

import dev.ferry.ctl.Output.Encoding;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code ferry ctl}: ipfs-cluster-ctl for ferry, with its commands, flags and output (its version
 * 1.1, see docs/CTL.md): each command is one or a few requests to the node's HTTP API at
 * {@code --host}. The long global options may also follow the command ({@code ctl pin ls --enc
 * json}); their one-letter forms ({@code -l}, {@code -s}, {@code -t}, {@code -d}, {@code -f}) only
 * precede it, as in ipfs-cluster-ctl, since commands use some of the same letters.
 *
 * <p>Exit codes, as ipfs-cluster-ctl's: 0 success; 2 the API answered an error (printed on stdout
 * as {@code An error occurred: ...}); 1 the API could not be reached, or ctl failed before asking
 * ({@code error ...} on stderr); 62 a {@code --wait} ran out of time; picocli's 2 for a usage
 * error. One instance per invocation; not thread-safe (picocli fills its fields).
 */
@Command(
    name = "ctl",
    mixinStandardHelpOptions = true,
    description = {"ipfs-cluster-ctl for ferry: manage the cluster through a node's HTTP API.",
        "Requests go to --host (default " + Endpoints.DEFAULT + "); with several (comma-separated), to the first "
        + "and over to the next while one cannot be reached."},
    subcommands = {
      InfoCommands.Id.class,
      InfoCommands.Peers.class,
      CtlAddCommand.class,
      CtlPinCommands.Pin.class,
      CtlPinCommands.Status.class,
      CtlPinCommands.Recover.class,
      InfoCommands.Version.class,
      HealthCommands.Health.class,
      HealthCommands.Ipfs.class,
      InfoCommands.Commands.class
    })
public final class CtlCommand {
  @Mixin
  ApiOptions connection;

  @Option(names = {"--encoding", "--enc"}, paramLabel = "ENC", defaultValue = "text", scope = ScopeType.INHERIT,
      description = "output format encoding [text, json] (default: ${DEFAULT-VALUE})")
  Encoding encoding;

  /** The client the connection options describe. */
  Api api(PrintWriter err) throws CtlException {
    return connection.api(err);
  }

  Encoding encoding() {
    return encoding;
  }
}
