package dev.ferry.ctl;

import dev.ferry.ctl.Output.Encoding;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ferry ctl}: a command-line client of a node's HTTP API, like ipfs-cluster-ctl. Each
 * command is one or a few requests to the node at {@code --host}; {@code --enc json} prints the
 * API's JSON as it came, {@code --enc text} short lines ({@link Text}).
 *
 * <p>Exit codes: 0 success; 1 the node refused (its error message on stderr), cannot be reached,
 * or a pin failed; 2 a usage error. One instance per invocation; not thread-safe (picocli fills
 * its fields). The global options may also follow the command ({@code ctl pin ls --enc json}).
 */
@Command(
    name = "ctl",
    mixinStandardHelpOptions = true,
    description = "Talk to a ferry node's HTTP API: pins, status, adding files, peers.",
    subcommands = {
      InfoCommands.Id.class,
      InfoCommands.Peers.class,
      CtlPinCommands.Pin.class,
      CtlPinCommands.Status.class,
      CtlPinCommands.Recover.class,
      CtlAddCommand.class,
      InfoCommands.Version.class
    })
public final class CtlCommand {
  static final String DEFAULT_HOST = "http://127.0.0.1:9094";

  @Option(names = "--host", paramLabel = "URL", defaultValue = DEFAULT_HOST, converter = HostConverter.class,
      scope = ScopeType.INHERIT, description = "the node's HTTP API (default: ${DEFAULT-VALUE})")
  URI host;

  @Option(names = "--enc", paramLabel = "ENC", defaultValue = "text", scope = ScopeType.INHERIT,
      description = "output: text (short lines) or json (the API's JSON) (default: ${DEFAULT-VALUE})")
  Encoding encoding;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
      scope = ScopeType.INHERIT, description = "how long one request to the node may take (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--basic-auth", paramLabel = "USER:PASSWORD", converter = BasicAuthConverter.class,
      scope = ScopeType.INHERIT, description = "credentials of a user of the node's api.users")
  String basicAuth;

  /** Accepts {@code USER:PASSWORD} and turns it into an {@code Authorization} header value. */
  static final class BasicAuthConverter implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (text.indexOf(':') <= 0) {
        throw new TypeConversionException("expected USER:PASSWORD, e.g. --basic-auth alice:secret");
      }
      return "Basic " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Accepts an http or https URL with a host; anything else is a usage error. */
  static final class HostConverter implements ITypeConverter<URI> {
    @Override
    public URI convert(String text) {
      try {
        URI uri = new URI(text.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
          return uri;
        }
      } catch (URISyntaxException e) {
        // said below
      }
      throw new TypeConversionException("'" + text + "' is not an http(s) URL with a host, such as " + DEFAULT_HOST);
    }
  }
}
