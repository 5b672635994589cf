package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Keys renamed to one unit suffix per kind still work under their old names, with one warning each. */
class DeprecatedKeysTest {
  @TempDir Path dir;
  private final Logger logger = (Logger) LoggerFactory.getLogger(NodeConfig.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void capture() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void release() {
    logger.detachAppender(logged);
  }

  private NodeConfig resolve(Map<String, String> env, JsonObject flags, Optional<Path> file) {
    return NodeConfig.resolve(new NodeConfig.Sources(file, env, flags, "h", dir, dir));
  }

  private List<String> warnings() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void oldNamesFromAFileTheEnvironmentAndTheCommandLineAreReadAsTheNewOnesWithOneWarningEach() throws IOException {
    Path file = Files.writeString(dir.resolve("node.json"), """
        {"shutdown_timeout_seconds": 20, "raft": {"heartbeat_period_secs": 2, "heartbeat_timeout_secs": 7}}""");
    var env = Map.of("FERRY_CLUSTER_MAX_NO_HEARTBEAT_SECONDS", "9");
    var flags = ConfigLayers.fromSettings(ConfigLayers.defaults(),
        List.of("api.max_upload_bytes_in_flight=1000", "cluster.max_no_heartbeat_seconds=8"));

    NodeConfig config = resolve(env, flags, Optional.of(file));

    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.cluster().maxNoHeartbeatSeconds()).isEqualTo(8);             // the command line wins
    ConfigSection raft = config.section("raft");
    assertThat(raft.wholeSeconds("heartbeat_period_ms", "MicroRaft")).isEqualTo(Duration.ofSeconds(2));
    assertThat(raft.has("heartbeat_period_secs")).isFalse();
    assertThat(config.section("api").bytes("max_upload_in_flight_bytes")).isEqualTo(1000);
    assertThat(warnings()).containsExactly(
        "config: shutdown_timeout_seconds is deprecated: use shutdown_timeout_ms (in milliseconds: "
            + "shutdown_timeout_seconds × 1000)",
        "config: raft.heartbeat_period_secs is deprecated: use raft.heartbeat_period_ms (in milliseconds: "
            + "raft.heartbeat_period_secs × 1000)",
        "config: raft.heartbeat_timeout_secs is deprecated: use raft.heartbeat_timeout_ms (in milliseconds: "
            + "raft.heartbeat_timeout_secs × 1000)",
        "config: cluster.max_no_heartbeat_seconds is deprecated: use cluster.max_no_heartbeat_ms (in milliseconds: "
            + "cluster.max_no_heartbeat_seconds × 1000)",
        "config: api.max_upload_bytes_in_flight is deprecated: use api.max_upload_in_flight_bytes (same value)");
  }

  @Test
  void aKeyShippedUnsetTakesANumberFromTheEnvironmentAndTheCommandLineUnderEitherName() {
    // proxy.max_upload_in_flight_bytes is unset by default (the proxy streams uploads): its value was kept as
    // text, which the proxy's upload gate then refused, so the node did not start
    assertThat(resolve(Map.of(), new JsonObject(), Optional.empty()).section("proxy").has("max_upload_in_flight_bytes"))
        .as("unset: no bound").isFalse();
    var fromSet = ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("proxy.max_upload_bytes_in_flight=1000"));
    assertThat(resolve(Map.of(), fromSet, Optional.empty()).section("proxy").bytes("max_upload_in_flight_bytes"))
        .isEqualTo(1000);
    var newName = ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("proxy.max_upload_in_flight_bytes=1500"));
    assertThat(resolve(Map.of(), newName, Optional.empty()).section("proxy").bytes("max_upload_in_flight_bytes"))
        .isEqualTo(1500);
    var env = Map.of("FERRY_PROXY_MAX_UPLOAD_BYTES_IN_FLIGHT", "2000");
    assertThat(resolve(env, new JsonObject(), Optional.empty()).section("proxy").bytes("max_upload_in_flight_bytes"))
        .isEqualTo(2000);
    var newEnv = Map.of("FERRY_PROXY_MAX_UPLOAD_IN_FLIGHT_BYTES", "2500");
    assertThat(resolve(newEnv, new JsonObject(), Optional.empty()).section("proxy").bytes("max_upload_in_flight_bytes"))
        .isEqualTo(2500);
    var text = ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("proxy.max_upload_bytes_in_flight=lots"));
    assertThatThrownBy(() -> resolve(Map.of(), text, Optional.empty()).section("proxy").bytes("max_upload_in_flight_bytes"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("proxy.max_upload_in_flight_bytes");
  }

  @Test
  void theNewNamesAloneWarnOfNothing() {
    resolve(Map.of(), ConfigLayers.fromSettings(ConfigLayers.defaults(), List.of("raft.heartbeat_period_ms=2000")),
        Optional.empty());
    assertThat(warnings()).isEmpty();
  }

  @Test
  void bothNamesOfOneKeyInOneLayerIsAnErrorThatSaysWhichToKeep() throws IOException {
    Path file = Files.writeString(dir.resolve("both.json"), """
        {"circuit": {"remote_peer_idle_seconds": 5, "remote_peer_idle_ms": 5000}}""");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(file)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("both.json sets both circuit.remote_peer_idle_seconds and circuit.remote_peer_idle_ms")
        .hasMessageContaining("keep only circuit.remote_peer_idle_ms");
  }

  @Test
  void aBadValueUnderAnOldNameNamesTheOldKey() throws IOException {
    Path file = Files.writeString(dir.resolve("bad.json"), """
        {"filesync": {"connect_timeout_seconds": "soon"}}""");
    assertThatThrownBy(() -> resolve(Map.of(), new JsonObject(), Optional.of(file)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filesync.connect_timeout_seconds: expected a whole number of seconds, got soon")
        .hasMessageContaining("filesync.connect_timeout_ms");
  }

  @Test
  void everyNewNameIsAShippedDefaultAndNoOldNameIs() {
    JsonObject defaults = ConfigLayers.defaults();
    List<String> keys = ConfigLayers.keys(defaults, "");
    for (DeprecatedKeys.Rename rename : DeprecatedKeys.RENAMES) {
      assertThat(keys).doesNotContain(rename.oldKey());
      assertThat(keys).contains(rename.newKey());
    }
  }
}
