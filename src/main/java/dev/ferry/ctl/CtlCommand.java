package dev.ferry.ctl;

import dev.ferry.ctl.Output.Encoding;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
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
  @Option(names = "--host", paramLabel = "ADDRS", scope = ScopeType.INHERIT,
      description = "API endpoint multiaddresses or URLs (comma-separated) (default: " + Endpoints.DEFAULT + ")")
  String host;

  @Option(names = "-l", paramLabel = "ADDRS", description = "same as --host")
  String hostShort;

  @Option(names = "--https", scope = ScopeType.INHERIT, description = "use https to connect to the API")
  boolean https;

  @Option(names = "-s", description = "same as --https")
  boolean httpsShort;

  @Option(names = "--no-check-certificate", scope = ScopeType.INHERIT,
      description = "do not verify the server's TLS certificate (with --https)")
  boolean noCheckCertificate;

  @Option(names = {"--encoding", "--enc"}, paramLabel = "ENC", defaultValue = "text", scope = ScopeType.INHERIT,
      description = "output format encoding [text, json] (default: ${DEFAULT-VALUE})")
  Encoding encoding;

  @Option(names = "--timeout", paramLabel = "SECONDS", converter = GoDuration.Timeout.class, scope = ScopeType.INHERIT,
      description = "how long a request may take: seconds, or a duration such as 90s or 2m (default: 0, no limit)")
  Duration timeout;

  @Option(names = "-t", paramLabel = "SECONDS", converter = GoDuration.Timeout.class, description = "same as --timeout")
  Duration timeoutShort;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "print each request and answer status on stderr")
  boolean debug;

  @Option(names = "-d", description = "same as --debug")
  boolean debugShort;

  @Option(names = "--basic-auth", paramLabel = "USER[:PASSWORD]", scope = ScopeType.INHERIT,
      description = "credentials of a user of the node's api.users (env CLUSTER_CREDENTIALS); implies --https for a "
          + "multiaddr --host, which --force-http undoes")
  String basicAuth;

  @Option(names = "--force-http", scope = ScopeType.INHERIT, description = "use http even with --basic-auth")
  boolean forceHttp;

  @Option(names = "-f", description = "same as --force-http")
  boolean forceHttpShort;

  /** The environment variable ipfs-cluster-ctl reads credentials from when {@code --basic-auth} is not given. */
  static final String CREDENTIALS_ENV = "CLUSTER_CREDENTIALS";

  /** The client these options describe. */
  Api api(PrintWriter err) throws CtlException {
    String credentials = basicAuth != null ? basicAuth : System.getenv(CREDENTIALS_ENV);
    boolean tls = https || httpsShort;
    boolean viaAuth = credentials != null && !credentials.isEmpty() && !forceHttp && !forceHttpShort;
    List<URI> endpoints = Endpoints.parse(hostShort != null ? hostShort : host != null ? host : Endpoints.DEFAULT,
        tls || viaAuth, tls);
    Optional<String> authorization = credentials == null || credentials.isEmpty() ? Optional.empty()
        : Optional.of("Basic " + Base64.getEncoder().encodeToString(
            (credentials.contains(":") ? credentials : credentials + ":").getBytes(StandardCharsets.UTF_8)));
    Duration limit = timeoutShort != null ? timeoutShort : timeout != null ? timeout : Duration.ZERO;
    return new Api(new Api.Settings(endpoints, limit, authorization, noCheckCertificate,
        debug || debugShort ? Optional.of(err) : Optional.empty()));
  }

  Encoding encoding() {
    return encoding;
  }
}
