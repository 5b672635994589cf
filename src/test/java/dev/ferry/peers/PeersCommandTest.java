package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The peers CLI through picocli, with output, errors and exit codes captured. */
class PeersCommandTest {

  @TempDir Path tmp;
  Path work;
  Path home;
  Path peersFile;
  final Map<String, String> env = new HashMap<>();
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void setUp() throws Exception {
    work = Files.createDirectories(tmp.resolve("work"));
    home = Files.createDirectories(tmp.resolve("home"));
    peersFile = Fixtures.write(tmp.resolve("cluster/peers.json"), Fixtures.TWO_PEERS);
  }

  private int run(String... args) {
    CommandLine cli = new CommandLine(new PeersCommand(env, work, home));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void lsPrintsOneLinePerReplica() {
    int code = run("--peers", peersFile.toString(), "ls");

    assertThat(code).isZero();
    assertThat(out.toString().lines()).containsExactly(
        "alpha  pid=1    10.0.0.1:9096  host=apollo  api=9094  proxy=9095  membership=5701",
        "bravo  pid=2    10.0.0.2:9196  host=artemis.example.com");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void withoutASubcommandItLists() {
    assertThat(run("--peers", peersFile.toString())).isZero();
    assertThat(out.toString().lines()).hasSize(2);
  }

  @Test
  void lsSearchesTheStandardLocationsWithoutPeersOption() {
    Fixtures.write(work.resolve("peers.json"), Fixtures.withBravo("port", "9999"));

    assertThat(run("ls")).isZero();
    assertThat(out.toString()).contains("bravo").contains(":9999");
  }

  @Test
  void lsWithNothingFoundSaysWhereItLooked() {
    assumeFalse(Files.exists(Path.of("/etc/ferry/peers.json")), "this machine has /etc/ferry/peers.json");

    assertThat(run("ls")).isZero();
    assertThat(out.toString().strip()).isEqualTo("no peers (searched: " + work.resolve("peers.json") + ", "
        + home.resolve(".ferry/peers.json") + ", /etc/ferry/peers.json)");
  }

  @Test
  void lsOfAFileWithoutReplicasSaysWhichFile() {
    Path empty = Fixtures.write(tmp.resolve("empty.json"), "{\"replicas\": []}");

    assertThat(run("--peers", empty.toString(), "ls")).isZero();
    assertThat(out.toString().strip()).isEqualTo("no peers in " + empty);
  }

  @Test
  void showPrintsTheReplicaAsJson() throws Exception {
    assertThat(run("--peers", peersFile.toString(), "show", "bravo")).isZero();

    assertThat(new ObjectMapper().readTree(out.toString()).toString())
        .isEqualTo("{\"pid\":2,\"name\":\"bravo\",\"hostname\":\"artemis.example.com\","
            + "\"ip_address\":\"10.0.0.2\",\"port\":9196}");
    assertThat(out.toString()).contains("\n  \"name\" : \"bravo\"");
  }

  @Test
  void showOfAnUnknownNameFailsListingTheKnownOnes() {
    assertThat(run("--peers", peersFile.toString(), "show", "x")).isEqualTo(1);

    assertThat(err.toString().strip()).isEqualTo("no peer named 'x' (known: alpha, bravo)");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void dumpWritesTheLoadedPeersToAFile() throws Exception {
    Path target = tmp.resolve("copy/peers.json");

    assertThat(run("--peers", peersFile.toString(), "dump", target.toString())).isZero();

    assertThat(Peers.loadFrom(target).names()).containsExactly("alpha", "bravo");
    assertThat(Peers.loadFrom(target).toJson()).isEqualTo(Peers.loadFrom(peersFile).toJson());
    assertThat(out.toString().strip()).isEqualTo("wrote 2 replicas to " + target);
  }

  @Test
  void aRelativeFileIsRelativeToTheWorkingDirectory() throws Exception {
    assertThat(run("--peers", peersFile.toString(), "dump", "out.json")).isZero();

    assertThat(Files.exists(work.resolve("out.json"))).isTrue();
  }

  @Test
  void aBadPeersFileIsOneLineOnStderrAndExitCodeOne() {
    Path bad = Fixtures.write(tmp.resolve("bad.json"), Fixtures.withBravo("pid", "\"abc\""));

    assertThat(run("--peers", bad.toString(), "ls")).isEqualTo(1);

    assertThat(err.toString().strip()).isEqualTo(bad + ": replicas[1].pid: expected an integer, got \"abc\"");
  }

  @Test
  void aMissingPeersFileIsAnError() {
    assertThat(run("--peers", tmp.resolve("nope.json").toString(), "show", "a")).isEqualTo(1);
    assertThat(err.toString().strip()).isEqualTo(tmp.resolve("nope.json") + ": no such file");
  }

  @Test
  void syncPrintsTheCountAndSavesToTheGivenFile() throws Exception {
    Path target = tmp.resolve("synced.json");
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      int code = run("sync", "--url", server.url().toString(), "--api-key", "k", "--save", target.toString());

      assertThat(code).isZero();
      assertThat(server.apiKeys).containsExactly("k");
      assertThat(out.toString().lines())
          .containsExactly("synced 2 replicas from " + server.url(), "saved to " + target);
    }
    assertThat(Peers.loadFrom(target).size()).isEqualTo(2);
  }

  @Test
  void syncWithoutOptionsUsesTheEnvironmentAndSavesToTheDefaultPath() throws Exception {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      env.put("FERRY_PEERS_SYNC_URL", server.url().toString());
      env.put("FERRY_PEERS_SYNC_APIKEY", "from-env");

      assertThat(run("sync", "--save")).isZero();

      assertThat(server.apiKeys).containsExactly("from-env");
    }
    assertThat(Peers.loadFrom(home.resolve(".ferry/peers.json")).size()).isEqualTo(2);
  }

  @Test
  void syncSaveWithoutFileUsesFerryPeersWhenSet() throws Exception {
    Path target = tmp.resolve("env-target.json");
    env.put("FERRY_PEERS", target.toString());
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      assertThat(run("sync", "--url", server.url().toString(), "--save")).isZero();
    }
    assertThat(Files.exists(target)).isTrue();
    assertThat(Files.exists(home.resolve(".ferry/peers.json"))).isFalse();
  }

  @Test
  void syncWithoutSaveWritesNothing() {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      assertThat(run("sync", "--url", server.url().toString())).isZero();
    }
    assertThat(out.toString().lines()).hasSize(1);
    assertThat(Files.exists(home.resolve(".ferry/peers.json"))).isFalse();
  }

  @Test
  void syncWithoutAUrlAnywhereNamesTheVariable() {
    assertThat(run("sync")).isEqualTo(1);
    assertThat(err.toString().strip()).isEqualTo("no URL to sync from: give --url or set FERRY_PEERS_SYNC_URL");
  }

  @Test
  void aFailedSyncIsExitCodeOneWithTheStatus() {
    try (SyncServer server = SyncServer.answering(500, "")) {
      assertThat(run("sync", "--url", server.url().toString())).isEqualTo(1);
      assertThat(err.toString().strip()).isEqualTo("sync from " + server.url() + ": HTTP 500 (expected 200)");
    }
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(run("show")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required parameter: 'NAME'");
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(run("dump")).isEqualTo(2);
    assertThat(run("sync", "--url", "http://bad host/")).isEqualTo(2);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] args : new String[][] {{"--help"}, {"ls", "--help"}, {"show", "--help"},
        {"dump", "--help"}, {"sync", "--help"}}) {
      assertThat(run(args)).as(String.join(" ", args)).isZero();
    }
    assertThat(out.toString()).contains("Usage: peers [-hV] [--peers=FILE]", "Usage: peers sync",
        "--save[=FILE]", "--api-key=KEY");
  }

  @Command(name = "ferry", subcommands = CommandLine.HelpCommand.class)
  static final class Root {}

  @Test
  void worksAsASubcommandOfTheNodesCommandLine() {
    CommandLine cli = new CommandLine(new Root()).addSubcommand(new PeersCommand(env, work, home));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("peers", "--peers", peersFile.toString(), "show", "nope");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString().strip()).isEqualTo("no peer named 'nope' (known: alpha, bravo)");
  }
}
