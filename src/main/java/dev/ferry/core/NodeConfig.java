package dev.ferry.core;

import dev.ferry.peers.HostNames;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.peers.PeersException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's resolved configuration: who it is, where it listens, and the cluster it joins.
 *
 * <p>Resolution stacks {@link ConfigLayers} and slots the node's own peers.json entry (its ports
 * and address) between the defaults and what the operator set, so an explicit setting always
 * wins. Values are read with {@link ConfigSection}, so a bad one fails start-up with the key's full
 * name; services read their own sections through {@link #section}. Immutable.
 *
 * @param ipfsApi a Kubo RPC API ({@code ipfs.api}) to use instead of the node's embedded IPFS store; empty
 *     (the default): the embedded store
 * @param eventBusMetrics whether Vert.x's own {@code vertx_eventbus_*} meters are kept ({@code metrics.eventbus})
 * @param json the whole merged configuration, for services that read their own sections
 */
public record NodeConfig(
    String name,
    Peers peers,
    Optional<Peer> self,
    Path dataDir,
    Optional<Path> verticlesDir,
    Duration shutdownTimeout,
    HostPort api,
    HostPort proxy,
    ClusterSettings cluster,
    Optional<URI> ipfsApi,
    boolean eventBusMetrics,
    JsonObject json) {

  /** A host and port to listen on. */
  public record HostPort(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /**
   * How this node joins the cluster.
   *
   * @param members the Hazelcast TCP-IP members ({@code ip:membership_port}), this node included
   * @param membershipAddresses each peers.json node's membership address ({@code host:port}) by name;
   *     empty without a peers.json
   * @param heartbeatIntervalSeconds {@code cluster.heartbeat_interval_ms} in the whole seconds Hazelcast counts in
   * @param maxNoHeartbeatSeconds {@code cluster.max_no_heartbeat_ms}, likewise
   * @param mergeDelaySeconds {@code cluster.merge_delay_ms}, likewise
   */
  public record ClusterSettings(
      String name,
      String host,
      int port,
      int membershipPort,
      List<String> members,
      Map<String, String> membershipAddresses,
      int heartbeatIntervalSeconds,
      int maxNoHeartbeatSeconds,
      int mergeDelaySeconds,
      Duration requestTimeout) {}

  /**
   * Everything resolution reads from outside, gathered so tests can supply their own.
   *
   * @param flags settings from the command line, already shaped like node.json
   */
  public record Sources(
      Optional<Path> configFile, Map<String, String> env, JsonObject flags,
      String hostname, Path homeDir, Path workingDir) {

    /** This process's environment, host name and directories; {@code ~} is $HOME, as in a shell. */
    public static Sources ofProcess(Optional<Path> configFile, JsonObject flags) {
      return new Sources(configFile, System.getenv(), flags, HostNames.machineHostname(System.getenv()), Peers.homeDir(),
          Path.of("").toAbsolutePath());
    }
  }

  private static final Logger log = LoggerFactory.getLogger(NodeConfig.class);
  private static final String NAME_PATTERN = "[A-Za-z0-9_-]+";

  /** Stacks the layers, finds this node in peers.json and checks every value. */
  public static NodeConfig resolve(Sources sources) {
    JsonObject defaults = ConfigLayers.defaults();
    JsonObject file = sources.configFile().map(ConfigLayers::readFile).orElseGet(JsonObject::new);
    JsonObject env = ConfigLayers.fromEnvironment(defaults, sources.env());
    JsonObject flags = sources.flags().copy();
    Set<DeprecatedKeys.Rename> renamed = new LinkedHashSet<>();
    renamed.addAll(DeprecatedKeys.migrate(file, sources.configFile().map(Path::toString).orElse("")));
    renamed.addAll(DeprecatedKeys.migrate(env, "the environment"));
    renamed.addAll(DeprecatedKeys.migrate(flags, "the command line"));
    renamed.forEach(rename -> log.warn("config: {}", rename));
    JsonObject operator = ConfigLayers.merge(file, env, flags);
    JsonObject withoutPeer = ConfigLayers.merge(defaults, operator);

    Peers peers = loadPeers(withoutPeer, sources);
    Optional<Peer> self = findSelf(peers, withoutPeer, sources.hostname());
    String name = self.map(Peer::name)
        .or(() -> Optional.ofNullable(withoutPeer.getString("name")))
        .orElseGet(() -> HostNames.nodeName(sources.hostname()));
    if (!name.matches(NAME_PATTERN)) {
      throw new ConfigException("name: '" + name + "' cannot name a node: use letters, digits, '-' and '_'");
    }

    JsonObject merged = ConfigLayers.merge(defaults, peerLayer(self), operator);
    merged.put("name", name);
    return fromJson(merged, peers, self, sources.homeDir(), defaults);
  }

  /** The section {@code name} ({@code pin}, {@code raft}, ...) of the merged configuration, to read with its typed getters. */
  public ConfigSection section(String name) {
    return ConfigSection.root(json).section(name);
  }

  private static Peers loadPeers(JsonObject config, Sources sources) {
    String file = config.getString("peers");
    try {
      if (file != null && !file.isBlank()) {
        return Peers.loadFrom(sources.workingDir().resolve(file));
      }
      return Peers.load(sources.env(), sources.workingDir(), sources.homeDir());
    } catch (PeersException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** By name when one is given, else the one entry that is this host (and pid, when set). */
  private static Optional<Peer> findSelf(Peers peers, JsonObject config, String hostname) {
    String name = config.getString("name");
    if (peers.isEmpty()) {
      return Optional.empty();
    }
    if (name != null) {
      return Optional.of(peers.get(name).orElseThrow(() -> new ConfigException(
          "name: no peer named '" + name + "' in " + describe(peers) + " (known: "
              + String.join(", ", peers.names()) + ")")));
    }
    Optional<Integer> pid = Optional.ofNullable(config.getValue("pid")).map(NodeConfig::pid);
    if (pid.isPresent()) {
      return Optional.of(peers.localhost(hostname, pid.get()).orElseThrow(() -> new ConfigException(
          "no peer in " + describe(peers) + " has host '" + hostname + "' and pid " + pid.get()
              + ": pass --name")));
    }
    List<Peer> local = peers.local(hostname);
    if (local.size() == 1) {
      return Optional.of(local.get(0));
    }
    throw new ConfigException((local.isEmpty()
        ? "no peer in " + describe(peers) + " has host '" + hostname + "'"
        : "several peers in " + describe(peers) + " are on host '" + hostname + "'")
        + ": pass --name (known: " + String.join(", ", peers.names()) + ")");
  }

  /** The pid setting: an integer, also when it came from FERRY_PID as text. */
  private static int pid(Object value) {
    try {
      return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("pid: expected an integer, got '" + value + "'");
    }
  }

  private static String describe(Peers peers) {
    return peers.source().map(Path::toString).orElse("peers.json");
  }

  /** The node's own entry as a configuration layer: its address and ports. */
  private static JsonObject peerLayer(Optional<Peer> self) {
    JsonObject layer = new JsonObject();
    self.ifPresent(peer -> {
      if (peer.ipAddress() != null && !peer.ipAddress().isBlank()) {
        ConfigLayers.put(layer, "cluster.host", peer.ipAddress());
      }
      ConfigLayers.put(layer, "cluster.port", peer.port());
      peer.membershipPort().ifPresent(p -> ConfigLayers.put(layer, "cluster.membership_port", p));
      peer.apiPort().ifPresent(p -> ConfigLayers.put(layer, "api.port", p));
      peer.proxyPort().ifPresent(p -> ConfigLayers.put(layer, "proxy.port", p));
    });
    return layer;
  }

  private static NodeConfig fromJson(JsonObject json, Peers peers, Optional<Peer> self, Path home, JsonObject defaults) {
    ConfigSection s = ConfigSection.root(json);
    String name = json.getString("name");
    Path dataDir = s.optionalString("data_dir").map(Path::of)
        .orElse(home.resolve(".ferry").resolve(name));
    Optional<Path> verticlesDir = s.optionalString("verticles_dir").map(Path::of);

    ConfigSection c = s.section("cluster");
    String clusterHost = c.string("host");
    int membershipPort = c.port("membership_port");
    // peers.json entries without membership_port use the shipped default, not this node's port
    int defaultMembershipPort = ConfigSection.root(defaults).port("cluster.membership_port");
    List<String> members = new ArrayList<>();
    Map<String, String> membershipAddresses = new LinkedHashMap<>();
    if (peers.isEmpty()) {
      members.add(clusterHost + ":" + membershipPort);
    } else {
      for (Peer peer : peers.replicas()) {
        String host = peer.ipAddress() == null || peer.ipAddress().isBlank() ? peer.hostname() : peer.ipAddress();
        members.add(host + ":" + peer.membershipPort().orElse(defaultMembershipPort));
        membershipAddresses.put(peer.name(), members.get(members.size() - 1));
      }
    }
    var cluster = new ClusterSettings(
        c.string("name"), clusterHost, c.port("port"), membershipPort, List.copyOf(members),
        Collections.unmodifiableMap(membershipAddresses),
        seconds(c, "heartbeat_interval_ms"), seconds(c, "max_no_heartbeat_ms"), seconds(c, "merge_delay_ms"),
        c.millis("request_timeout_ms"));
    if (cluster.maxNoHeartbeatSeconds() <= cluster.heartbeatIntervalSeconds()) {
      throw c.invalid("max_no_heartbeat_ms", "must be greater than cluster.heartbeat_interval_ms");
    }
    return new NodeConfig(name, peers, self, dataDir, verticlesDir, s.millis("shutdown_timeout_ms"),
        new HostPort(s.string("api.host"), s.port("api.port")),
        new HostPort(s.string("proxy.host"), s.port("proxy.port")),
        cluster, s.optionalString("ipfs.api").map(set -> s.url("ipfs.api")), s.bool("metrics.eventbus"), json);
  }

  /** A Hazelcast setting: milliseconds in the configuration, whole seconds for Hazelcast. */
  private static int seconds(ConfigSection cluster, String key) {
    return (int) cluster.wholeSeconds(key, "Hazelcast").toSeconds();
  }
}
