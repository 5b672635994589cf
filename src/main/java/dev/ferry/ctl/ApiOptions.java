package dev.ferry.ctl;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * How a command reaches a node's HTTP API, as ipfs-cluster-ctl's global options name it
 * ({@code --host}, {@code --https}, {@code --basic-auth}, {@code --timeout}, ...): mixed into
 * {@code ferry ctl} and {@code ferry state}, which build their {@link Api} from it. Filled by
 * picocli; one per invocation, not thread-safe.
 */
final class ApiOptions {
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

  /** The client these options describe: a new one each call. */
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

}
