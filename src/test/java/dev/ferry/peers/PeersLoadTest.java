package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where peers.json is looked for, in which order, and how each way of loading fails. */
class PeersLoadTest {

  @TempDir Path tmp;
  Path work;
  Path home;

  @BeforeEach
  void dirs() throws Exception {
    work = Files.createDirectories(tmp.resolve("work"));
    home = Files.createDirectories(tmp.resolve("home"));
  }

  private static String onePeer(String name) {
    return "{\"replicas\": [{\"pid\": 1, \"name\": \"" + name + "\", \"hostname\": \"h\", \"port\": 9096}]}";
  }

  @Test
  void searchPathIsEnvThenWorkingDirThenHomeThenEtc() {
    List<Path> path = Peers.searchPath(Map.of("FERRY_PEERS", "/srv/peers.json"), work, home);

    assertThat(path).containsExactly(
        Path.of("/srv/peers.json"),
        work.resolve("peers.json"),
        home.resolve(".ferry/peers.json"),
        Path.of("/etc/ferry/peers.json"));
  }

  @Test
  void searchPathSkipsAnUnsetOrBlankEnvVarAndResolvesARelativeOneAgainstTheWorkingDir() {
    assertThat(Peers.searchPath(Map.of(), work, home)).hasSize(3).first().isEqualTo(work.resolve("peers.json"));
    assertThat(Peers.searchPath(Map.of("FERRY_PEERS", "  "), work, home)).hasSize(3);
    assertThat(Peers.searchPath(Map.of("FERRY_PEERS", "conf/p.json"), work, home))
        .first().isEqualTo(work.resolve("conf/p.json"));
  }

  @Test
  void envVarBeatsWorkingDirBeatsHome() throws PeersException {
    Path fromEnv = Fixtures.write(tmp.resolve("elsewhere/env.json"), onePeer("fromenv"));
    Fixtures.write(work.resolve("peers.json"), onePeer("fromwork"));
    Fixtures.write(home.resolve(".ferry/peers.json"), onePeer("fromhome"));
    Map<String, String> env = Map.of("FERRY_PEERS", fromEnv.toString());

    assertThat(Peers.load(env, work, home).names()).containsExactly("fromenv");
    assertThat(Peers.load(env, work, home).source()).contains(fromEnv);
    assertThat(Peers.load(Map.of(), work, home).names()).containsExactly("fromwork");
    assertThat(Peers.load(Map.of(), tmp.resolve("empty"), home).names()).containsExactly("fromhome");
  }

  @Test
  void anEnvVarNamingAMissingFileIsAnErrorRatherThanAnotherFile() {
    Fixtures.write(work.resolve("peers.json"), onePeer("fromwork"));

    assertThatThrownBy(() -> Peers.load(Map.of("FERRY_PEERS", tmp.resolve("nope.json").toString()), work, home))
        .isInstanceOf(PeersException.class)
        .hasMessageContaining("$FERRY_PEERS")
        .hasMessageContaining("nope.json")
        .hasMessageContaining("does not exist");
  }

  @Test
  void noFileAnywhereGivesAnEmptyDirectoryWithoutSource() throws PeersException {
    assumeFalse(Files.exists(Path.of("/etc/ferry/peers.json")), "this machine has /etc/ferry/peers.json");

    Peers peers = Peers.load(Map.of(), work, home);

    assertThat(peers.isEmpty()).isTrue();
    assertThat(peers.size()).isZero();
    assertThat(peers.source()).isEmpty();
  }

  @Test
  void aBadFirstFileIsAnErrorNotSkipped() {
    Fixtures.write(work.resolve("peers.json"), "{ nope");
    Fixtures.write(home.resolve(".ferry/peers.json"), onePeer("fromhome"));

    assertThatThrownBy(() -> Peers.load(Map.of(), work, home))
        .isInstanceOf(PeersException.class)
        .hasMessageContaining(work.resolve("peers.json") + ":1:")
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void loadFromReadsEveryField() throws PeersException {
    Path file = Fixtures.write(tmp.resolve("peers.json"), Fixtures.TWO_PEERS);

    Peers peers = Peers.loadFrom(file);

    assertThat(peers.source()).contains(file.toAbsolutePath());
    assertThat(peers.names()).containsExactly("alpha", "bravo");
    assertThat(peers.info().get("num_replicas").asInt()).isEqualTo(2);
    Peer alpha = peers.get("alpha").orElseThrow();
    assertThat(alpha.pid()).isEqualTo(1);
    assertThat(alpha.description()).isEqualTo("first");
    assertThat(alpha.hostname()).isEqualTo("apollo");
    assertThat(alpha.ipAddress()).isEqualTo("10.0.0.1");
    assertThat(alpha.domain()).isEqualTo("example.com");
    assertThat(alpha.port()).isEqualTo(9096);
    assertThat(alpha.apiPort()).isEqualTo(OptionalInt.of(9094));
    assertThat(alpha.proxyPort()).isEqualTo(OptionalInt.of(9095));
    assertThat(alpha.membershipPort()).isEqualTo(OptionalInt.of(5701));
    assertThat(alpha.extra()).containsOnlyKeys("voter", "tags");
    Peer bravo = peers.get("bravo").orElseThrow();
    assertThat(bravo.description()).isEmpty();
    assertThat(bravo.domain()).isEmpty();
    assertThat(bravo.apiPort()).isEmpty();
    assertThat(bravo.extra()).isEmpty();
  }

  @Test
  void loadFromAMissingFileIsAnError() {
    Path missing = tmp.resolve("missing.json");

    assertThatThrownBy(() -> Peers.loadFrom(missing))
        .isInstanceOf(PeersException.class)
        .hasMessage(missing + ": no such file");
  }

  @Test
  void loadFromADirectoryIsAnError() {
    assertThatThrownBy(() -> Peers.loadFrom(work)).hasMessage(work + ": is a directory");
  }

  @Test
  void loadFromAnUnreadableFileIsAnError() throws Exception {
    Path file = Fixtures.write(tmp.resolve("secret.json"), onePeer("a"));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("-w-------"));
    assumeFalse(Files.isReadable(file), "running as root: permissions do not stop reads");

    assertThatThrownBy(() -> Peers.loadFrom(file)).hasMessage(file + ": cannot read: permission denied");
  }

  @Test
  void loadFromRejectsBytesThatAreNotUtf8WithALocation() throws Exception {
    Path file = tmp.resolve("latin1.json");
    Files.write(file, "{\"replicas\": [], \"x\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));

    assertThatThrownBy(() -> Peers.loadFrom(file))
        .hasMessageStartingWith(file + ":1:")
        .hasMessageContaining("malformed JSON: Invalid UTF-8");
  }

  @Test
  void parseNamesItsSourceAndHasNoFile() throws PeersException {
    Peers peers = Peers.parse(Fixtures.TWO_PEERS, "https://example.com/peers.json");

    assertThat(peers.source()).isEmpty();
    assertThat(peers.size()).isEqualTo(2);
  }

  @Test
  void defaultPathIsTheEnvVarElseHome() {
    assertThat(Peers.defaultPath(Map.of("FERRY_PEERS", "/srv/p.json"), home)).isEqualTo(Path.of("/srv/p.json"));
    assertThat(Peers.defaultPath(Map.of(), home)).isEqualTo(home.resolve(".ferry/peers.json"));
    assertThat(Peers.defaultPath(Map.of("FERRY_PEERS", ""), home)).isEqualTo(home.resolve(".ferry/peers.json"));
  }

  @Test
  void loadWithoutArgumentsUsesTheProcessEnvironment() throws PeersException {
    // Only checkable where no real peers file is around; elsewhere the overload tests cover it.
    Map<String, String> env = System.getenv();
    assumeTrue(Peers.searchPath(env, Peers.workingDir(), Peers.homeDir()).stream().noneMatch(Files::exists));

    assertThat(Peers.load().isEmpty()).isTrue();
  }
}
