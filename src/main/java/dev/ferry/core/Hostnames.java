package dev.ferry.core;


import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/** This machine's host name, and the node name derived from it when nothing else names the node. */
final class Hostnames {
  private Hostnames() {}

  static String local() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String fromEnv = System.getenv("HOSTNAME");
      return fromEnv == null || fromEnv.isBlank() ? "localhost" : fromEnv;
    }
  }

  /** The first DNS label, with anything an address cannot carry replaced by '-'. */
  static String nodeName(String hostname) {
    String label = hostname.split("\\.", 2)[0].toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
    return label.isEmpty() ? "ferry" : label;
  }
}
