package dev.ferry.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One replica of the cluster as listed in {@code peers.json}: its unique name and precedence id,
 * where it lives, the event-bus {@code port} and ferry's optional service ports. Fields this class
 * does not model are kept in {@link #extra()} so that a load/dump round trip loses nothing.
 *
 * <p>Immutable and thread-safe. Absent text fields are {@code ""}, never null. The constructor
 * enforces the same rules as loading a file and throws {@link IllegalArgumentException} naming the
 * field; {@link #builder()} is the readable way to make one.
 *
 * @param pid precedence id, {@code >= 0}, unique in a directory
 * @param name unique name, {@code [A-Za-z0-9_-]+} because it is part of event-bus addresses
 * @param description free text
 * @param hostname host name, short or fully qualified
 * @param ipAddress IP address; when absent, {@link #endpoint(boolean)} uses the DNS name
 * @param domain DNS domain appended to a short {@code hostname}
 * @param port the event-bus port, 1..65535
 * @param apiPort HTTP API port ({@code api_port}), if set
 * @param proxyPort IPFS proxy port ({@code proxy_port}), if set
 * @param membershipPort cluster membership port ({@code membership_port}), if set
 * @param peerId the node's libp2p peer ID ({@code peer_id}), if written down: it lets every node
 *     name this one by its peer ID before it has seen it (a node learns the peer IDs of the nodes
 *     it meets by itself)
 * @param extra unknown JSON fields, in file order
 */
public record Peer(
    int pid,
    String name,
    String description,
    String hostname,
    String ipAddress,
    String domain,
    int port,
    OptionalInt apiPort,
    OptionalInt proxyPort,
    OptionalInt membershipPort,
    Optional<PeerId> peerId,
    Map<String, JsonNode> extra) {

  public Peer {
    peerId = peerId == null ? Optional.empty() : peerId;
    description = orEmpty(description);
    hostname = orEmpty(hostname);
    ipAddress = orEmpty(ipAddress);
    domain = orEmpty(domain);
    apiPort = apiPort == null ? OptionalInt.empty() : apiPort;
    proxyPort = proxyPort == null ? OptionalInt.empty() : proxyPort;
    membershipPort = membershipPort == null ? OptionalInt.empty() : membershipPort;
    extra = copyOf(extra);
    PeerRules.checkPeer(
        pid, name, hostname, ipAddress, port, apiPort, proxyPort, membershipPort, extra,
        (where, message) -> {
          throw new IllegalArgumentException(where + ": " + message);
        });
  }

  /** A peer without a {@code peer_id}. */
  public Peer(int pid, String name, String description, String hostname, String ipAddress, String domain, int port,
      OptionalInt apiPort, OptionalInt proxyPort, OptionalInt membershipPort, Map<String, JsonNode> extra) {
    this(pid, name, description, hostname, ipAddress, domain, port, apiPort, proxyPort, membershipPort,
        Optional.empty(), extra);
  }

  /** A builder with nothing set; {@code pid}, {@code name}, {@code port} and a host are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Unknown fields, in file order; the values are copies, so mutating them changes nothing here. */
  @Override
  public Map<String, JsonNode> extra() {
    return copyOf(extra);
  }

  /**
   * The {@code host:port} to reach this replica's event bus.
   *
   * <p>With {@code dns} true the host is the DNS name: {@code hostname.domain}, or just {@code
   * hostname} when it is already qualified or there is no domain (the seed used {@code domain}
   * alone, which suits files where {@code domain} holds the full name; that is honoured when
   * {@code domain} already starts with {@code hostname.} or there is no hostname). With {@code dns}
   * false it is {@code ip_address}. Each falls back to the other when its own field is absent. An
   * IPv6 address is bracketed.
   */
  public String endpoint(boolean dns) {
    String host = dns ? dnsName() : ipAddress;
    if (host.isEmpty()) {
      host = dns ? ipAddress : dnsName();
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return host + ":" + port;
  }

  private String dnsName() {
    if (hostname.isEmpty()) {
      return domain;
    }
    if (domain.isEmpty() || hostname.contains(".")) {
      return hostname;
    }
    if (domain.toLowerCase(Locale.ROOT).startsWith(hostname.toLowerCase(Locale.ROOT) + ".")) {
      return domain;
    }
    return hostname + "." + domain;
  }

  /** This replica in the {@code peers.json} shape: known fields first, then the unknown ones. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("pid", pid);
    node.put("name", name);
    putIfSet(node, "description", description);
    putIfSet(node, "hostname", hostname);
    putIfSet(node, "ip_address", ipAddress);
    putIfSet(node, "domain", domain);
    node.put("port", port);
    apiPort.ifPresent(p -> node.put("api_port", p));
    proxyPort.ifPresent(p -> node.put("proxy_port", p));
    membershipPort.ifPresent(p -> node.put("membership_port", p));
    peerId.ifPresent(id -> node.put("peer_id", id.toString()));
    extra.forEach((key, value) -> node.set(key, value.deepCopy()));
    return node;
  }

  private static void putIfSet(ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  // Deep copies: JsonNode is mutable, and this record promises immutability.
  private static Map<String, JsonNode> copyOf(Map<String, JsonNode> fields) {
    if (fields == null || fields.isEmpty()) {
      return Map.of();
    }
    Map<String, JsonNode> copy = new LinkedHashMap<>();
    fields.forEach((k, v) -> copy.put(k, v == null ? NullNode.getInstance() : v.deepCopy()));
    return Collections.unmodifiableMap(copy);
  }

  /**
   * Fluent construction of a {@link Peer}; {@link #build()} validates like loading a file does.
   * Not thread-safe: one builder per thread.
   */
  public static final class Builder {
    private Integer pid;
    private String name;
    private String description;
    private String hostname;
    private String ipAddress;
    private String domain;
    private Integer port;
    private OptionalInt apiPort = OptionalInt.empty();
    private OptionalInt proxyPort = OptionalInt.empty();
    private OptionalInt membershipPort = OptionalInt.empty();
    private Optional<PeerId> peerId = Optional.empty();
    private final Map<String, JsonNode> extra = new LinkedHashMap<>();

    private Builder() {}

    public Builder pid(int pid) {
      this.pid = pid;
      return this;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder hostname(String hostname) {
      this.hostname = hostname;
      return this;
    }

    public Builder ipAddress(String ipAddress) {
      this.ipAddress = ipAddress;
      return this;
    }

    public Builder domain(String domain) {
      this.domain = domain;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder apiPort(int apiPort) {
      this.apiPort = OptionalInt.of(apiPort);
      return this;
    }

    public Builder proxyPort(int proxyPort) {
      this.proxyPort = OptionalInt.of(proxyPort);
      return this;
    }

    public Builder membershipPort(int membershipPort) {
      this.membershipPort = OptionalInt.of(membershipPort);
      return this;
    }

    public Builder peerId(PeerId peerId) {
      this.peerId = Optional.of(peerId);
      return this;
    }

    /** Sets one unknown field, kept verbatim on dump; known field names are rejected by build(). */
    public Builder extra(String field, JsonNode value) {
      this.extra.put(field, value);
      return this;
    }

    /** Replaces all unknown fields. */
    public Builder extra(Map<String, JsonNode> fields) {
      this.extra.clear();
      this.extra.putAll(fields);
      return this;
    }

    /** The peer; {@link IllegalArgumentException} naming the field when a value breaks a rule. */
    public Peer build() {
      // pid and port are checked for presence here because the record's ints cannot be "missing".
      PeerRules.checkPeer(
          pid, name, hostname, ipAddress, port, apiPort, proxyPort, membershipPort, extra,
          (where, message) -> {
            throw new IllegalArgumentException(where + ": " + message);
          });
      return new Peer(
          pid, name, description, hostname, ipAddress, domain, port, apiPort, proxyPort,
          membershipPort, peerId, extra);
    }
  }
}
