package dev.ferry.ctl;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads {@code --host}: a comma-separated list of API endpoints, each an http(s) URL
 * ({@code http://127.0.0.1:9094}) or a multiaddr as ipfs-cluster-ctl takes it
 * ({@code /ip4/127.0.0.1/tcp/9094}, {@code /ip6/::1/tcp/9094}, {@code /dns4/node.example/tcp/9094},
 * optionally ending in {@code /http}, {@code /https} or {@code /tls/http}). Requests go to the first
 * and fail over to the next when one cannot be reached. Stateless.
 */
final class Endpoints {
  static final String DEFAULT = "/ip4/127.0.0.1/tcp/9094";

  private Endpoints() {}

  /**
   * @param https whether a multiaddr without its own scheme is asked over https ({@code --https},
   *     or {@code --basic-auth} without {@code --force-http}); an http URL is upgraded by
   *     {@code --https} alone
   * @throws CtlException naming the endpoint that is neither
   */
  static List<URI> parse(String hosts, boolean https, boolean forceHttps) throws CtlException {
    List<URI> endpoints = new ArrayList<>();
    for (String host : hosts.split(",", -1)) {
      String text = host.strip();
      if (text.startsWith("/")) {
        endpoints.add(multiaddr(text, https));
      } else {
        endpoints.add(url(text, forceHttps));
      }
    }
    return endpoints;
  }

  private static URI url(String text, boolean forceHttps) throws CtlException {
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return forceHttps && scheme.equals("http")
            ? new URI("https", uri.getUserInfo(), uri.getHost(), uri.getPort(), uri.getPath(), null, null) : uri;
      }
    } catch (URISyntaxException e) {
      // said below
    }
    throw invalid(text, "expected a multiaddr such as " + DEFAULT + " or an http(s) URL such as "
        + "http://127.0.0.1:9094");
  }

  private static URI multiaddr(String text, boolean https) throws CtlException {
    String[] parts = text.substring(1).split("/", -1);
    String host = switch (parts[0]) {
      case "ip4", "dns", "dns4", "dns6", "ip6" -> {
        if (parts.length < 4) {
          throw invalid(text, "expected /" + parts[0] + "/<host>/tcp/<port>, such as " + DEFAULT);
        }
        yield parts[0].equals("ip6") ? "[" + parts[1] + "]" : parts[1];
      }
      case "p2p", "ipfs", "dnsaddr" -> throw invalid(text, "ferry has no libp2p-http API: give the node's HTTP "
          + "API address, such as " + DEFAULT);
      default -> throw invalid(text, "unsupported protocol '" + parts[0] + "': use ip4, ip6, dns, dns4 or dns6");
    };
    if (host.isEmpty() || host.equals("[]") || !parts[2].equals("tcp") || !parts[3].matches("\\d{1,5}")
        || Integer.parseInt(parts[3]) > 65535) {
      throw invalid(text, "expected /" + parts[0] + "/<host>/tcp/<port>, such as " + DEFAULT);
    }
    String rest = String.join("/", List.of(parts).subList(4, parts.length));
    String scheme = switch (rest) {
      case "" -> https ? "https" : "http";
      case "http" -> "http";
      case "https", "tls/http" -> "https";
      case "p2p" -> throw invalid(text, "ferry has no libp2p-http API: leave out /p2p/...");
      default -> throw invalid(text, "unsupported '/" + rest + "' after the port: use /http or /https");
    };
    try {
      return new URI(scheme + "://" + host + ":" + parts[3]);
    } catch (URISyntaxException e) {
      throw invalid(text, e.getMessage());
    }
  }

  private static CtlException invalid(String text, String why) {
    return new CtlException("parsing host multiaddress", "'" + text + "': " + why);
  }
}
