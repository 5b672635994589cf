package dev.ferry.core;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path dir;

  private static final String PEERS = """
      {"info": {}, "replicas": [
        {"pid": 1, "name": "alpha", "hostname": "apollo.example.com", "ip_address": "127.0.0.2", "port": 7001,
         "membership_port": 7101, "api_port": 7201, "proxy_port": 7301},
        {"pid": 2, "name": "bravo", "hostname": "apollo", "ip_address": "127.0.0.3", "port": 7002},
        {"pid": 3, "name": "charlie", "hostname": "zeus", "ip_address": "127.0.0.4", "port": 7003}
      ]}""";

  private NodeConfig resolve(Map<String, String> env, JsonObject flags, Optional<Path> file, String hostname) {
    return NodeConfig.resolve(new NodeConfig.Sources(file, env, flags, hostname, dir, dir));
  }

  private Path peersFile() throws IOException {
    return Files.writeString(dir.resolve("peers.json"), PEERS);
  }

  @Test
  void withoutPeersTheNodeIsAOneNodeClusterOnLoopbackNamedAfterTheHost() {
    NodeConfig config = resolve(Map.of(), new JsonObject(), Optional.empty(), "Apollo.example.com");
    assertThat(config.name()).isEqualTo("apollo");
    assertThat(config.peers().isEmpty()).isTrue();
    assertThat(config.api()).isEqualTo(new NodeConfig.HostPort("127.0.0.1", 9094));
    assertThat(config.proxy()).isEqualTo(new NodeConfig.HostPort("127.0.0.1", 9095));
    assertThat(config.cluster().port()).isEqualTo(9096);
    assertThat(config.cluster().members()).containsExactly("127.0.0.1:5701");
    assertThat(config.dataDir()).isEqualTo(dir.resolve(".ferry").resolve("apollo"));
    assertThat(config.ipfsApi()).as("no ipfs.api: the embedded IPFS store").isEmpty();
  }

  @Test
  void ipfsApiSetAnywhereChoosesThatKuboDaemon() {
    NodeConfig config = resolve(Map.of("FERRY_IPFS_API", "http://127.0.0.1:5001"), new JsonObject(), Optional.empty(),
        "h");
    assertThat(config.ipfsApi()).contains(URI.create("http://127.0.0.1:5001"));
  }

  @Test
  void fileThenEnvironmentThenFlagsOverrideTheDefaults() throws IOException {
    Path file = Files.writeString(dir.resolve("node.json"), """
        {"api": {"port": 1000}, "proxy": {"port": 1001}, "cluster": {"port": 1002}}""");
    var env = Map.of("FERRY_API_PORT", "2000", "FERRY_CLUSTER_PORT", "2002");
    var flags = ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("api.port=3000"));
    NodeConfig config = resolve(env, flags, Optional.of(file), "host");
    assertThat(config.api().port()).isEqualTo(3000);
    assertThat(config.cluster().port()).isEqualTo(2002);
    assertThat(config.proxy().port()).isEqualTo(1001);
  }

  @Test
  void unsetTextSettingsGivenAsDigitsStayText() {
    var flags = ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("name=007", "data_dir=2026"));
    NodeConfig config = resolve(Map.of("FERRY_BRIDGE_TOKEN", "12345678"), flags, Optional.empty(), "host");
    assertThat(config.name()).isEqualTo("007");
    assertThat(config.dataDir()).isEqualTo(Path.of("2026"));
    assertThat(config.section("bridge").optionalString("token")).contains("12345678");
  }

  @Test
  void theNodesPeerEntrySetsItsAddressAndPortsUnlessTheOperatorDoes() throws IOException {
    var flags = new JsonObject().put("name", "alpha").put("peers", peersFile().toString());
    NodeConfig config = resolve(Map.of(), flags, Optional.empty(), "elsewhere");
    assertThat(config.cluster().host()).isEqualTo("127.0.0.2");
    assertThat(config.cluster().port()).isEqualTo(7001);
    assertThat(config.cluster().membershipPort()).isEqualTo(7101);
    assertThat(config.api().port()).isEqualTo(7201);
    assertThat(config.proxy().port()).isEqualTo(7301);
    // peers without membership_port use the default
    assertThat(config.cluster().members()).containsExactly("127.0.0.2:7101", "127.0.0.3:5701", "127.0.0.4:5701");

    NodeConfig overridden = resolve(Map.of("FERRY_API_PORT", "7999"), flags, Optional.empty(), "elsewhere");
    assertThat(overridden.api().port()).isEqualTo(7999);
  }

  @Test
  void withoutANameTheNodeIsTheOnlyEntryOnThisHost() throws IOException {
    var flags = new JsonObject().put("peers", peersFile().toString());
    assertThat(resolve(Map.of(), flags, Optional.empty(), "zeus.example.org").name()).isEqualTo("charlie");
  }

  @Test
  void severalEntriesOnThisHostAreTeasedApartByPid() throws IOException {
    var flags = new JsonObject().put("peers", peersFile().toString());
    assertThatThrownBy(() -> resolve(Map.of(), flags, Optional.empty(), "apollo"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("several peers")
        .hasMessageContaining("--name");
    assertThat(resolve(Map.of("FERRY_PID", "2"), flags, Optional.empty(), "apollo").name()).isEqualTo("bravo");
  }

  @Test
  void aHostWithNoEntryMustNameItself() throws IOException {
    var flags = new JsonObject().put("peers", peersFile().toString());
    assertThatThrownBy(() -> resolve(Map.of(), flags, Optional.empty(), "hermes"))
        .hasMessageContaining("no peer")
        .hasMessageContaining("hermes")
        .hasMessageContaining("alpha, bravo, charlie");
  }

  @Test
  void anUnknownNameListsTheKnownOnes() throws IOException {
    var flags = new JsonObject().put("name", "delta").put("peers", peersFile().toString());
    assertThatThrownBy(() -> resolve(Map.of(), flags, Optional.empty(), "apollo"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no peer named 'delta'")
        .hasMessageContaining("alpha, bravo, charlie");
  }

  @Test
  void peersFromTheEnvironmentAreFound() throws IOException {
    var env = Map.of("FERRY_PEERS", peersFile().toString(), "FERRY_NAME", "bravo");
    NodeConfig config = resolve(env, new JsonObject(), Optional.empty(), "apollo");
    assertThat(config.name()).isEqualTo("bravo");
    assertThat(config.cluster().host()).isEqualTo("127.0.0.3");
  }

  @Test
  void aBadPeersFileStopsStartUpWithItsError() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad-peers.json"), "{\"replicas\": [\n  {\"name\": }\n]}");
    var flags = new JsonObject().put("peers", bad.toString());
    assertThatThrownBy(() -> resolve(Map.of(), flags, Optional.empty(), "apollo"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad-peers.json:2:");
  }

  @Test
  void badValuesNameTheirKey() throws IOException {
    assertThatThrownBy(() -> resolve(Map.of("FERRY_API_PORT", "abc"), new JsonObject(), Optional.empty(), "h"))
        .hasMessageContaining("FERRY_API_PORT").hasMessageContaining("integer");
    Path file = Files.writeString(dir.resolve("ports.json"), "{\"api\": {\"port\": 70000}}");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(file), "h"))
        .hasMessageContaining("api.port").hasMessageContaining("65535");
    Path text = Files.writeString(dir.resolve("text.json"), "{\"cluster\": {\"heartbeat_interval_ms\": \"x\"}}");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(text), "h"))
        .hasMessageContaining("cluster.heartbeat_interval_ms");
    Path url = Files.writeString(dir.resolve("url.json"), "{\"ipfs\": {\"api\": \"localhost\"}}");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(url), "h"))
        .hasMessageContaining("ipfs.api");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject().put("name", "a.b"), Optional.empty(), "h"))
        .hasMessageContaining("name");
    assertThatThrownBy(() -> resolve(Map.of("FERRY_METRICS_EVENTBUS", "yes"), new JsonObject(), Optional.empty(), "h"))
        .hasMessageContaining("FERRY_METRICS_EVENTBUS");
  }

  @Test
  void eventBusMetricsAreOffUnlessAskedFor() {
    assertThat(resolve(Map.of(), new JsonObject(), Optional.empty(), "h").eventBusMetrics()).isFalse();
    assertThat(resolve(Map.of("FERRY_METRICS_EVENTBUS", "true"), new JsonObject(), Optional.empty(), "h")
        .eventBusMetrics()).isTrue();
  }

  @Test
  void aMalformedConfigFileIsReportedWithLineAndColumn() throws IOException {
    Path file = Files.writeString(dir.resolve("node.json"), "{\n  \"api\": {\"port\": 1,}\n}");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(file), "h"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ":2:");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(dir.resolve("missing.json")), "h"))
        .hasMessageContaining("missing.json").hasMessageContaining("not found");
  }

  @Test
  void settingsMustBeKnownKeys() {
    assertThatThrownBy(() -> ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("api.prot=1")))
        .hasMessageContaining("api.prot").hasMessageContaining("unknown setting");
    assertThatThrownBy(() -> ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("api.port")))
        .hasMessageContaining("KEY=VALUE");
  }

  @Test
  void heartbeatMustBeShorterThanTheFailureTimeout() {
    var flags = ConfigLayers.fromSettings(ConfigLayers.defaults(),
        List.of("cluster.heartbeat_interval_ms=5000", "cluster.max_no_heartbeat_ms=5000"));
    assertThatThrownBy(() -> resolve(Map.of(), flags, Optional.empty(), "h"))
        .hasMessageContaining("cluster.max_no_heartbeat_ms");
  }
}
