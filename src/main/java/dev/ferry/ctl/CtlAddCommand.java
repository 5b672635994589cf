package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl add PATH...}, as ipfs-cluster-ctl's: uploads files and directories ({@code -r}) to the
 * node ({@code POST /add} with IPFS Cluster's query), which adds them to IPFS and pins the result
 * in the cluster; prints {@code added <cid> <name>} per added file and directory as they come, a
 * progress bar on stderr while a terminal watches.
 */
@Command(name = "add", mixinStandardHelpOptions = true,
    description = {"Add a file or directory to ipfs and pin it in the cluster (POST /add).",
        "Several paths imply --wrap-with-directory. --format car adds a CAR file (one root) as it is.",
        "Replication: -1 means everywhere, 0 the cluster's default."})
final class CtlAddCommand extends CtlAction {
  /** IPFS Cluster's defaults ({@code api.DefaultAddParams}): only a different value is worth sending. */
  static final String DEFAULT_HASH = "sha2-256";
  static final String DEFAULT_CHUNKER = "size-262144";
  static final String DEFAULT_FORMAT = "unixfs";

  @Parameters(paramLabel = "<path>", arity = "0..*", description = "files, or directories with -r")
  List<Path> paths = new ArrayList<>();

  @Option(names = {"--recursive", "-r"}, description = "Add directory paths recursively")
  boolean recursive;

  @Option(names = {"--quiet", "-q"}, description = "Write only hashes to output (one per line)")
  boolean quiet;

  @Option(names = {"--quieter", "-Q"}, description = "Write only final hash to output")
  boolean quieter;

  @Option(names = "--no-stream", description = "Buffer output locally. Produces a valid JSON array with --enc=json.")
  boolean noStream;

  @Option(names = "--local", description = "Add to local peer but pin normally")
  boolean local;

  @Mixin
  CtlPinOptions pin;

  @Option(names = "--no-pin", description = "Do not pin after adding")
  boolean noPin;

  @Option(names = "--wait", description = "Wait for the pin to reach the minimum replication factor before returning")
  boolean await;

  @Option(names = {"--wait-timeout", "--wt"}, paramLabel = "DURATION", converter = GoDuration.class,
      description = "How long to --wait (e.g. 30s). Default: forever")
  Duration waitTimeout = Duration.ZERO;

  @Option(names = {"--wrap-with-directory", "-w"}, description = "Wrap a with a directory object")
  boolean wrap;

  @Option(names = "--format", paramLabel = "FORMAT", description = "'unixfs' (add as unixfs DAG), 'car' (import CAR "
      + "file)")
  String format = DEFAULT_FORMAT;

  @Option(names = "--layout", paramLabel = "LAYOUT", description = "Dag layout to use for dag generation: balanced or "
      + "trickle")
  String layout = "";

  @Option(names = {"--hidden", "-H"}, description = "Include files that are hidden. Only takes effect on recursive add")
  boolean hidden;

  @Option(names = {"--chunker", "-s"}, paramLabel = "CHUNKER", description = "'size-<size>' or "
      + "'rabin-<min>-<avg>-<max>'")
  String chunker = DEFAULT_CHUNKER;

  @Option(names = "--raw-leaves", description = "Use raw blocks for leaves (experimental)")
  boolean rawLeaves;

  @Option(names = "--cid-version", paramLabel = "N", description = "CID version. Non default implies raw-leaves")
  int cidVersion;

  @Option(names = "--hash", paramLabel = "HASH", description = "Hash function to use. Implies cid-version=1")
  String hash = DEFAULT_HASH;

  @Option(names = "--nocopy", description = "Add the URL using filestore. Implies raw-leaves. (experimental)")
  boolean nocopy;

  @Override
  void run(Api api, Output out) throws CtlException {
    if (paths.isEmpty()) {
      throw new CtlException("", "need at least one path");
    }
    boolean wrapped = wrap || paths.size() > 1;
    if (wrapped && format.equals("car")) {
      throw new CtlException("", "only a single CAR file can be added and wrap-with-directory is not supported");
    }
    if (nocopy) {
      throw new CtlException("", "nocopy option is only valid for URLs");
    }
    Map<String, Object> query = pin.query(pin.min(), pin.max(), false);
    int version = hash.equals(DEFAULT_HASH) ? cidVersion : 1;
    query.put("shard", false);
    query.put("local", local);
    query.put("recursive", recursive);
    query.put("layout", layout);
    query.put("chunker", chunker);
    query.put("raw-leaves", rawLeaves || version > 0);
    query.put("hidden", hidden);
    query.put("wrap-with-directory", wrapped);
    query.put("progress", false);
    query.put("cid-version", version);
    query.put("hash", hash);
    query.put("stream-channels", true);
    query.put("nocopy", false);
    query.put("format", format);
    query.put("no-pin", noPin);

    Multipart body = new Multipart(paths, recursive, hidden);
    Optional<Progress> progress = System.console() != null && !quiet && !quieter && !out.json()
        ? Optional.of(new Progress(spec.commandLine().getErr(), body.fileBytes())) : Optional.empty();
    Api.Body request = new Api.Body(body.contentType(),
        progress.map(p -> p.counting(body.body())).orElseGet(body::body));
    List<JsonObject> buffered = new ArrayList<>();
    JsonObject[] last = new JsonObject[1];
    try {
      api.stream("POST", "/add" + Api.query(query), request, value -> {
        JsonObject added = Output.object(value);
        if (added.getValue("cid") == null) {
          return;   // a progress line
        }
        progress.ifPresent(Progress::done);
        last[0] = added;
        if (noStream) {
          buffered.add(added);
        } else if (!quieter) {
          out.print(added, a -> Formats.added(a, quiet));
        }
      });
    } finally {
      progress.ifPresent(Progress::done);
    }
    if (last[0] == null) {
      return;
    }
    if (noStream) {
      List<JsonObject> shown = quieter ? List.of(last[0]) : buffered;
      if (out.json()) {
        out.print(new JsonArray(new ArrayList<>(shown)), a -> "");
      } else {
        for (JsonObject added : shown) {
          out.print(added, a -> Formats.added(a, quiet || quieter));
        }
      }
    } else if (quieter) {
      out.print(last[0], a -> Formats.added(a, true));
    }
    if (await) {
      String cid = Formats.cid(last[0]);
      int min = pin.min();
      try {
        min = Output.object(api.call("GET", "/allocations/" + cid)).getInteger("replication_factor_min", min);
      } catch (CtlException e) {
        // as ipfs-cluster-ctl: without the pin's own minimum, the one asked for
      }
      StatusWait.until(api, cid, "pinned", waitTimeout, min);
    }
  }
}
