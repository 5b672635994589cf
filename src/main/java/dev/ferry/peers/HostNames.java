package dev.ferry.peers;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * This machine's host name (the one place that asks), the node name derived from it when
 * nothing else names a node, and host-name comparison for {@link Peers#local}. The Go seed compared
 * the first label of the peer's hostname with the machine's full name, so {@code apollo} never
 * matched a machine called {@code apollo.example.com}; here both sides are cut to their first DNS
 * label and compared case-insensitively (DNS names are case-insensitive). Stateless.
 */
public final class HostNames {

  private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){3}");

  private HostNames() {}

  /** True when both names are set and agree on their first label (IP literals compare whole). */
  static boolean sameHost(String a, String b) {
    String left = key(a);
    String right = key(b);
    return !left.isEmpty() && left.equals(right);
  }

  /**
   * The comparison key of a host name: its first label, lower-cased. An IP literal is kept whole,
   * because "127" is not a host and 127.0.0.1 must not match 127.0.0.2.
   */
  static String key(String host) {
    if (host == null) {
      return "";
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.contains(":") || IPV4.matcher(h).matches()) {
      return h;
    }
    int dot = h.indexOf('.');
    return dot < 0 ? h : h.substring(0, dot);
  }

  /** This machine's host name: the resolver's answer, else $HOSTNAME, else "" (matches nothing). */
  public static String machineHostname(Map<String, String> env) {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      if (name != null && !name.isBlank()) {
        return name;
      }
    } catch (UnknownHostException e) {
      // A host whose own name does not resolve is common in containers; the shell's
      // HOSTNAME is the next best answer, and with none we match nothing rather than fail.
    }
    String fromEnv = env.get("HOSTNAME");
    return fromEnv == null ? "" : fromEnv.trim();
  }

  /**
   * The node name a host name implies: its first DNS label, lower-cased, with anything an address
   * cannot carry replaced by '-'; "ferry" for an empty one.
   */
  public static String nodeName(String hostname) {
    String label = hostname.split("\\.", 2)[0].toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
    return label.isEmpty() ? "ferry" : label;
  }
}
