package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.SmallDisk;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks on disk as Kubo's flatfs keeps them, checked, bounded and safe against a crash. */
class BlockStoreTest {
  private static final long UNBOUNDED = Long.MAX_VALUE;
  /** Kubo's empty directory, QmUNLLs...: UnixFS {Type: Directory} in dag-pb. */
  private static final byte[] EMPTY_DIRECTORY = HexFormat.of().parseHex("0a020801");

  @TempDir
  Path dir;

  @Test
  void aRemovedBlocksFileWrittenAgainHoldsExactlyTheNextBlock() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Random random = new Random(29);
    List<byte[]> blocks = new ArrayList<>();
    for (int size : new int[] {5000, 100, 3000, 7000, 1}) {
      byte[] block = new byte[size];
      random.nextBytes(block);
      blocks.add(block);
    }
    Cid first = rawCid(blocks.get(0));
    store.put(first, blocks.get(0));
    assertThat(store.delete(first)).isTrue();
    Path temp = dir.resolve("blocks/.temp");
    assertThat(listed(temp)).as("the removed block's file is kept to be written again").hasSize(1);

    for (int i = 1; i < blocks.size(); i++) {   // shorter, longer, then the file of a longer one for a shorter
      Cid cid = rawCid(blocks.get(i));
      store.put(cid, blocks.get(i));
      assertThat(listed(temp)).as("block %d wrote the kept file, not a new one", i).isEmpty();
      assertThat(store.get(cid)).isEqualTo(blocks.get(i));
      assertThat(Files.size(store.file(cid))).isEqualTo(blocks.get(i).length);
      assertThat(store.delete(cid)).isTrue();
    }
    assertThat(store.stat().repoSize()).isZero();

    try (Stream<Path> kept = Files.list(temp)) {
      for (Path file : kept.toList()) {
        Files.delete(file);   // removed by hand: the next put makes a new file
      }
    }
    Cid last = rawCid(blocks.get(3));
    store.put(last, blocks.get(3));
    store.sync();
    assertThat(store.get(last)).isEqualTo(blocks.get(3));
    assertThat(store.stat().numObjects()).isEqualTo(1);
  }

  @Test
  void aPutThatFailsDoesNotLeaveTheKeptFileItTookCounted() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED, new BlockStore.Writes(1, 1 << 20, 10_000));
    Random random = new Random(31);
    byte[] kept = new byte[5000];
    random.nextBytes(kept);
    store.put(rawCid(kept), kept);
    assertThat(store.delete(rawCid(kept))).isTrue();
    Path temp = dir.resolve("blocks/.temp");
    assertThat(listed(temp)).hasSize(1);

    byte[] failing = new byte[100];
    random.nextBytes(failing);
    Path shard = store.file(rawCid(failing)).getParent();
    Files.deleteIfExists(shard);
    Files.writeString(shard, "a file where the shard directory goes");
    assertThatThrownBy(() -> store.put(rawCid(failing), failing)).isInstanceOf(FerryException.class);
    Files.delete(shard);

    byte[] next = new byte[6000];   // 6000 bytes: kept only if the 5000 taken by the failed put no longer count
    random.nextBytes(next);
    store.put(rawCid(next), next);
    assertThat(store.delete(rawCid(next))).isTrue();
    assertThat(listed(temp)).as("the next removed block's file is kept (ipfs.recycle_bytes 10000)").hasSize(1);
  }

  private static Cid rawCid(byte[] block) {
    return Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block));
  }

  private static List<Path> listed(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  @Test
  void aBlockIsStoredWhereKubosFlatfsKeepsItAndReadBack() {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Cid cid = Cid.v0(HashFunction.SHA2_256.multihash(EMPTY_DIRECTORY));
    assertThat(cid).hasToString("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");

    store.put(cid, EMPTY_DIRECTORY);
    store.sync();

    assertThat(dir.resolve("blocks/X3/CIQFTFEEHEDF6KLBT32BFAGLXEZL4UWFNWM4LFTLMXQBCERZ6CMLX3Y.data"))
        .hasBinaryContent(EMPTY_DIRECTORY);
    assertThat(dir.resolve("blocks/SHARDING")).hasContent("/repo/flatfs/shard/v1/next-to-last/2");
    assertThat(store.has(cid)).isTrue();
    assertThat(store.get(cid)).isEqualTo(EMPTY_DIRECTORY);
    assertThat(store.get(cid.toV1())).as("one block whatever the CID version").isEqualTo(EMPTY_DIRECTORY);
    assertThat(store.keys()).containsExactly(Cid.v1(Cid.RAW, cid.multihash()));
    assertThat(store.stat()).isEqualTo(new BlockStore.Stat(4, UNBOUNDED, 1, dir));

    store.put(cid, EMPTY_DIRECTORY);
    assertThat(store.stat().numObjects()).as("a block put twice is stored once").isEqualTo(1);
    assertThat(store.delete(cid)).isTrue();
    assertThat(store.delete(cid)).isFalse();
    assertThat(store.stat()).isEqualTo(new BlockStore.Stat(0, UNBOUNDED, 0, dir));
    assertThatThrownBy(() -> store.get(cid)).isInstanceOf(FerryException.class)
        .hasMessageContaining("block " + cid + " is not in the block store")
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.NOT_FOUND);
  }

  @Test
  void aBlockWhoseBytesDoNotHashToItsCidIsRefusedAndNotStored() {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Cid cid = Cid.v0(HashFunction.SHA2_256.multihash(EMPTY_DIRECTORY));

    assertThatThrownBy(() -> store.put(cid, new byte[] {8, 2}))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("block " + cid + ": its 2 bytes do not hash to its CID; refused")
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(store.has(cid)).isFalse();
    assertThat(store.stat().numObjects()).isZero();
    Cid identity = Cid.v1(Cid.RAW, new byte[] {0, 2, 8, 1});
    assertThatThrownBy(() -> store.put(identity, new byte[] {8, 1})).hasMessageContaining("hash function is not supported");
  }

  @Test
  void aRemovedBlocksFileIsWrittenAgainByTheNextPutHoldingExactlyItsBytes() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Random random = new Random(16);
    byte[] big = new byte[300_000];
    byte[] small = new byte[1_000];
    byte[] bigger = new byte[400_000];
    random.nextBytes(big);
    random.nextBytes(small);
    random.nextBytes(bigger);
    Cid first = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(big));
    store.put(first, big);
    Object inode = Files.getAttribute(store.file(first), "unix:ino");

    assertThat(store.delete(first)).isTrue();
    Cid second = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(small));
    store.put(second, small);
    Cid third = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(bigger));
    store.put(third, bigger);
    store.sync();

    assertThat(Files.getAttribute(store.file(second), "unix:ino")).as("the removed block's file, not a new one")
        .isEqualTo(inode);
    assertThat(store.file(second)).hasBinaryContent(small);
    assertThat(store.file(third)).hasBinaryContent(bigger);
    assertThat(store.has(first)).isFalse();
    assertThat(store.stat()).isEqualTo(new BlockStore.Stat(1_000 + 400_000, UNBOUNDED, 2, dir));
    assertThat(store.keys()).containsExactlyInAnyOrder(second.toV1(), third.toV1());

    assertThat(store.delete(third)).isTrue();
    try (Stream<Path> temp = Files.list(dir.resolve("blocks/.temp"))) {
      assertThat(temp).as("kept for the next put").hasSize(1);
    }
    BlockStore.open(dir, UNBOUNDED);
    try (Stream<Path> temp = Files.list(dir.resolve("blocks/.temp"))) {
      assertThat(temp).as("removed when the store opens again").isEmpty();
    }
  }

  @Test
  void aBlockInPiecesIsCheckedAndStoredWholeWithoutMovingThem() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    byte[] block = new byte[300_000];
    new Random(7).nextBytes(block);
    for (HashFunction f : HashFunction.values()) {
      Cid cid = Cid.v1(Cid.RAW, f.multihash(block));
      List<ByteBuffer> pieces = pieces(block, 70_000, 1, 200_000);  // as a circuit's chunks cut it

      store.put(cid, pieces);

      assertThat(store.get(cid)).as(f.kuboName()).isEqualTo(block);
      assertThat(pieces).as("the pieces' positions are left as they were")
          .extracting(ByteBuffer::position).containsExactly(0, 5, 0, 0);
      Files.write(store.file(cid), new byte[] {1, 2, 3});  // damaged on disk: the right bytes replace it
      store.put(cid, pieces);
      assertThat(store.get(cid)).isEqualTo(block);
    }
    assertThat(store.stat().numObjects()).isEqualTo(2);

    byte[] wrong = block.clone();
    wrong[123_456] ^= 1;
    Cid cid = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(wrong));
    assertThatThrownBy(() -> store.put(cid, pieces(block, 70_000, 1, 200_000)))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("block " + cid + ": its 300000 bytes do not hash to its CID; refused")
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(store.has(cid)).isFalse();
    assertThat(store.stat().numObjects()).isEqualTo(2);
  }

  /** {@code block} as views cut at {@code cuts}, the second one starting 5 bytes into a larger buffer. */
  private static List<ByteBuffer> pieces(byte[] block, int... cuts) {
    List<ByteBuffer> pieces = new ArrayList<>();
    int at = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int end = i < cuts.length ? at + cuts[i] : block.length;
      if (i == 1) {
        byte[] padded = new byte[end - at + 5];
        System.arraycopy(block, at, padded, 5, end - at);
        pieces.add(ByteBuffer.wrap(padded).position(5));
      } else {
        pieces.add(ByteBuffer.wrap(block, at, end - at).slice());
      }
      at = end;
    }
    return pieces;
  }

  @Test
  void aBlockDamagedOnDiskIsNotServed() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Cid cid = Cid.v0(HashFunction.SHA2_256.multihash(EMPTY_DIRECTORY));
    store.put(cid, EMPTY_DIRECTORY);
    Files.write(store.file(cid), new byte[] {8, 2});

    assertThatThrownBy(() -> store.get(cid)).isInstanceOf(FerryException.class)
        .hasMessageContaining("does not hash to its CID (damaged on disk)")
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.STORAGE_ERROR);
  }

  @Test
  void aDamagedFileIsNotWholeIsRemovedAndAPutOfTheRightBytesReplacesIt() throws Exception {
    BlockStore store = BlockStore.open(dir, UNBOUNDED);
    Cid cid = Cid.v0(HashFunction.SHA2_256.multihash(EMPTY_DIRECTORY));
    store.put(cid, EMPTY_DIRECTORY);
    assertThat(store.whole(cid)).isTrue();
    Files.write(store.file(cid), new byte[] {8, 2});  // changed on disk, same size

    assertThat(store.has(cid)).as("the file is there").isTrue();
    assertThat(store.whole(cid)).as("but not whole").isFalse();
    assertThat(store.file(cid)).doesNotExist();
    assertThat(store.stat().numObjects()).isZero();
    assertThat(store.whole(cid)).as("a missing block is not whole either").isFalse();

    store.put(cid, EMPTY_DIRECTORY);
    Files.write(store.file(cid), new byte[] {10});  // cut short
    store.put(cid, EMPTY_DIRECTORY);
    assertThat(store.file(cid)).as("a put of the right bytes replaces a damaged file").hasBinaryContent(EMPTY_DIRECTORY);
    assertThat(store.whole(cid)).isTrue();
    assertThat(store.stat().numObjects()).isEqualTo(1);
    assertThat(BlockStore.open(dir, UNBOUNDED).stat()).as("bytes changed behind the store's back: counted again on open")
        .isEqualTo(new BlockStore.Stat(4, UNBOUNDED, 1, dir));
  }

  @Test
  void aBlockBeyondStorageMaxIsRefusedAndWhatIsStoredStaysWhole() {
    byte[] first = block(600);
    byte[] second = block(500);
    BlockStore store = BlockStore.open(dir, 1000);
    store.put(raw(first), first);

    assertThatThrownBy(() -> store.put(raw(second), second)).isInstanceOf(FerryException.class)
        .hasMessageContaining("storage full").hasMessageContaining("above ipfs.storage_max (1000)")
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.STORAGE_FULL);
    assertThat(store.has(raw(second))).isFalse();
    assertThat(store.get(raw(first))).isEqualTo(first);
    assertThat(store.stat().repoSize()).isEqualTo(600);
    assertThat(BlockStore.open(dir, 1000).stat()).as("counted again when opened")
        .isEqualTo(new BlockStore.Stat(600, 1000, 1, dir));
  }

  @Test
  void aWriteThatFindsTheDiskFullPastTheFreeSpaceCheckFailsWithStorageFullAndLeavesNothingBehind() throws Exception {
    Assumptions.assumeTrue(SmallDisk.canMount(), "mounting a tmpfs needs root (as here and in CI)");
    Path root = dir.resolve("store");
    try (SmallDisk disk = SmallDisk.mountWithInodes(root, "2m", 64)) {
      byte[] first = block(600);
      byte[] second = block(500);
      BlockStore store = BlockStore.open(root, UNBOUNDED);
      store.put(raw(first), first);
      disk.fillInodes();  // bytes free, but no file can be made: the write itself meets "no space left"

      assertThatThrownBy(() -> store.put(raw(second), second)).isInstanceOf(FerryException.class)
          .hasMessageContaining("storage full: cannot ").hasMessageContaining("the disk is full (")
          .hasMessageContaining("No space left on device").hasMessageContaining("free space under " + root.resolve("blocks"))
          .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.STORAGE_FULL);
      assertThat(store.has(raw(second))).isFalse();
      assertThat(store.get(raw(first))).as("what was stored: whole").isEqualTo(first);
      assertThat(store.stat()).isEqualTo(new BlockStore.Stat(600, UNBOUNDED, 1, root));
      try (Stream<Path> temp = Files.list(root.resolve("blocks/.temp"))) {
        assertThat(temp).as("no part of the refused block left").isEmpty();
      }

      disk.freeSpace();
      store.put(raw(second), second);
      assertThat(store.get(raw(second))).as("once space returns, no reopen").isEqualTo(second);
      assertThat(store.stat()).isEqualTo(new BlockStore.Stat(1100, UNBOUNDED, 2, root));
    }
  }

  @Test
  void killedWhileWritingItLeavesOnlyWholeBlocksAndNoTempFiles() throws Exception {
    Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), BlockWriter.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      while (line != null && !line.equals("put 40")) {
        line = out.readLine();
      }
      assertThat(line).as("the writer's output").isEqualTo("put 40");
    } finally {
      writer.destroyForcibly();  // SIGKILL: in the middle of a write, most likely
      assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    Files.write(dir.resolve("blocks/.temp/7-CIQPARTIAL.data"), new byte[] {1, 2, 3});  // one surely cut short

    BlockStore store = BlockStore.open(dir, UNBOUNDED);

    try (Stream<Path> temp = Files.list(dir.resolve("blocks/.temp"))) {
      assertThat(temp).isEmpty();
    }
    List<Cid> keys = store.keys();
    assertThat(keys).hasSizeGreaterThanOrEqualTo(40);
    long bytes = 0;
    for (Cid key : keys) {
      bytes += store.get(key).length;  // every block hashes to its name
    }
    assertThat(store.stat()).isEqualTo(new BlockStore.Stat(bytes, UNBOUNDED, keys.size(), dir));
  }

  private static byte[] block(int size) {
    byte[] block = new byte[size];
    new Random(size).nextBytes(block);
    return block;
  }

  private static Cid raw(byte[] block) {
    return Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block));
  }
}
