package dev.ferry.peers;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns {@code peers.json} text into a {@link Peers}, all-or-nothing: every problem is collected
 * with its location and reported together, and nothing is returned unless there were none.
 * Stateless; the shared mapper is thread-safe once configured.
 */
final class PeersParser {

  /** Shared by parse and dump. Strict: a repeated key or trailing garbage is a mistake, not data. */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Reads the raw text; the one call that differs between files (bytes) and URLs (text). */
  @FunctionalInterface
  interface Reader {
    JsonNode read(ObjectMapper mapper) throws IOException;
  }

  private PeersParser() {}

  /**
   * Parses and validates; {@code source} names the file or URL in messages, {@code path} becomes
   * {@link Peers#source()} (null for text that did not come from a file).
   */
  static Peers parse(Reader reader, String source, Path path) throws PeersException {
    JsonNode root;
    try {
      root = reader.read(MAPPER);
    } catch (JsonProcessingException e) {
      throw new PeersException(source + locationOf(e) + ": malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new PeersException(source + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new PeersException(source + ": empty document, expected a JSON object with \"replicas\"");
    }
    if (!root.isObject()) {
      throw new PeersException(source + ": expected a JSON object at the top level, got " + describe(root));
    }

    List<String> problems = new ArrayList<>();
    ObjectNode info = parseInfo(root.get("info"), problems);
    List<Peer> replicas = parseReplicas(root.get("replicas"), problems);
    if (problems.isEmpty()) {
      PeerRules.checkUnique(replicas, (where, message) -> problems.add(where + ": " + message));
    }
    if (!problems.isEmpty()) {
      StringBuilder message = new StringBuilder();
      for (String problem : problems) {
        message.append(message.length() == 0 ? "" : "\n").append(source).append(": ").append(problem);
      }
      throw new PeersException(message.toString());
    }

    Map<String, JsonNode> extra = new LinkedHashMap<>();
    root.fields().forEachRemaining(field -> {
      if (!field.getKey().equals("info") && !field.getKey().equals("replicas")) {
        extra.put(field.getKey(), field.getValue());
      }
    });
    return new Peers(path, info, replicas, extra);
  }

  private static ObjectNode parseInfo(JsonNode info, List<String> problems) {
    if (info == null || info.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!info.isObject()) {
      problems.add("info: expected an object, got " + describe(info));
      return JsonNodeFactory.instance.objectNode();
    }
    return (ObjectNode) info;
  }

  private static List<Peer> parseReplicas(JsonNode replicas, List<String> problems) {
    List<Peer> peers = new ArrayList<>();
    // Required even when empty: a typo such as "replica" must not read as "no peers".
    if (replicas == null) {
      problems.add("replicas: missing (required): expected an array of replicas");
    } else if (!replicas.isArray()) {
      problems.add("replicas: expected an array, got " + describe(replicas));
    } else {
      for (int i = 0; i < replicas.size(); i++) {
        Peer peer = parseReplica("replicas[" + i + "]", replicas.get(i), problems);
        if (peer != null) {
          peers.add(peer);
        }
      }
    }
    return peers;
  }

  /** One replica, or null after adding its problems. */
  private static Peer parseReplica(String where, JsonNode node, List<String> problems) {
    if (!node.isObject()) {
      problems.add(where + ": expected an object, got " + describe(node));
      return null;
    }
    int before = problems.size();
    Integer pid = integer(node, "pid", where, problems);
    String name = text(node, "name", where, problems);
    String description = text(node, "description", where, problems);
    String hostname = text(node, "hostname", where, problems);
    String ipAddress = text(node, "ip_address", where, problems);
    String domain = text(node, "domain", where, problems);
    Integer port = integer(node, "port", where, problems);
    OptionalInt apiPort = optional(integer(node, "api_port", where, problems));
    OptionalInt proxyPort = optional(integer(node, "proxy_port", where, problems));
    OptionalInt membershipPort = optional(integer(node, "membership_port", where, problems));
    Optional<PeerId> peerId = peerId(node, where, problems);
    Map<String, JsonNode> extra = new LinkedHashMap<>();
    node.fields().forEachRemaining(field -> {
      if (!PeerRules.KNOWN_FIELDS.contains(field.getKey())) {
        extra.put(field.getKey(), field.getValue());
      }
    });
    // A field of the wrong type has been reported; checking its value too would only repeat it.
    if (problems.size() > before) {
      return null;
    }
    PeerRules.checkPeer(
        pid, name, hostname, ipAddress, port, apiPort, proxyPort, membershipPort, extra,
        (field, message) -> problems.add(where + "." + field + ": " + message));
    if (problems.size() > before) {
      return null;
    }
    return new Peer(
        pid, name, description, hostname, ipAddress, domain, port, apiPort, proxyPort,
        membershipPort, peerId, extra);
  }

  /** The field as an int; null when absent or JSON null (the rules decide if that is allowed). */
  private static Integer integer(JsonNode node, String field, String where, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber()) {
      problems.add(where + "." + field + ": expected an integer, got " + describe(value));
      return null;
    }
    if (!value.canConvertToInt()) {
      problems.add(where + "." + field + ": integer out of range, got " + value);
      return null;
    }
    return value.intValue();
  }

  private static String text(JsonNode node, String field, String where, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      problems.add(where + "." + field + ": expected a string, got " + describe(value));
      return null;
    }
    return value.textValue();
  }

  /** The optional {@code peer_id}: a libp2p peer ID, as its node's {@code GET /id} shows it. */
  private static Optional<PeerId> peerId(JsonNode node, String where, List<String> problems) {
    String text = text(node, "peer_id", where, problems);
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(PeerId.parse(text));
    } catch (IllegalArgumentException e) {
      problems.add(where + ".peer_id: " + e.getMessage() + " (copy it from the node's GET /id, or leave it out)");
      return Optional.empty();
    }
  }

  private static OptionalInt optional(Integer value) {
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }

  /** ":line:column" from Jackson's location, or "" when it has none. */
  private static String locationOf(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return ":" + location.getLineNr() + ":" + location.getColumnNr();
  }

  /** A value as it appears in JSON, short enough for one line of an error message. */
  static String describe(JsonNode value) {
    if (value.isObject()) {
      return "an object";
    }
    if (value.isArray()) {
      return "an array";
    }
    String text = value.toString();
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
