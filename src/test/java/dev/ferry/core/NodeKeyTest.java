package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.peers.KeyMessage;
import dev.ferry.peers.PeerId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node key: its file in the data dir, and the peer ID derived from it, checked against
 * js-libp2p itself (the copy installed for js-ipfs under tools/ipfs, by bin/test).
 */
class NodeKeyTest {
  /** A key js-libp2p 0.45 ({@code @libp2p/crypto} 1.0.17) generated, and the peer ID it gave it. */
  private static final String JS_KEY = "08011240de561e52c71251819b47a6778e6e2da12f7534b67ee2b2a1497173f06ecb8ddd"
      + "271b0106f781f739d92deb386e20759b52865ec7d53041439e8c906b8677506b";
  private static final String JS_PEER_ID = "12D3KooWCT1x98QjeqtmcJAaAhwCmo8Xcj1YEAVZfKBQx81VW9DC";
  private static final Path SCRIPT = Path.of("src", "test", "js", "libp2p-peer-id.mjs");
  private static final Path LIBP2P = Path.of("tools", "ipfs", "node_modules", "@libp2p", "peer-id-factory");

  @TempDir Path dir;

  @Test
  void theKeyIsCreatedAtFirstStartOwnerOnlyAndTheSameAtTheNext() throws IOException {
    NodeKey first = NodeKey.loadOrCreate(dir);
    Path file = dir.resolve(NodeKey.FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readAllBytes(file)).isEqualTo(first.toLibp2p());
    assertThat(first.peerId().toString()).startsWith("12D3KooW");
    assertThat(NodeKey.loadOrCreate(dir).peerId()).isEqualTo(first.peerId());
    assertThat(NodeKey.loadOrCreate(Files.createDirectory(dir.resolve("other"))).peerId())
        .isNotEqualTo(first.peerId());
  }

  @Test
  void thePeerIdIsTheOneLibp2pDerives() {
    NodeKey key = NodeKey.fromLibp2p(HexFormat.of().parseHex(JS_KEY));
    assertThat(key.peerId().toString()).isEqualTo(JS_PEER_ID);
    assertThat(PeerId.parse(JS_PEER_ID)).isEqualTo(key.peerId());
    assertThat(HexFormat.of().formatHex(key.toLibp2p())).isEqualTo(JS_KEY);
  }

  @Test
  void js_libp2pDerivesTheSamePeerIdsFromFerrysKeys() throws Exception {
    List<NodeKey> keys = IntStream.range(0, 20).mapToObj(i -> NodeKey.generate()).toList();
    List<String> hex = keys.stream().map(k -> HexFormat.of().formatHex(k.toLibp2p())).toList();
    assertThat(node(hex.toArray(String[]::new)))
        .containsExactlyElementsOf(keys.stream().map(k -> k.peerId().toString()).toList());
  }

  @Test
  void ferryReadsJs_libp2psKeysToTheSamePeerIds() throws Exception {
    for (int i = 0; i < 5; i++) {
      String[] generated = node("--generate").get(0).split(" ");
      Files.write(dir.resolve(NodeKey.FILE), HexFormat.of().parseHex(generated[0]));
      Files.setPosixFilePermissions(dir.resolve(NodeKey.FILE), PosixFilePermissions.fromString("rw-------"));
      assertThat(NodeKey.loadOrCreate(dir).peerId().toString()).isEqualTo(generated[1]);
    }
  }

  @Test
  void aKeyFileOthersCanReadIsRefusedSayingHowToFixIt() throws IOException {
    NodeKey.loadOrCreate(dir);
    Path file = dir.resolve(NodeKey.FILE);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> NodeKey.loadOrCreate(dir)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("rw-r--r--")
        .hasMessageContaining("chmod 600 " + file);
  }

  @Test
  void aCorruptKeyFileIsRefusedSayingWhatToDo() throws IOException {
    Path file = dir.resolve(NodeKey.FILE);
    byte[] good = NodeKey.generate().toLibp2p();
    for (byte[] bad : List.of(new byte[0], "not a key".getBytes(StandardCharsets.US_ASCII),
        Arrays.copyOf(good, good.length - 1), new KeyMessage(0, new byte[64]).encode())) {
      Files.write(file, bad);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      assertThatThrownBy(() -> NodeKey.loadOrCreate(dir)).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(file + ": not a libp2p Ed25519 private key (")
          .hasMessageContaining("Restore the file from a backup").hasMessageContaining("delete it");
    }
    Files.write(file, new KeyMessage(0, new byte[64]).encode());
    assertThatThrownBy(() -> NodeKey.loadOrCreate(dir)).hasMessageContaining("it holds a RSA key; a ferry node key "
        + "is Ed25519");
  }

  @Test
  void aPublicKeyThatIsNotThePrivateKeysIsRefused() {
    byte[] data = KeyMessage.decode(NodeKey.generate().toLibp2p()).data();
    byte[] other = KeyMessage.decode(NodeKey.generate().toLibp2p()).data();
    System.arraycopy(other, 32, data, 32, 32);
    assertThatThrownBy(() -> NodeKey.fromLibp2p(new KeyMessage(KeyMessage.ED25519, data).encode()))
        .hasMessageContaining("its public key is not the public key of its private key");
  }

  @Test
  void theOlder96ByteFormIsReadWhenItsTwoPublicKeysAgree() {
    NodeKey key = NodeKey.generate();
    byte[] data = KeyMessage.decode(key.toLibp2p()).data();
    byte[] legacy = Arrays.copyOf(data, 96);
    System.arraycopy(data, 32, legacy, 64, 32);
    assertThat(NodeKey.fromLibp2p(new KeyMessage(KeyMessage.ED25519, legacy).encode()).peerId())
        .isEqualTo(key.peerId());
    legacy[95] ^= 1;
    assertThatThrownBy(() -> NodeKey.fromLibp2p(new KeyMessage(KeyMessage.ED25519, legacy).encode()))
        .hasMessageContaining("the two copies of the public key");
  }

  @Test
  void aKeyFileThatCannotBeReadIsRefusedNamingIt() throws IOException {
    Path file = Files.createDirectory(dir.resolve(NodeKey.FILE));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    assertThatThrownBy(() -> NodeKey.loadOrCreate(dir)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ": the node key cannot be read");
  }

  /** Runs the js-libp2p script; its output lines. */
  private static List<String> node(String... args) throws IOException, InterruptedException {
    if (!Files.isDirectory(LIBP2P)) {
      throw new IllegalStateException(LIBP2P + " is missing: run bin/test (it installs js-ipfs, and js-libp2p "
          + "with it, under tools/ipfs)");
    }
    List<String> command = new ArrayList<>(List.of("node", SCRIPT.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> lines = new ArrayList<>();
    try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      out.lines().forEach(lines::add);
    }
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("node " + SCRIPT + " finished").isTrue();
    assertThat(process.exitValue()).as("node " + SCRIPT + " exit code").isZero();
    return lines;
  }
}
