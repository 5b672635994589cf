package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing peers.json: where, how atomically, and that nothing read is lost. */
class PeersDumpTest {

  @TempDir Path dir;

  private static List<String> filesIn(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void unknownFieldsRoundTripAtEveryLevel() throws Exception {
    Path in = Fixtures.write(dir.resolve("in.json"), Fixtures.TWO_PEERS);
    Path out = dir.resolve("out.json");

    Peers.loadFrom(in).dump(out);

    ObjectMapper mapper = new ObjectMapper();
    JsonNode expected = mapper.readTree(Fixtures.TWO_PEERS);
    JsonNode written = mapper.readTree(out.toFile());
    assertThat(written).isEqualTo(expected);
    assertThat(written.get("generated_by").asText()).isEqualTo("hand");
    assertThat(written.at("/info/owner/team").asText()).isEqualTo("ops");
    assertThat(written.at("/replicas/0/voter").asBoolean(true)).isFalse();
  }

  @Test
  void dumpIsPrettyPrintedAndReloadsToTheSameDirectory() throws Exception {
    Peers peers = Peers.parse(Fixtures.TWO_PEERS, "x");
    Path out = dir.resolve("peers.json");

    peers.dump(out);

    String text = Files.readString(out);
    assertThat(text).startsWith("{\n  \"info\" : {").endsWith("}\n");
    Peers again = Peers.loadFrom(out);
    assertThat(again.replicas()).isEqualTo(peers.replicas());
    assertThat(again.info()).isEqualTo(peers.info());
  }

  @Test
  void nullOrEmptyPathDumpsToTheSourceFile() throws Exception {
    Path file = Fixtures.write(dir.resolve("peers.json"), "{\"replicas\": [{\"pid\": 1, \"name\": \"a\", \"ip_address\": \"10.0.0.1\", \"port\": 1}]}");
    Peers peers = Peers.loadFrom(file);

    peers.dump(null);
    assertThat(Files.readString(file)).contains("\"info\" : { }").contains("\"name\" : \"a\"");

    Files.writeString(file, "overwritten");
    peers.dump(Path.of(""));
    assertThat(Peers.loadFrom(file).names()).containsExactly("a");
  }

  @Test
  void dumpWithoutPathOrSourceIsAnError() {
    assertThatThrownBy(() -> Peers.empty().dump(null))
        .isInstanceOf(PeersException.class)
        .hasMessageContaining("no file given and these peers were not loaded from a file");
  }

  @Test
  void dumpCreatesParentDirectories() throws Exception {
    Path out = dir.resolve("a/b/c/peers.json");

    Peers.parse(Fixtures.TWO_PEERS, "x").dump(out);

    assertThat(Peers.loadFrom(out).size()).isEqualTo(2);
  }

  @Test
  void dumpReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
    Path out = Fixtures.write(dir.resolve("peers.json"), "old contents");

    Peers.parse(Fixtures.TWO_PEERS, "x").dump(out);

    assertThat(filesIn(dir)).containsExactly("peers.json");
    assertThat(Peers.loadFrom(out).size()).isEqualTo(2);
  }

  @Test
  void aFailedDumpLeavesNoTemporaryFilesBehind() throws Exception {
    Path target = Files.createDirectories(dir.resolve("peers.json"));
    Fixtures.write(target.resolve("occupied"), "a directory cannot be replaced by a file");

    assertThatThrownBy(() -> Peers.parse(Fixtures.TWO_PEERS, "x").dump(target))
        .isInstanceOf(PeersException.class)
        .hasMessageStartingWith(target + ": cannot write: ");
    assertThat(filesIn(dir)).containsExactly("peers.json");
    assertThat(filesIn(target)).containsExactly("occupied");
  }

  @Test
  void dumpIntoAPathUnderARegularFileIsAnError() {
    Path blocker = Fixtures.write(dir.resolve("blocker"), "x");

    assertThatThrownBy(() -> Peers.empty().dump(blocker.resolve("peers.json")))
        .isInstanceOf(PeersException.class)
        .hasMessageStartingWith(blocker.resolve("peers.json") + ": cannot write: ");
  }

  @Test
  void aNewFileIsWorldReadableAndAReplacedFileKeepsItsPermissions() throws Exception {
    Path fresh = dir.resolve("fresh.json");
    Peers.empty().dump(fresh);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-r--r--");

    Path kept = Fixtures.write(dir.resolve("kept.json"), "{}");
    Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-rw----"));
    Peers.empty().dump(kept);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept))).isEqualTo("rw-rw----");
  }

  @Test
  void ofWritesAnEmptyInfoAndTheReplicas() throws Exception {
    Peer peer = Peer.builder().pid(3).name("c").hostname("h").port(7).build();
    Path out = dir.resolve("p.json");

    Peers.of(List.of(peer)).dump(out);

    assertThat(new ObjectMapper().readTree(out.toFile()).toString())
        .isEqualTo("{\"info\":{},\"replicas\":[{\"pid\":3,\"name\":\"c\",\"hostname\":\"h\",\"port\":7}]}");
  }
}
