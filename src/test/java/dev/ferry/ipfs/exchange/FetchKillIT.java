package dev.ferry.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import dev.ferry.ipfs.store.BlockStore;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a node while it adds or fetches a file (issue 16, "bad input and faults"). Fetch: two
 * node processes with their embedded stores; node1 adds 128 MiB of random bytes allocated to node2
 * alone, node2 fetches it and is killed by its PID once some but not all blocks are stored. Every
 * block file it left hashes to its name; restarted, it deletes what was left in {@code blocks/.temp},
 * pins the file by fetching only the blocks it lacks (its fetch's log line counts both), and
 * serves the bytes that were added. Two nodes, not three: with a quorum left, the cluster would move
 * the killed node's pin elsewhere. Add: one node killed while it imports a 128 MiB upload keeps
 * only whole blocks, empties its temp and spool directories when restarted, and the same upload
 * then gives the CID the importer computes. The test thread only starts, kills and reads processes
 * and files; each add runs on a thread of its own.
 */
@Timeout(240)
class FetchKillIT {
  private static final Duration FORM = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int MIB = 1024 * 1024;
  /** 512 raw leaves of 256 KiB: a fetch on localhost takes a few seconds, so the kill lands mid-way. */
  private static final long SIZE = 128L * MIB;
  private static final long LEAVES = SIZE / (256 * 1024);
  /** Blocks node2 must hold before it is killed: the fetch has begun, and far from finished. */
  private static final int KILL_AFTER_BLOCKS = 16;
  private static final String DATA = ".data";

  @Test
  void aNodeKilledMidFetchKeepsOnlyWholeBlocksAndResumesFromThem(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("random.bin");
    String sha256 = writeRandom(file);
    // node1 takes the 128 MiB upload; node2 asks one block at a time: slower, so the kill lands mid-fetch
    try (ProcessCluster cluster = TestCluster.processes(2, i -> i == 1 ? takesTheUpload()
        : new JsonObject().put("exchange", new JsonObject().put("wants_per_node", 1)))) {
      Eventually.await("both nodes to see each other", FORM,
          () -> cluster.peersSeenBy(1).size() == 2 && cluster.peersSeenBy(2).size() == 2);
      Path blocks = cluster.dataDir(2).resolve("ipfs").resolve("blocks");

      Cid cid = add(cluster.apiPort(1), file, "replication=1&user-allocations=" + cluster.name(2));

      Eventually.await("node2 to have stored " + KILL_AFTER_BLOCKS + " blocks of " + cid, WAIT,
          () -> blockFiles(blocks).size() >= KILL_AFTER_BLOCKS);
      cluster.kill(2);

      List<Path> survivors = blockFiles(blocks);
      assertThat((long) survivors.size()).as("blocks node2 held when killed (a fetch that finished first proves "
          + "nothing: make it slower)").isBetween((long) KILL_AFTER_BLOCKS, LEAVES - 1);
      survivors.forEach(FetchKillIT::verify);
      List<Path> leftInTemp = list(blocks.resolve(".temp"));
      System.out.printf("killed node2 holding %d of %d+ blocks, %d files in blocks/.temp%n", survivors.size(), LEAVES,
          leftInTemp.size());

      cluster.restart(2);
      try {
        Eventually.await("node2, restarted, to report " + cid + " pinned", WAIT,
            () -> "pinned".equals(localStatus(cluster.apiPort(2), cid)));
      } catch (AssertionError e) {  // what the restarted node did, in the failure itself (CI keeps no files)
        throw new AssertionError(e.getMessage() + "; node2's status: " + localStatus(cluster.apiPort(2), cid)
            + "; the end of its log:\n" + tail(cluster.log(2), 60), e);
      }

      List<Path> all = blockFiles(blocks);
      all.forEach(FetchKillIT::verify);
      assertThat(all).containsAll(survivors);
      assertThat(list(blocks.resolve(".temp"))).as("temp files of the killed run and of the fetch").isEmpty();
      Matcher fetched = Pattern.compile("fetch of " + cid + ": (\\d+) blocks \\(\\d+ bytes\\) fetched from other "
          + "nodes, (\\d+) were here already").matcher(Files.readString(cluster.log(2)));
      assertThat(fetched.find()).as("node2's log line of the resumed fetch").isTrue();
      assertThat(Long.parseLong(fetched.group(2))).as("blocks found, not fetched again").isEqualTo(survivors.size());
      assertThat(Long.parseLong(fetched.group(1))).as("blocks fetched after the restart")
          .isEqualTo(all.size() - survivors.size());
      assertThat(sha256Of(cluster.apiPort(2), cid)).as("the file node2's gateway serves (it fetches nothing)")
          .isEqualTo(sha256);
    }
  }

  @Test
  void aNodeKilledMidAddKeepsOnlyWholeBlocksAndTheAddRepeatsToTheSameCid(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("random.bin");
    String sha256 = writeRandom(file);
    Cid expected;
    try (InputStream in = Files.newInputStream(file)) {
      expected = new Importer(ImportOptions.DEFAULTS, (cid, block) -> { }).file("random.bin", in).cid();
    }
    try (ProcessCluster cluster = TestCluster.processes(1, i -> takesTheUpload())) {
      Eventually.await("node1's API", FORM, () -> cluster.peersSeenBy(1).size() == 1);
      Path ipfs = cluster.dataDir(1).resolve("ipfs");
      Path blocks = ipfs.resolve("blocks");

      CompletableFuture<Cid> added = CompletableFuture.supplyAsync(() -> {
        try {
          return add(cluster.apiPort(1), file, "");
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      Eventually.await("node1 to have stored " + KILL_AFTER_BLOCKS + " blocks of the add", WAIT,
          () -> blockFiles(blocks).size() >= KILL_AFTER_BLOCKS || added.isDone());
      cluster.kill(1);
      assertThat(added).as("the add, cut short by the kill (one that finished first proves nothing)")
          .failsWithin(WAIT);

      List<Path> survivors = blockFiles(blocks);
      assertThat((long) survivors.size()).isBetween((long) KILL_AFTER_BLOCKS, LEAVES - 1);
      survivors.forEach(FetchKillIT::verify);
      System.out.printf("killed node1 mid-add holding %d of %d+ blocks, %d files in blocks/.temp%n",
          survivors.size(), LEAVES, list(blocks.resolve(".temp")).size());

      cluster.restart(1);
      Eventually.await("node1's API after the restart", FORM, () -> cluster.peersSeenBy(1).size() == 1);
      assertThat(list(blocks.resolve(".temp"))).as("temp files of the killed run").isEmpty();
      assertThat(list(ipfs.resolve("spool"))).as("the upload spooled by the killed run").isEmpty();
      blockFiles(blocks).forEach(FetchKillIT::verify);

      assertThat(add(cluster.apiPort(1), file, "")).as("the add again, as the importer makes it").isEqualTo(expected);
      List<Path> all = blockFiles(blocks);
      all.forEach(FetchKillIT::verify);
      assertThat(all).containsAll(survivors);
      assertThat(sha256Of(cluster.apiPort(1), expected)).isEqualTo(sha256);
    }
  }

  /** Settings of the node the file is posted to: a body of twice the file is accepted. */
  private static JsonObject takesTheUpload() {
    return new JsonObject().put("api", new JsonObject().put("max_add_bytes", 2 * SIZE));
  }

  /** Writes {@link #SIZE} random bytes to {@code file}, 1 MiB at a time; answers their SHA-256. */
  private static String writeRandom(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Random random = new Random(SIZE);
    byte[] chunk = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < SIZE; written += chunk.length) {
        random.nextBytes(chunk);
        digest.update(chunk);
        out.write(chunk);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** {@code POST /add} of {@code file}, streamed from disk as multipart; answers its CID. */
  private static Cid add(int port, Path file, String query) throws Exception {
    String boundary = "kill-" + System.nanoTime();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/add?" + query))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary).timeout(WAIT)
        .POST(HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"random.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            HttpRequest.BodyPublishers.ofFile(file),
            HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"))).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    String line = response.body().strip().lines().filter(l -> l.contains("\"cid\"")).findFirst().orElseThrow();
    return Cid.parse(new JsonObject(line).getString("cid"));
  }

  /** This node's own status of {@code cid} ({@code GET /pins/{cid}?local=true}), null if it does not answer. */
  private static String localStatus(int port, Cid cid) {
    try {
      HttpResponse<String> response = Http.get(port, "/pins/" + cid + "?local=true");
      if (response.statusCode() != 200) {
        return null;
      }
      JsonObject peers = new JsonObject(response.body()).getJsonObject("peer_map");
      return peers.fieldNames().stream().map(p -> peers.getJsonObject(p).getString("status")).findFirst().orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The SHA-256 of what {@code GET /ipfs/{cid}} answers, read as a stream. */
  private static String sha256Of(int port, Cid cid) throws Exception {
    HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/ipfs/" + cid)).timeout(WAIT).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[MIB];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The block files of a flatfs {@code blocks} directory ({@code XY/KEY.data}; not {@code .temp}). */
  private static List<Path> blockFiles(Path blocks) {
    if (!Files.isDirectory(blocks)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(blocks, 2)) {
      return files.filter(f -> f.getFileName().toString().endsWith(DATA)
          && !f.getParent().getFileName().toString().equals(".temp")).sorted().toList();
    } catch (IOException e) {
      return List.of();  // a shard directory made or removed while walking: asked again
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  /** Fails unless the bytes of a block file hash to the multihash its name spells. */
  private static void verify(Path file) {
    String name = file.getFileName().toString();
    Cid cid = Cid.v1(Cid.RAW, Multibase.decodeBase32(name.substring(0, name.length() - DATA.length()), 0, true));
    try {
      BlockStore.check(cid, Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code count} lines of a log, or why it cannot be read. */
  private static String tail(Path log, int count) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}