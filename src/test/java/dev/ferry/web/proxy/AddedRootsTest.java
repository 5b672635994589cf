package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.web.proxy.AddedRoots.Root;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which CIDs of a daemon's {@code add} answer are the roots of the upload, and how the add query is rewritten. */
class AddedRootsTest {
  private static final String A = "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN";
  private static final String B = "QmaRGe7bVmVaLmxbrMiVNXqW4pRNNp3xq7hFtyRKA3mtJL";
  private static final String C = "QmQ789bHQKJRvmffGwzaeBNVjA4HVz5mM6ZXZehWek2i28";
  private static final String D = "QmXsR7rzKLji8d517QSZuqpdaC62iCM6Tz9VXQJtWmGHBm";

  @Test
  void everyTopLevelFileIsARoot() {
    assertThat(roots(false, line("a.txt", A) + line("b.txt", B)))
        .containsExactly(root(A, "a.txt"), root(B, "b.txt"));
  }

  @Test
  void aDirectoryIsOneRootAndItsEntriesAreNot() {
    String answer = line("d/y.txt", A) + line("d/sub/x.txt", B) + line("d/sub", C) + line("d", D) + line("top.txt", A);
    assertThat(roots(false, answer)).containsExactly(root(D, "d"), root(A, "top.txt"));
  }

  @Test
  void aWrappedUploadHasOnlyItsWrappingDirectory() {
    assertThat(roots(true, line("a.txt", A) + line("b.txt", B) + line("", D))).containsExactly(root(D, ""));
  }

  @Test
  void progressLinesAndAFileNamedByItsCidAreRead() {
    String answer = "{\"Name\":\"a.txt\",\"Bytes\":6}\n" + line(A, A);
    assertThat(roots(false, answer)).containsExactly(root(A, ""));
  }

  @Test
  void linesSplitAcrossChunksAndALastLineWithoutNewlineAreRead() {
    String answer = line("a.txt", A) + line("b.txt", B).strip();
    AddedRoots roots = new AddedRoots(false);
    for (int i = 0; i < answer.length(); i += 7) {
      roots.accept(Buffer.buffer(answer.substring(i, Math.min(answer.length(), i + 7))));
    }
    assertThat(roots.roots()).containsExactly(root(A, "a.txt"), root(B, "b.txt"));
  }

  @Test
  void anOverlongLineOrGarbageIsSkippedAndReadingGoesOn() {
    String overlong = "{\"Name\":\"" + "x".repeat(AddedRoots.MAX_LINE_BYTES) + "\",\"Hash\":\"" + C + "\"}\n";
    String answer = overlong + "not json\n" + "[1,2]\n" + "{\"Name\":\"bad\",\"Hash\":\"QmNotACid\"}\n" + line("a.txt", A);
    assertThat(roots(false, answer)).containsExactly(root(A, "a.txt"));
    assertThat(roots(false, "no answer at all")).isEmpty();
  }

  @Test
  void theAddQueryLosesFerrysOptionsAndKeepsTheRestAsWritten() {
    String uri = "/api/v0/add?pin=true&replication=2&cid-version=1&name=x%20y&replication%2Dmin=1&wrap-with-directory";
    Set<String> dropped = Set.of("pin", "name", "replication", "replication-min", "replication-max");
    assertThat(AddCommand.query(uri, dropped, "pin=false"))
        .isEqualTo("/api/v0/add?cid-version=1&wrap-with-directory&pin=false");
    assertThat(AddCommand.query("/api/v0/add?name=a", dropped, null)).isEqualTo("/api/v0/add");
    assertThat(AddCommand.query("/api/v0/add", dropped, "pin=false")).isEqualTo("/api/v0/add?pin=false");
  }

  private static List<Root> roots(boolean wrapped, String answer) {
    AddedRoots roots = new AddedRoots(wrapped);
    roots.accept(Buffer.buffer(answer));
    return roots.roots();
  }

  private static String line(String name, String cid) {
    return "{\"Name\":\"" + name + "\",\"Hash\":\"" + cid + "\",\"Size\":14,\"Mode\":\"0644\"}\n";
  }

  private static Root root(String cid, String name) {
    return new Root(Cid.parse(cid), name);
  }
}
