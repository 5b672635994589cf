package dev.ferry.circuit.filesync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.Fragment;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.circuit.PeerRef;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The filesync showcase between two nodes: copies, resumes, checksums, and a file root nothing escapes. */
@Timeout(180)
class FileSyncTest {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final int MIB = 1024 * 1024;
  private static TestCluster.JvmCluster cluster;
  private static Node one;
  private static Node two;
  private static Path root;
  @TempDir Path local;

  @BeforeAll
  static void startTwoNodes() {
    cluster = TestCluster.inJvm(2);
    one = cluster.node(1);
    two = cluster.node(2);
    root = cluster.dataDir(2).resolve("files");
    Eventually.await("two members", DEADLINE, () -> one.members().isUp("node2"));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void copiesFilesAndDirectoriesWithIdenticalContent() throws IOException {
    Path empty = write(local.resolve("empty.bin"), 0, 1);
    Path big = write(local.resolve("big.bin"), 5 * MIB + 123, 2);
    Path tree = Files.createDirectories(local.resolve("tree/sub"));
    write(tree.resolve("leaf.txt"), 4000, 3);

    FileCopy.Result result = copy(FileCopy.sources(List.of(empty, big, local.resolve("tree")), "inbox"));

    assertThat(result.failed()).isEmpty();
    assertThat(result.copied()).containsExactlyInAnyOrder("inbox/empty.bin", "inbox/big.bin", "inbox/tree/sub/leaf.txt");
    assertThat(Files.readAllBytes(root.resolve("inbox/big.bin"))).isEqualTo(Files.readAllBytes(big));
    assertThat(Files.size(root.resolve("inbox/empty.bin"))).isZero();
    assertThat(Files.readAllBytes(root.resolve("inbox/tree/sub/leaf.txt"))).isEqualTo(Files.readAllBytes(tree.resolve("leaf.txt")));
    assertThat(partials(root.resolve("inbox"))).isEmpty();
    Eventually.await("the copy's circuits to close", DEADLINE,
        () -> Circuits.of(one.vertx()).openCircuits() == 0 && Circuits.of(two.vertx()).openCircuits() == 0);
  }

  @Test
  void aFileWhoseCircuitBreaksIsResumedNotStartedOver() throws IOException {
    Path big = write(local.resolve("resume.bin"), 32 * MIB, 4);
    AtomicBoolean broken = new AtomicBoolean();
    FileCopy copy = prepare(FileCopy.sources(List.of(big), "resume"));
    copy.progress().listen((source, bytes) -> {
      // break the transfer once the receiver has some of it: stop the receiving peer
      if (bytes >= MIB && broken.compareAndSet(false, true)) {
        Circuits.of(two.vertx()).localPeers().stream().filter(p -> p.service().equals(FileSyncService.NAME))
            .forEach(p -> p.close("broken on purpose"));
      }
    });

    FileCopy.Result result = await(copy.run());

    assertThat(broken).isTrue();
    assertThat(result.failed()).isEmpty();
    assertThat(result.resumed()).containsKey("resume/resume.bin");
    assertThat(result.resumed().get("resume/resume.bin")).isBetween((long) MIB, 32L * MIB - 1);
    // sent twice: at most what was under way when it broke (a window, a write queue, and a few
    // fragments: one being written, one over the credit, one being read from the file)
    var circuit = Circuits.of(one.vertx()).config();
    long inFlightBound = circuit.windowBytes() + circuit.writeQueueMaxBytes()
        + 3L * FileSyncConfig.from(one.config()).fragmentBytes();
    assertThat(result.sentBytes()).isLessThanOrEqualTo(32L * MIB + inFlightBound);
    assertThat(Files.readAllBytes(root.resolve("resume/resume.bin"))).isEqualTo(Files.readAllBytes(big));
  }

  @Test
  void pathsThatEscapeTheRootAreRefusedAndNothingIsWrittenOutside() throws IOException {
    Path file = write(local.resolve("x.bin"), 1000, 5);
    Path outside = Files.createDirectories(cluster.dataDir(2).resolve("outside"));
    Files.createDirectories(root.resolve("links"));
    Files.createSymbolicLink(root.resolve("links/out"), outside);

    for (String dir : List.of("../outside", "links/out", "a/../../outside")) {
      FileCopy.Result result = copy(FileCopy.sources(List.of(file), dir));
      assertThat(result.copied()).as(dir).isEmpty();
      assertThat(result.failed().values()).as(dir).singleElement().asString().startsWith("bad-request: ");
    }
    FileCopy.Result absolute = copy(List.of(new FileCopy.Source(file, "/tmp/x.bin", 1000)));
    assertThat(absolute.failed().values()).singleElement().asString().contains("is absolute");
    try (var listing = Files.list(outside)) {
      assertThat(listing.toList()).isEmpty();
    }
  }

  @Test
  void aBrokenTransferNeverReplacesTheCompleteFileAndResumesLater() throws IOException {
    Path target = Files.createDirectories(root.resolve("keep")).resolve("doc.bin");
    Files.write(target, "the complete old version".getBytes());
    Path fresh = write(local.resolve("doc.bin"), 3 * MIB, 6);
    byte[] content = Files.readAllBytes(fresh);

    // a sender that offers the new version, sends its first MiB, and breaks off
    LocalPeer me = await(Circuits.of(one.vertx()).startLocalPeer(FileSyncService.NAME));
    PeerRef there = await(Circuits.of(one.vertx()).startRemotePeer(FileSyncService.NAME, "node2"));
    Circuit c = await(me.newCircuitToPeer(there, offer("keep/doc.bin", fresh)));
    List<Fragment> replies = new CopyOnWriteArrayList<>();
    c.reads().handler(replies::add);
    Eventually.await("accept", DEADLINE, () -> !replies.isEmpty());
    assertThat(replies.get(0).op()).isEqualTo(FileSyncProtocol.ACCEPT);
    assertThat(replies.get(0).part()).isZero();
    c.send(data(content, 0, MIB));
    Eventually.await("the first MiB acknowledged", DEADLINE, () -> replies.stream().anyMatch(f -> f.op() == FileSyncProtocol.ACK));
    await(c.close("network trouble"));

    assertThat(Files.readString(target)).isEqualTo("the complete old version");
    assertThat(partials(target.getParent())).isNotEmpty();

    FileCopy.Result result = copy(FileCopy.sources(List.of(fresh), "keep"));
    assertThat(result.failed()).isEmpty();
    assertThat(result.resumed()).containsEntry("keep/doc.bin", (long) MIB);
    assertThat(Files.readAllBytes(target)).isEqualTo(content);
    assertThat(partials(target.getParent())).isEmpty();
    await(me.close("test over"));
  }

  @Test
  void checksumsAreVerifiedPerFragmentAndPerFile() throws IOException {
    Path fresh = write(local.resolve("sum.bin"), 2 * MIB, 7);
    byte[] content = Files.readAllBytes(fresh);
    LocalPeer me = await(Circuits.of(one.vertx()).startLocalPeer(FileSyncService.NAME));
    PeerRef there = await(Circuits.of(one.vertx()).startRemotePeer(FileSyncService.NAME, "node2"));

    Circuit corrupt = await(me.newCircuitToPeer(there, offer("sums/sum.bin", fresh)));
    List<Fragment> errors = new CopyOnWriteArrayList<>();
    corrupt.errors().handler(errors::add);
    corrupt.send(data(content, 0, MIB).withArg(FileSyncProtocol.CRC, "0"));
    assertThat(await(corrupt.closed())).startsWith("checksum: ");
    Eventually.await("the error fragment", DEADLINE, () -> !errors.isEmpty());
    assertThat(errors.get(0).err()).contains("does not match its CRC32C");

    Circuit wrongSum = await(me.newCircuitToPeer(there, offer("sums/sum.bin", fresh)));
    wrongSum.send(data(content, 0, MIB));
    wrongSum.send(data(content, MIB, MIB));
    wrongSum.send(Fragment.of(FileSyncProtocol.DONE).withArg(FileSyncProtocol.SHA256, "00").withArg(FileSyncProtocol.SIZE, Long.toString(content.length)));
    assertThat(await(wrongSum.closed())).startsWith("checksum: ").contains("does not match the sent one");
    assertThat(root.resolve("sums/sum.bin")).doesNotExist();
    assertThat(partials(root.resolve("sums"))).isEmpty();
    await(me.close("test over"));
  }

  // ---- helpers ----

  private static FileCopy prepare(List<FileCopy.Source> sources) {
    Circuits circuits = Circuits.of(one.vertx());
    LocalPeer me = await(circuits.startLocalPeer(FileSyncService.NAME));
    FileSyncConfig config = FileSyncConfig.from(one.config());
    return FileCopy.of(circuits, me, "node2", sources, config);
  }

  private static FileCopy.Result copy(List<FileCopy.Source> sources) {
    FileCopy copy = prepare(sources);
    return await(copy.run());
  }

  private static Fragment offer(String path, Path file) throws IOException {
    return Fragment.of(FileSyncProtocol.OFFER).withArg(FileSyncProtocol.PATH, path).withArg(FileSyncProtocol.SIZE, Long.toString(Files.size(file)))
        .withArg(FileSyncProtocol.MTIME, Long.toString(Files.getLastModifiedTime(file).toMillis()));
  }

  private static Fragment data(byte[] content, int offset, int length) {
    byte[] part = Arrays.copyOfRange(content, offset, offset + length);
    return Fragment.of(FileSyncProtocol.DATA, Buffer.buffer(part)).withPart(offset).withArg(FileSyncProtocol.CRC, FileSyncProtocol.crc32c(part));
  }

  private static Path write(Path file, int size, int seed) throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return Files.write(file, bytes);
  }

  private static List<Path> partials(Path dir) throws IOException {
    try (var listing = Files.list(dir)) {
      return listing.filter(p -> p.getFileName().toString().contains(".ferry-part")).toList();
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + DEADLINE.toSeconds() + " s", e);
    }
  }

}
