package dev.ferry.web;

import static dev.ferry.testing.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.MultipartBody;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /add} into the embedded store imports each part while it arrives, through a bounded
 * pipe, with no spool file: the CIDs are the importer's own for files many pipes long, directories,
 * wrapping and progress lines; a client that goes away mid-upload, a body cut short (pinning or
 * not), an import that fails and an add beyond {@code ipfs.storage_max} leave nothing pinned or
 * protected, no import waiting on a worker and the node's one upload slot free again.
 */
@Timeout(180)
class StreamedAddTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String BOUNDARY = "streamed-add-part";
  /** Many pipes' worth ({@link PartStream#PIPE_BYTES}), and not a whole number of chunks. */
  private static final int BIG = 3 * PartStream.PIPE_BYTES + 12_345;
  /** Room for what every other test here keeps (about 12 MiB at most), and little more. */
  private static final long STORAGE_MAX = 16 * 1024 * 1024;

  @TempDir
  static Path dir;
  private static TestCluster.JvmCluster cluster;

  @BeforeAll
  static void start() {
    // one upload at a time: an upload whose admission is not given back shows as a 503 on the next
    cluster = TestCluster.inJvm(1, i -> List.of("api.max_concurrent_uploads=1", "ipfs.storage_max=" + STORAGE_MAX))
        .awaitFullMembership();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFileManyPipesLongGetsTheImportersCidAndStaysProtectedInV0AndV1() throws IOException {
    byte[] content = random(BIG, 1);
    for (String version : List.of("0", "1")) {
      HttpResponse<String> added = post("?no-pin=true&cid-version=" + version, Map.of("big.bin", content));

      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      JsonObject line = lines(added).get(0);
      Cid expected = new Importer(options(Map.of("cid-version", version)), (cid, block) -> { })
          .file("big.bin", new ByteArrayInputStream(content)).cid();
      assertThat(line.getString("cid")).isEqualTo(expected.toString());
      assertThat(await(store().protectedRoots(), WAIT)).contains(expected);
      assertThat(await(store().cat(expected, 0, -1), WAIT).getBytes()).isEqualTo(content);
    }
    assertThat(spooled()).as("nothing spooled").isEmpty();
  }

  @Test
  void aDirectoryStreamsPartByPartWrappedWithItsProgressLines() throws IOException {
    Map<String, byte[]> tree = new LinkedHashMap<>();
    tree.put("dir/a.txt", "a small file\n".getBytes(StandardCharsets.UTF_8));
    tree.put("dir/sub/b.bin", random(PartStream.PIPE_BYTES + 1, 2));
    tree.put("dir/c.bin", random(5_000, 3));
    byte[] body = withDirectoryPart(MultipartBody.of(BOUNDARY, tree), "dir/empty");

    HttpResponse<String> added = Http.send(request("?no-pin=true&wrap-with-directory=true&progress=true")
        .POST(BodyPublishers.ofByteArray(body)));

    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    List<Importer.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> file : tree.entrySet()) {
      Path written = Files.write(dir.resolve("file-" + entries.size()), file.getValue());
      entries.add(new Importer.Entry(file.getKey(), written));
    }
    entries.add(new Importer.Entry("dir/empty", null));
    List<Importer.Imported> expected = new Importer(options(Map.of("cid-version", "0", "wrap-with-directory", "true")),
        (cid, block) -> { }).add(entries);
    List<JsonObject> lines = lines(added);
    assertThat(lines.subList(0, 4)).extracting(line -> line.getString("name") + "=" + line.getLong("bytes"))
        .containsExactly("dir/a.txt=13", "dir/sub/b.bin=" + (PartStream.PIPE_BYTES + 1), "dir/c.bin=5000", "dir/empty=0");
    assertThat(lines.subList(4, lines.size())).extracting(line -> line.getString("name") + "=" + line.getString("cid"))
        .containsExactlyElementsOf(expected.stream().map(entry -> entry.path() + "=" + entry.cid()).toList());
  }

  @Test
  void aClientGoneMidUploadLeavesNothingProtectedNoImportWaitingAndTheSlotFree() throws Exception {
    Set<Cid> protectedBefore = await(store().protectedRoots(), WAIT);
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gone.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", cluster.apiPort(1))) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /add?no-pin=true HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + MultipartBody.type(BOUNDARY)
          + "\r\nContent-Length: " + (head.length + 10L * PartStream.PIPE_BYTES) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(head);
      out.write(random(3 * PartStream.PIPE_BYTES, 4));   // several chunks imported, then the client is gone
      out.flush();
      Eventually.await("the import to be reading the upload", WAIT, StreamedAddTest::importWaiting);
    }

    Eventually.await("no import left waiting for the upload", WAIT, () -> !importWaiting());
    assertThat(await(store().protectedRoots(), WAIT)).isEqualTo(protectedBefore);
    assertNextAddSucceeds();
  }

  @ParameterizedTest(name = "pinning={0}")
  @ValueSource(booleans = {false, true})
  void aBodyCutShortIsABadRequestAndPinsAndProtectsNothingNotEvenItsWholeFirstFile(boolean pinning) throws IOException {
    Set<Cid> protectedBefore = await(store().protectedRoots(), WAIT);
    String whole = "a whole first file " + System.nanoTime() + "\n";
    String cut = part("whole.txt") + whole + "\r\n" + part("cut.bin") + "x".repeat(PartStream.PIPE_BYTES + 10);
    Cid wholeCid = new Importer(options(Map.of()), (cid, block) -> { })
        .file("whole.txt", new ByteArrayInputStream(whole.getBytes(StandardCharsets.UTF_8))).cid();

    HttpResponse<String> response = Http.send(request(pinning ? "" : "?no-pin=true").POST(BodyPublishers.ofString(cut)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("message")).contains("ends inside part 2 (file \"cut.bin\") with no closing boundary");
    assertThat(Http.get(cluster.apiPort(1), "/allocations/" + wholeCid).statusCode()).as("a cluster pin of whole.txt")
        .isEqualTo(404);
    assertThat(clusterPins()).as("cluster pins").isEmpty();
    assertThat(await(store().protectedRoots(), WAIT)).isEqualTo(protectedBefore);
    assertThat(importWaiting()).isFalse();
    assertNextAddSucceeds();
  }

  @Test
  void anAddBeyondStorageMaxIsA507NamingItPinsAndKeepsNothingAndTheNodeGoesOn() {
    await(store().collectGarbage(), WAIT);  // what other tests' cut uploads left
    long before = await(store().stat(), WAIT).repoSize();
    Set<Cid> protectedBefore = await(store().protectedRoots(), WAIT);
    byte[] tooBig = random((int) (STORAGE_MAX - before) + PartStream.PIPE_BYTES, 6);

    HttpResponse<String> response = post("", Map.of("too-big.bin", tooBig));   // pinned in the cluster, were it added

    assertThat(response.statusCode()).as(response.body()).isEqualTo(507);
    assertThat(new JsonObject(response.body()).getString("message")).startsWith("too-big.bin: storage full: block ")
        .contains("above ipfs.storage_max (" + STORAGE_MAX + "); unpin content and collect garbage, or raise "
            + "ipfs.storage_max");
    assertThat(clusterPins()).as("cluster pins").isEmpty();
    assertThat(await(store().protectedRoots(), WAIT)).isEqualTo(protectedBefore);
    assertThat(await(store().collectGarbage(), WAIT).bytes()).as("the blocks that fitted: garbage").isPositive();
    assertThat(await(store().stat(), WAIT).repoSize()).isEqualTo(before);
    Eventually.await("no import left waiting", WAIT, () -> !importWaiting());
    assertNextAddSucceeds();
  }

  @Test
  void anImportThatFailsStopsTheUploadWithA400NamingThePart() {
    Set<Cid> protectedBefore = await(store().protectedRoots(), WAIT);
    byte[] body = MultipartBody.of(BOUNDARY, Map.of("../up.txt", random(2 * PartStream.PIPE_BYTES, 5)));

    HttpResponse<String> response = Http.send(request("?no-pin=true").POST(BodyPublishers.ofByteArray(body)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("message"))
        .startsWith("../up.txt: path '../up.txt' is not a relative path");
    assertThat(await(store().protectedRoots(), WAIT)).isEqualTo(protectedBefore);
    Eventually.await("no import left waiting", WAIT, () -> !importWaiting());
    assertNextAddSucceeds();
  }

  /** The single upload slot is free: a small add is not answered 503 (once the last upload's import ended). */
  private static void assertNextAddSucceeds() {
    byte[] content = ("next " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    Eventually.await("the next add to be taken", WAIT,
        () -> post("?no-pin=true", Map.of("next.txt", content)).statusCode() == 200);
  }

  /** Whether some thread blocks in a part stream, waiting for an upload's parts or bytes. */
  private static boolean importWaiting() {
    return Thread.getAllStackTraces().values().stream().anyMatch(stack -> Arrays.stream(stack)
        .anyMatch(frame -> frame.getClassName().startsWith(PartStream.class.getName())));
  }

  /** The head of a file part named {@code name}: its boundary and headers. */
  private static String part(String name) {
    return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n\r\n";
  }

  /** The cluster's pins ({@code GET /allocations}): one line each. */
  private static List<String> clusterPins() {
    HttpResponse<String> pins = Http.get(cluster.apiPort(1), "/allocations");
    assertThat(pins.statusCode()).as(pins.body()).isEqualTo(200);
    return pins.body().lines().filter(line -> !line.isBlank()).toList();
  }

  private static List<Path> spooled() throws IOException {
    try (var files = Files.list(cluster.dataDir(1).resolve("uploads"))) {
      return files.toList();
    }
  }

  /** {@code body} with a directory part ({@link FileParts#DIRECTORY}) named {@code name} before its closing boundary. */
  private static byte[] withDirectoryPart(byte[] body, String name) {
    String closing = "--" + BOUNDARY + "--\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, body.length - closing.length());
    out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
        + name.replace("/", "%2F") + "\"\r\nContent-Type: " + FileParts.DIRECTORY + "\r\n\r\n\r\n" + closing)
        .getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static ImportOptions options(Map<String, String> kubo) {
    return ImportOptions.fromKubo(kubo::get);
  }

  private static ContentStore store() {
    return ContentStore.embedded(cluster.node(1));
  }

  private static HttpResponse<String> post(String query, Map<String, byte[]> files) {
    return Http.send(request(query).POST(BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY, files))));
  }

  private static HttpRequest.Builder request(String query) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + "/add" + query))
        .header("Content-Type", MultipartBody.type(BOUNDARY));
  }

  private static List<JsonObject> lines(HttpResponse<String> response) {
    return response.body().lines().map(JsonObject::new).toList();
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
