package dev.ferry.peers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validation rules for a replica and for a list of replicas, shared by the file loader (which
 * collects every problem with its location) and by {@link Peer}'s constructor and {@link
 * Peers#of} (which throw on the first). One set of rules, so a directory built in code can never
 * hold something a file could not. Stateless.
 */
final class PeerRules {

  /** Names are spliced into event-bus addresses (ferry.circuit.&lt;peer&gt;), so no dots or spaces. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

  /** The JSON fields {@link Peer} models; anything else is kept verbatim in {@link Peer#extra()}. */
  static final Set<String> KNOWN_FIELDS =
      Set.of(
          "pid", "name", "description", "hostname", "ip_address", "domain", "port", "api_port",
          "proxy_port", "membership_port", "peer_id");

  /** Receives one problem: where it is (a field, or a path such as replicas[2].pid) and what. */
  @FunctionalInterface
  interface Problems {
    void add(String where, String message);
  }

  private PeerRules() {}

  /** Checks one replica's values; {@code null} pid or port means the field is missing. */
  static void checkPeer(
      Integer pid,
      String name,
      String hostname,
      String ipAddress,
      Integer port,
      OptionalInt apiPort,
      OptionalInt proxyPort,
      OptionalInt membershipPort,
      Map<String, JsonNode> extra,
      Problems problems) {
    if (pid == null) {
      problems.add("pid", "missing (required)");
    } else if (pid < 0) {
      problems.add("pid", "must be >= 0, got " + pid);
    }
    String nameProblem = nameProblem(name);
    if (nameProblem != null) {
      problems.add("name", nameProblem);
    }
    // Without either there is nothing to connect to; fail at load, not at first use.
    if (isBlank(hostname) && isBlank(ipAddress)) {
      problems.add("hostname", "a replica needs a hostname or an ip_address");
    }
    if (port == null) {
      problems.add("port", "missing (required)");
    } else {
      checkPort("port", port, problems);
    }
    apiPort.ifPresent(p -> checkPort("api_port", p, problems));
    proxyPort.ifPresent(p -> checkPort("proxy_port", p, problems));
    membershipPort.ifPresent(p -> checkPort("membership_port", p, problems));
    for (String key : extra.keySet()) {
      if (KNOWN_FIELDS.contains(key)) {
        problems.add(key, "extra field clashes with the field of the same name");
      }
    }
  }

  /** Names both indices of every duplicated name, pid or peer_id; reported at the later index. */
  static void checkUnique(List<Peer> replicas, Problems problems) {
    Map<String, Integer> names = new HashMap<>();
    Map<Integer, Integer> pids = new HashMap<>();
    Map<PeerId, Integer> peerIds = new HashMap<>();
    for (int i = 0; i < replicas.size(); i++) {
      Peer peer = replicas.get(i);
      Integer firstName = names.putIfAbsent(peer.name(), i);
      if (firstName != null) {
        problems.add(
            "replicas[" + i + "].name",
            "duplicate name \"" + peer.name() + "\" (also replicas[" + firstName + "])");
      }
      Integer firstPid = pids.putIfAbsent(peer.pid(), i);
      if (firstPid != null) {
        problems.add(
            "replicas[" + i + "].pid",
            "duplicate pid " + peer.pid() + " (also replicas[" + firstPid + "])");
      }
      // one key per node: two entries with one peer ID would make "which node is that?" ambiguous
      int index = i;
      Integer firstPeerId = peer.peerId().map(id -> peerIds.putIfAbsent(id, index)).orElse(null);
      if (firstPeerId != null) {
        problems.add(
            "replicas[" + i + "].peer_id",
            "duplicate peer_id " + peer.peerId().get() + " (also replicas[" + firstPeerId + "])");
      }
    }
  }

  /** Why {@code name} is not a valid replica name, or null when it is. */
  static String nameProblem(String name) {
    if (name == null) {
      return "missing (required)";
    }
    if (name.isBlank()) {
      return "must not be blank";
    }
    if (!NAME.matcher(name).matches()) {
      return "\""
          + name
          + "\" is not a valid name: use only letters, digits, '_' and '-'"
          + " (names are part of event-bus addresses, so no dots or spaces)";
    }
    return null;
  }

  private static void checkPort(String field, int port, Problems problems) {
    if (port < 1 || port > 65535) {
      problems.add(field, "must be between 1 and 65535, got " + port);
    }
  }

  static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
