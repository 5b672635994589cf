package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's pin files: a journal of changes, each durable when made, compacted as it grows, read back after a crash. */
class PinFileTest {
  @TempDir Path dir;

  private static Cid cid(int i) {
    return Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(("block " + i).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void changesAreReadBackInOrder() {
    Path file = dir.resolve("pins");
    PinFile pins = PinFile.load(file);
    pins.add(cid(1));
    pins.add(cid(2));
    pins.add(cid(3));
    assertThat(pins.remove(cid(2))).isTrue();
    assertThat(pins.remove(cid(2))).as("not in the set").isFalse();
    pins.add(cid(2));
    pins.remove(cid(1));

    assertThat(PinFile.load(file).all()).containsExactlyInAnyOrder(cid(2), cid(3));
  }

  @Test
  void aChangeAppendsOneLineRatherThanRewritingTheSet() throws IOException {
    Path file = dir.resolve("pins");
    PinFile pins = PinFile.load(file);
    for (int i = 0; i < 500; i++) {
      pins.add(cid(i));
    }
    long before = Files.size(file);
    pins.add(cid(500));
    assertThat(Files.size(file) - before).as("one line").isEqualTo(("+" + cid(500) + "\n").length());
    assertThat(Files.readAllLines(file)).hasSize(501);
  }

  @Test
  void theJournalIsCompactedOnceItPassesTwiceTheSet() throws IOException {
    Path file = dir.resolve("pins");
    PinFile pins = PinFile.load(file);
    pins.add(cid(0));
    for (int round = 0; round < 3 * PinFile.COMPACT_SLACK; round++) {  // the set stays at one or two CIDs
      pins.add(cid(1));
      pins.remove(cid(1));
    }
    assertThat(Files.readAllLines(file).size()).as("lines").isLessThanOrEqualTo(2 * 2 + PinFile.COMPACT_SLACK + 1);
    assertThat(PinFile.load(file).all()).containsExactly(cid(0));
  }

  @Test
  void aLastLineCutShortByACrashIsDroppedAndTheNextChangeMendsTheFile() throws IOException {
    Path file = dir.resolve("pins");
    PinFile pins = PinFile.load(file);
    pins.add(cid(1));
    // longer than a line, so that a next line written over it could not hide it
    Files.writeString(file, "+" + cid(2) + "-" + cid(4), StandardOpenOption.APPEND);  // no line end

    PinFile reloaded = PinFile.load(file);
    assertThat(reloaded.all()).containsExactly(cid(1));
    reloaded.add(cid(3));
    assertThat(Files.readAllLines(file)).containsExactlyInAnyOrder("+" + cid(1), "+" + cid(3));
    assertThat(PinFile.load(file).all()).containsExactlyInAnyOrder(cid(1), cid(3));
  }

  @Test
  void aFileOfEarlierVersionsOneCidALineIsReadAndAppendedTo() throws IOException {
    Path file = Files.writeString(dir.resolve("pins"), cid(1) + "\n" + cid(2) + "\n");
    PinFile pins = PinFile.load(file);
    assertThat(pins.all()).containsExactlyInAnyOrder(cid(1), cid(2));
    pins.remove(cid(1));
    assertThat(PinFile.load(file).all()).containsExactly(cid(2));
  }

  @Test
  void aLineInTheMiddleThatIsNoChangeIsAStorageErrorNamingIt() throws IOException {
    Path file = Files.writeString(dir.resolve("pins"), "+" + cid(1) + "\n+not-a-cid\n+" + cid(2) + "\n");
    assertThatThrownBy(() -> PinFile.load(file)).isInstanceOf(FerryException.class)
        .hasMessageContaining("line 2 is not a change").hasMessageContaining(file.toString())
        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.STORAGE_ERROR);
  }

  @Test
  void aFileRemovedByHandIsWrittenWholeAgain() throws IOException {
    Path file = dir.resolve("pins");
    PinFile pins = PinFile.load(file);
    List<Cid> added = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pins.add(cid(i));
      added.add(cid(i));
    }
    Files.delete(file);
    pins.add(cid(3));
    added.add(cid(3));
    assertThat(PinFile.load(file).all()).containsExactlyInAnyOrderElementsOf(added);
  }
}
