package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference for the importer's CIDs: js-ipfs's own importer (ipfs-unixfs-importer under
 * tools/ipfs, which bin/test installs) run by src/test/js/unixfs-reference.mjs on the same files;
 * and {@link #node} for the other reference scripts. Fails loudly, naming the install step, when
 * Node or the packages are missing.
 */
final class JsImporter {
  private static final Path MODULE = Path.of("tools", "ipfs", "node_modules", "ipfs-unixfs-importer");
  private static final String SCRIPT = "src/test/js/unixfs-reference.mjs";
  private static final long TIMEOUT_SECONDS = 300;

  private JsImporter() {}

  /** What js-ipfs yields for one add, in its order. */
  record Result(List<Importer.Imported> entries) {
    Cid root() {
      return entries.get(entries.size() - 1).cid();
    }

    Cid cidOf(String path) {
      return entries.stream().filter(e -> e.path().equals(path)).findFirst()
          .orElseThrow(() -> new AssertionError("js-ipfs yielded no " + path + ": " + entries)).cid();
    }
  }

  /** Imports each job with js-ipfs in one run of Node; their results, in order. */
  static List<Result> add(List<Job> jobs, Path scratch) throws IOException, InterruptedException {
    JsonArray specs = new JsonArray();
    List<Result> results = new ArrayList<>();
    for (Job job : jobs) {
      JsonArray entries = new JsonArray();
      job.entries().forEach(e -> entries.add(e.file() == null ? new JsonObject().put("path", e.path())
          : new JsonObject().put("path", e.path()).put("file", e.file().toAbsolutePath().toString())));
      ImportOptions o = job.options();
      specs.add(new JsonObject().put("entries", entries).put("options", new JsonObject()
          .put("cidVersion", o.cidVersion()).put("rawLeaves", o.rawLeaves()).put("maxChunkSize", o.chunkSize())
          .put("wrapWithDirectory", o.wrapWithDirectory())));
      results.add(new Result(new ArrayList<>()));
    }
    Path spec = Files.writeString(scratch.resolve("jobs.json"), new JsonObject().put("jobs", specs).encode());
    String text = node(scratch, SCRIPT, spec.toString());
    for (String line : text.strip().split("\n")) {
      JsonObject entry = new JsonObject(line);
      results.get(entry.getInteger("job")).entries().add(new Importer.Imported(entry.getString("path"),
          Cid.parse(entry.getString("cid")), entry.getLong("size")));
    }
    return results;
  }

  /**
   * Runs {@code script} with Node and {@code args} (from the project directory, where it finds
   * tools/ipfs); what it printed. Fails naming the output when the script fails.
   */
  static String node(Path scratch, String script, String... args) throws IOException, InterruptedException {
    if (!Files.isDirectory(MODULE)) {
      throw new IllegalStateException(MODULE.toAbsolutePath() + " is missing: run bin/test (it installs js-ipfs "
          + "under tools/ipfs with npm ci)");
    }
    Path output = Files.createTempFile(scratch, "node-", ".txt");
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    Process node;
    try {
      node = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run `node`: install Node.js 20 (bin/test needs it)", e);
    }
    if (!node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      throw new AssertionError(script + " did not finish in " + TIMEOUT_SECONDS + " s");
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    if (node.exitValue() != 0) {
      throw new AssertionError(script + " failed:\n" + text);
    }
    return text;
  }

  /** One add: its options and entries. */
  record Job(ImportOptions options, List<Importer.Entry> entries) {}
}
