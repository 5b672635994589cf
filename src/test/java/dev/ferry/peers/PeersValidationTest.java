package dev.ferry.peers;

import static dev.ferry.peers.Fixtures.withBravo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad peers.json is rejected whole, with the source and the place named. */
class PeersValidationTest {

  static Stream<Arguments> badDocuments() {
    return Stream.of(
        Arguments.of("[]", "peers.json: expected a JSON object at the top level, got an array"),
        Arguments.of("42", "peers.json: expected a JSON object at the top level, got 42"),
        Arguments.of("", "peers.json: empty document"),
        Arguments.of("{}", "peers.json: replicas: missing (required)"),
        Arguments.of("{\"replicas\": {}}", "peers.json: replicas: expected an array, got an object"),
        Arguments.of("{\"replicas\": [], \"info\": 3}", "peers.json: info: expected an object, got 3"),
        Arguments.of("{\"replicas\": [7]}", "peers.json: replicas[0]: expected an object, got 7"),
        Arguments.of(withBravo("pid", "\"abc\""),
            "peers.json: replicas[1].pid: expected an integer, got \"abc\""),
        Arguments.of(withBravo("pid", "1.5"), "peers.json: replicas[1].pid: expected an integer, got 1.5"),
        Arguments.of(withBravo("pid", null), "peers.json: replicas[1].pid: missing (required)"),
        Arguments.of(withBravo("pid", "-1"), "peers.json: replicas[1].pid: must be >= 0, got -1"),
        Arguments.of(withBravo("pid", "99999999999"),
            "peers.json: replicas[1].pid: integer out of range, got 99999999999"),
        Arguments.of(withBravo("name", null), "peers.json: replicas[1].name: missing (required)"),
        Arguments.of(withBravo("name", "\"  \""), "peers.json: replicas[1].name: must not be blank"),
        Arguments.of(withBravo("name", "7"), "peers.json: replicas[1].name: expected a string, got 7"),
        Arguments.of(withBravo("name", "\"bra.vo\""),
            "peers.json: replicas[1].name: \"bra.vo\" is not a valid name: use only letters, digits,"
                + " '_' and '-' (names are part of event-bus addresses, so no dots or spaces)"),
        Arguments.of(withBravo("name", "\"bra vo\""), "replicas[1].name: \"bra vo\" is not a valid name"),
        Arguments.of(withBravo("name", "\"alpha\""),
            "peers.json: replicas[1].name: duplicate name \"alpha\" (also replicas[0])"),
        Arguments.of(withBravo("pid", "1"), "peers.json: replicas[1].pid: duplicate pid 1 (also replicas[0])"),
        Arguments.of(withBravo("port", null), "peers.json: replicas[1].port: missing (required)"),
        Arguments.of(withBravo("port", "0"), "peers.json: replicas[1].port: must be between 1 and 65535, got 0"),
        Arguments.of(withBravo("port", "65536"), "replicas[1].port: must be between 1 and 65535, got 65536"),
        Arguments.of(withBravo("port", "\"9096\""), "replicas[1].port: expected an integer, got \"9096\""),
        Arguments.of(withBravo("api_port", "0"), "replicas[1].api_port: must be between 1 and 65535, got 0"),
        Arguments.of(withBravo("proxy_port", "70000"),
            "replicas[1].proxy_port: must be between 1 and 65535, got 70000"),
        Arguments.of(withBravo("membership_port", "-5"),
            "replicas[1].membership_port: must be between 1 and 65535, got -5"),
        Arguments.of(withBravo("membership_port", "true"),
            "replicas[1].membership_port: expected an integer, got true"),
        Arguments.of(withBravo("hostname", "[]"), "replicas[1].hostname: expected a string, got an array"),
        Arguments.of(withBravo("hostname", null),
            "replicas[1].hostname: a replica needs a hostname or an ip_address"),
        Arguments.of(withBravo("ip_address", "{}"), "replicas[1].ip_address: expected a string, got an object"),
        Arguments.of(withBravo("domain", "1"), "replicas[1].domain: expected a string, got 1"),
        Arguments.of(withBravo("description", "false"), "replicas[1].description: expected a string, got false"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badDocuments")
  void badContentIsRejectedWithTheSourceAndPlaceNamed(String json, String expected) {
    assertThatThrownBy(() -> Peers.parse(json, "peers.json"))
        .isInstanceOf(PeersException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void malformedJsonNamesLineAndColumn() {
    // line 3 is `    {"pid": 1,, ...`: four spaces and `{"pid": 1,` fill columns 1-14
    String json = "{\n  \"replicas\": [\n    {\"pid\": 1,, \"name\": \"alpha\"}\n  ]\n}\n";

    assertThatThrownBy(() -> Peers.parse(json, "peers.json"))
        .isInstanceOf(PeersException.class)
        .hasMessageStartingWith("peers.json:3:15: malformed JSON: Unexpected character (',' (code 44))");
  }

  @Test
  void aRepeatedKeyIsMalformedRatherThanSilentlyLastWins() {
    String json = "{\"replicas\": [{\"pid\": 1, \"pid\": 2, \"name\": \"a\", \"hostname\": \"h\", \"port\": 1}]}";

    assertThatThrownBy(() -> Peers.parse(json, "peers.json"))
        .hasMessageStartingWith("peers.json:1:")
        .hasMessageContaining("malformed JSON: Duplicate field 'pid'");
  }

  @Test
  void trailingGarbageIsMalformed() {
    assertThatThrownBy(() -> Peers.parse("{\"replicas\": []} x", "peers.json"))
        .hasMessageContaining("peers.json:1:")
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void everyProblemIsReportedAndNothingIsHalfLoaded() {
    String json = """
        {"replicas": [
          {"pid": "one", "name": "alpha", "hostname": "h", "port": 1},
          {"pid": 2, "name": "b.c", "hostname": "h", "port": 0}
        ]}
        """;

    assertThatThrownBy(() -> Peers.parse(json, "peers.json"))
        .isInstanceOf(PeersException.class)
        .hasMessage(String.join("\n",
            "peers.json: replicas[0].pid: expected an integer, got \"one\"",
            "peers.json: replicas[1].name: \"b.c\" is not a valid name: use only letters, digits, '_'"
                + " and '-' (names are part of event-bus addresses, so no dots or spaces)",
            "peers.json: replicas[1].port: must be between 1 and 65535, got 0"));
  }

  @Test
  void loadFromNamesTheFileInContentErrors(@TempDir Path dir) {
    Path file = Fixtures.write(dir.resolve("peers.json"), withBravo("pid", "\"abc\""));

    assertThatThrownBy(() -> Peers.loadFrom(file))
        .hasMessage(file + ": replicas[1].pid: expected an integer, got \"abc\"");
  }

  @Test
  void loadFromNamesTheFileLineAndColumnOfMalformedJson(@TempDir Path dir) {
    Path file = Fixtures.write(dir.resolve("peers.json"), "{\n  \"replicas\": [\n    {\"pid\": 1 \"name\": \"a\"}]}");

    assertThatThrownBy(() -> Peers.loadFrom(file))
        .hasMessageStartingWith(file + ":3:15: malformed JSON: Unexpected character ('\"' (code 34))");
  }

  @Test
  void nullOptionalFieldsCountAsAbsent() throws PeersException {
    Peers peers = Peers.parse(
        withBravo("ip_address", "null").replace("\"port\": 9196", "\"port\": 9196, \"api_port\": null"),
        "peers.json");

    assertThat(peers.get("bravo").orElseThrow().ipAddress()).isEmpty();
    assertThat(peers.get("bravo").orElseThrow().apiPort()).isEmpty();
  }

  @Test
  void anEmptyReplicaListIsAValidEmptyDirectory() throws PeersException {
    Peers peers = Peers.parse("{\"info\": null, \"replicas\": []}", "peers.json");

    assertThat(peers.isEmpty()).isTrue();
    assertThat(peers.info().isObject()).isTrue();
  }
}
