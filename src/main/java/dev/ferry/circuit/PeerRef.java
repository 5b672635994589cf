package dev.ferry.circuit;

import dev.ferry.core.FerryException;

/**
 * Where a peer lives: node, service and peer id, written as the URL
 * {@code ferry://<node>/<service>/<peerId>}. Given to {@link LocalPeer#newCircuitToPeer} to reach
 * the peer from anywhere in the cluster.
 *
 * <p>Immutable and thread-safe.
 */
public record PeerRef(String node, String service, String peerId) {
  static final String SCHEME = "ferry://";
  static final String SEGMENT = "[A-Za-z0-9_-]+";

  public PeerRef {
    check("node", node);
    check("service", service);
    check("peer id", peerId);
  }

  /** Reads {@code ferry://<node>/<service>/<peerId>}; anything else is a {@code bad-request}. */
  public static PeerRef parse(String url) {
    if (url == null || !url.startsWith(SCHEME)) {
      throw FerryException.badRequest("not a peer URL: " + url + " (expected ferry://<node>/<service>/<peerId>)");
    }
    String[] parts = url.substring(SCHEME.length()).split("/", -1);
    if (parts.length != 3) {
      throw FerryException.badRequest("not a peer URL: " + url + " (expected ferry://<node>/<service>/<peerId>)");
    }
    return new PeerRef(parts[0], parts[1], parts[2]);
  }

  /** {@code ferry://<node>/<service>/<peerId>}. */
  public String url() {
    return SCHEME + node + "/" + service + "/" + peerId;
  }

  @Override
  public String toString() {
    return url();
  }

  private static void check(String what, String value) {
    if (value == null || !value.matches(SEGMENT)) {
      throw FerryException.badRequest("a peer's " + what + " is letters, digits, '-' and '_', got: " + value);
    }
  }
}
