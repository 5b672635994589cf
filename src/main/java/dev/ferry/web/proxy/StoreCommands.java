package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.core.Version;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.BlockPut;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.ipfs.store.DagPb;
import dev.ferry.ipfs.store.DagReader;
import dev.ferry.ipfs.store.HashFunction;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import dev.ferry.peers.PeerId;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The Kubo RPC calls the proxy answers from the node's embedded store when no daemon runs behind
 * it ({@code ipfs.api} unset), each in the shape Kubo gives it. As with a daemon, {@code add},
 * {@code dag/import} (its roots) and, when asked, {@code block/put} and {@code dag/put} pin in the
 * cluster, not in the store itself: the allocated nodes pin.
 *
 * <p>Uploads are spooled to files in the store's spool directory as they arrive and answers that
 * can be large ({@code cat}, {@code get}, {@code dag/export}) are written to one and sent from it,
 * so no body is held in memory. Each call runs on the proxy instance's context, the store's work on
 * its workers.
 */
final class StoreCommands {
  private static final String API = "/api/v0/";
  private static final String IPFS_PREFIX = "/ipfs/";
  /** The Kubo RPC version whose answers these follow. */
  private static final String KUBO_VERSION = "0.29.0";
  /** The multicodecs {@code block/put} and {@code dag/put} store as they come. */
  private static final Map<String, Integer> CODECS = Map.of("raw", Cid.RAW, "dag-pb", Cid.DAG_PB,
      "dag-cbor", 0x71, "dag-json", BlockPut.DAG_JSON);

  private final Vertx vertx;
  private final ContentStore store;
  private final PeerId peerId;
  private final PinClient pins;

  StoreCommands(Vertx vertx, ContentStore store, PeerId peerId, PinClient pins) {
    this.vertx = vertx;
    this.store = store;
    this.peerId = peerId;
    this.pins = pins;
  }

  /** The calls by path (uploads, {@code add} and {@code dag/import}, are admitted by the caller). */
  Map<String, ProxyCommand> commands() {
    Map<String, ProxyCommand> commands = new LinkedHashMap<>();
    commands.put(API + "add", this::add);
    commands.put(API + "cat", this::cat);
    commands.put(API + "get", this::get);
    commands.put(API + "ls", this::ls);
    commands.put(API + "refs", this::refs);
    commands.put(API + "block/get", this::blockGet);
    commands.put(API + "block/put", this::blockPut);
    commands.put(API + "block/stat", this::blockStat);
    commands.put(API + "block/rm", this::blockRm);
    commands.put(API + "dag/get", this::dagGet);
    commands.put(API + "dag/put", this::dagPut);
    commands.put(API + "dag/import", this::dagImport);
    commands.put(API + "dag/export", this::dagExport);
    commands.put(API + "repo/stat", this::repoStat);
    commands.put(API + "repo/gc", this::repoGc);
    commands.put(API + "id", (request, options) -> id(request));
    commands.put(API + "version", (request, options) -> version(request));
    return commands;
  }

  // ---- add

  private void add(HttpServerRequest request, KuboOptions options) {
    ImportOptions imports = ImportOptions.fromKubo(param(options));
    boolean clusterPins = options.flag("pin", true) && !imports.onlyHash();
    PinOptions cluster = options.clusterPin();
    HttpServerResponse response = request.response();
    Spool.of(vertx, store, request).compose(parts -> {
      if (parts.isEmpty()) {
        throw FerryException.badRequest("no file part in the upload: send multipart/form-data with at least one file");
      }
      List<Importer.Entry> entries = parts.stream()
          .map(part -> new Importer.Entry(part.name().isEmpty() ? "" : part.name(), part.directory() ? null : part.file()))
          .toList();
      return store.add(unnamedSingleFile(entries), imports).eventually(() -> Spool.delete(vertx, parts));
    }).onSuccess(added -> {
      AddedRoots roots = new AddedRoots(imports.wrapWithDirectory());
      List<JsonObject> lines = added.stream().map(entry -> new JsonObject()
          .put("Name", entry.path().isEmpty() && !imports.wrapWithDirectory() ? entry.cid().toString() : entry.path())
          .put("Hash", entry.cid().toString()).put("Size", String.valueOf(entry.size()))).toList();
      lines.forEach(line -> roots.accept(Buffer.buffer(line.encode() + "\n")));
      Future<String> pinned = clusterPins ? AddCommand.pinInCluster(pins, roots.roots(), cluster)
          : Future.succeededFuture();
      pinned.onComplete(late -> KuboAnswers.linesWithTrailer(response, lines, late.result()));
    }).onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  /** A single file uploaded without a name is named "" for the importer; Kubo names it by its CID. */
  private static List<Importer.Entry> unnamedSingleFile(List<Importer.Entry> entries) {
    if (entries.size() == 1 && entries.get(0).path().isEmpty()) {
      return List.of(new Importer.Entry("file", entries.get(0).file()));
    }
    return entries;
  }

  // ---- reading files and DAGs

  // cat, get and ls take a path below a CID (/ipfs/CID/a/b), through plain and sharded directories

  private void cat(HttpServerRequest request, KuboOptions options) {
    IpfsPath path = onePath(options);
    long offset = options.number("offset", 0);
    long length = options.number("length", -1);
    sendSpooled(request, "text/plain", to -> resolve(path).compose(cid ->
        store.reader().catTo(cid, offset, length, to)));
  }

  /** {@code get}: a tar whose top entry is named by the path's last segment, or the CID without one (as Kubo names it). */
  private void get(HttpServerRequest request, KuboOptions options) {
    IpfsPath path = onePath(options);
    if (options.flag("compress", false)) {
      throw FerryException.badRequest("get: compress is not supported by the embedded store; leave it out");
    }
    String name = path.segments().isEmpty() ? path.root().toString()
        : path.segments().get(path.segments().size() - 1);
    sendSpooled(request, "application/x-tar", to -> resolve(path).compose(cid -> store.reader().tar(cid, name, to)));
  }

  /** {@code ls}: {@code Hash} is the argument as given when it is a path (as Kubo answers), else the CID. */
  private void ls(HttpServerRequest request, KuboOptions options) {
    IpfsPath path = onePath(options);
    String hash = path.segments().isEmpty() ? path.root().toString() : path.text();
    answer(request, resolve(path).compose(cid -> store.reader().ls(cid).map(listed -> {
      JsonArray links = new JsonArray();
      boolean file = listed.size() == 1 && listed.get(0).name().isEmpty() && listed.get(0).cid().equals(cid);
      if (!file) {
        listed.forEach(entry -> links.add(new JsonObject().put("Name", entry.name()).put("Hash", entry.cid().toString())
            .put("Size", entry.size()).put("Type", entry.type()).put("Target", "")));
      }
      return new JsonObject().put("Objects", new JsonArray().add(new JsonObject().put("Hash", hash)
          .put("Links", links)));
    })));
  }

  /** An IPFS path as a call's argument: its CID and the names below it ({@code text} as given). */
  private record IpfsPath(String text, Cid root, List<String> segments) {}

  /**
   * The one argument of {@code cat}, {@code ls} or {@code get}: a CID, bare or as {@code /ipfs/CID},
   * with a path below it or not ({@code /ipfs/CID/a/b}); an {@code /ipns/} name needs a daemon.
   */
  private static IpfsPath onePath(KuboOptions options) {
    List<String> args = options.args();
    if (args.size() > 1) {
      throw FerryException.badRequest("expected one argument, got " + args.size());
    }
    String text = args.get(0);
    if (text.startsWith("/ipns/")) {
      throw FerryException.badRequest("'" + text + "': the embedded store resolves no IPNS names; give an /ipfs/ "
          + "path, or set ipfs.api to a Kubo daemon");
    }
    String bare = text.startsWith(IPFS_PREFIX) ? text.substring(IPFS_PREFIX.length()) : text;
    List<String> segments = new ArrayList<>(Arrays.stream(bare.split("/")).filter(s -> !s.isEmpty()).toList());
    if (segments.isEmpty()) {
      throw FerryException.badRequest("'" + text + "' names no CID");
    }
    return new IpfsPath(text, Cid.parse(segments.remove(0)), List.copyOf(segments));
  }

  /** The CID {@code path} names in the store: the root itself, or what its segments lead to. */
  private Future<Cid> resolve(IpfsPath path) {
    return path.segments().isEmpty() ? Future.succeededFuture(path.root())
        : store.reader().resolve(path.root(), path.segments()).map(resolved -> resolved.cid());
  }

  private void refs(HttpServerRequest request, KuboOptions options) {
    List<Cid> roots = options.cids();
    boolean recursive = options.flag("recursive", false);
    boolean unique = options.flag("unique", false);
    Future<List<JsonObject>> lines = InOrder.each(roots, root -> store.reader().refs(root, recursive, unique))
        .map(each -> each.stream().flatMap(List::stream)
            .map(cid -> new JsonObject().put("Ref", cid.toString()).put("Err", "")).toList());
    lines.onSuccess(list -> KuboAnswers.lines(request.response(), list))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  // ---- blocks

  private void blockGet(HttpServerRequest request, KuboOptions options) {
    Cid cid = one(options);
    store.block(cid)
        .onSuccess(block -> request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream").end(block))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  private void blockPut(HttpServerRequest request, KuboOptions options) {
    String format = options.string("format", null);
    boolean v0 = "v0".equals(format) || "protobuf".equals(format);
    int codec = v0 ? Cid.DAG_PB : codec("cid-codec", options.string("cid-codec", format == null ? "raw" : format));
    HashFunction hash = HashFunction.byName(options.string("mhtype", HashFunction.SHA2_256.kuboName()));
    long mhlen = options.number("mhlen", -1);
    if (mhlen != -1 && mhlen != hash.digestBytes()) {
      throw FerryException.badRequest("mhlen " + mhlen + ": the embedded store makes whole " + hash.kuboName()
          + " digests (" + hash.digestBytes() + " bytes); leave mhlen out, or set ipfs.api to a Kubo daemon");
    }
    putBlocks(request, options, new BlockPut(codec, hash, v0, options.flag("allow-big-block", false)),
        (cid, size) -> new JsonObject().put("Key", cid.toString()).put("Size", size));
  }

  private void blockStat(HttpServerRequest request, KuboOptions options) {
    Cid cid = one(options);
    answer(request, store.block(cid).map(block -> new JsonObject().put("Key", cid.toString()).put("Size", block.length())));
  }

  private void blockRm(HttpServerRequest request, KuboOptions options) {
    List<Cid> cids = options.cids();
    boolean force = options.flag("force", false);
    Future<List<JsonObject>> lines = InOrder.each(cids, cid -> store.removeBlock(cid)
        .map(removed -> new JsonObject().put("Hash", cid.toString()))
        .recover(e -> force && FerryException.NOT_FOUND.equals(FerryException.from(e).code())
            ? Future.succeededFuture(new JsonObject().put("Hash", cid.toString()))
            : Future.succeededFuture(new JsonObject().put("Hash", cid.toString())
                .put("Error", FerryException.from(e).getMessage()))));
    lines.onSuccess(list -> KuboAnswers.lines(request.response(), list))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  // ---- DAGs

  private void dagGet(HttpServerRequest request, KuboOptions options) {
    Cid cid = one(options);
    String output = options.string("output-codec", "dag-json");
    answerBytes(request, store.block(cid).map(block -> {
      if (codecName(cid.codec()).equals(output)) {
        return block;
      }
      if (!"dag-json".equals(output)) {
        throw FerryException.badRequest("dag/get: output-codec " + output + " of a " + codecName(cid.codec())
            + " block needs a Kubo daemon (ipfs.api); the embedded store gives dag-json of dag-pb and raw blocks");
      }
      return Buffer.buffer(dagJson(cid, block.getBytes()).encode());
    }));
  }

  private void dagPut(HttpServerRequest request, KuboOptions options) {
    String storeCodec = options.string("store-codec", "dag-cbor");
    String inputCodec = options.string("input-codec", "dag-json");
    if (!storeCodec.equals(inputCodec)) {
      throw FerryException.badRequest("dag/put: input-codec " + inputCodec + " stored as " + storeCodec
          + " needs a Kubo daemon (ipfs.api); the embedded store keeps blocks in the codec they come in "
          + "(input-codec equal to store-codec)");
    }
    HashFunction hash = HashFunction.byName(options.string("hash", HashFunction.SHA2_256.kuboName()));
    putBlocks(request, options, new BlockPut(codec("store-codec", storeCodec), hash, false,
        options.flag("allow-big-block", false)),
        (cid, size) -> new JsonObject().put("Cid", new JsonObject().put("/", cid.toString())));
  }

  private void dagImport(HttpServerRequest request, KuboOptions options) {
    boolean pinRoots = options.flag("pin-roots", true);
    HttpServerResponse response = request.response();
    Spool.of(vertx, store, request).compose(parts -> {
      if (parts.isEmpty()) {
        throw FerryException.badRequest("dag/import: no CAR file in the upload: send multipart/form-data with one");
      }
      return InOrder.each(parts, part -> store.importCar(part.file()))
          .eventually(() -> Spool.delete(vertx, parts));
    }).onSuccess(each -> {
      List<Cid> roots = each.stream().flatMap(List::stream).distinct().toList();
      Future<List<String>> pinned = !pinRoots ? Future.succeededFuture(roots.stream().map(r -> "").toList())
          : InOrder.each(roots, root -> pins.pin(root.toString(), PinOptions.fromQuery(name -> null))
              .map(pin -> "").otherwise(e -> FerryException.from(e).getMessage()));
      pinned.onSuccess(errors -> {
        List<JsonObject> lines = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
          lines.add(new JsonObject().put("Root", new JsonObject()
              .put("Cid", new JsonObject().put("/", roots.get(i).toString())).put("PinErrorMsg", errors.get(i))));
        }
        KuboAnswers.lines(response, lines);
      });
    }).onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  private void dagExport(HttpServerRequest request, KuboOptions options) {
    Cid cid = one(options);
    sendSpooled(request, "application/vnd.ipld.car", to -> store.reader().exportCar(cid, to));
  }

  // ---- the repository and the node

  private void repoStat(HttpServerRequest request, KuboOptions options) {
    answer(request, store.stat().map(stat -> new JsonObject()
        .put("RepoSize", stat.repoSize()).put("StorageMax", stat.storageMax()).put("NumObjects", stat.numObjects())
        .put("RepoPath", stat.path().toString()).put("Version", "ferry-embedded/" + Version.current())));
  }

  /** {@code repo/gc}: the store's garbage collection; one {@code {"Key": {"/": cid}}} line per removed block. */
  private void repoGc(HttpServerRequest request, KuboOptions options) {
    boolean quiet = options.flag("quiet", false);
    store.collectGarbage()
        .onSuccess(collected -> KuboAnswers.lines(request.response(), quiet ? List.of() : collected.removed().stream()
            .map(cid -> new JsonObject().put("Key", new JsonObject().put("/", cid.toString()))).toList()))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  /** {@code id}: the node's peer ID (the store has no libp2p host of its own) and the store's agent. */
  private void id(HttpServerRequest request) {
    answer(request, store.id().map(id -> new JsonObject()
        .put("ID", peerId.toString())
        .put("Addresses", new JsonArray())
        .put("AgentVersion", id.agent())
        .put("Protocols", new JsonArray())));
  }

  private static void version(HttpServerRequest request) {
    KuboAnswers.json(request.response(), new JsonObject()
        .put("Version", KUBO_VERSION)
        .put("Commit", "")
        .put("Repo", "ferry-" + Version.current())
        .put("System", System.getProperty("os.arch") + "/" + System.getProperty("os.name").toLowerCase(Locale.ROOT))
        .put("Golang", ""));
  }

  // ---- shared steps

  /** How {@link #putBlocks} answers for one stored block. */
  private interface PutAnswer {
    JsonObject of(Cid cid, long size);
  }

  /**
   * Stores each uploaded part as one block made as {@code put} says (checked, hashed and stored on
   * the store's workers, {@link ContentStore#putBlock(Path, BlockPut)}). With {@code pin}, each is
   * pinned in the cluster.
   */
  private void putBlocks(HttpServerRequest request, KuboOptions options, BlockPut put, PutAnswer answer) {
    boolean pin = options.flag("pin", false);
    PinOptions cluster = options.clusterPin();
    HttpServerResponse response = request.response();
    Spool.of(vertx, store, request).compose(parts -> {
      if (parts.isEmpty()) {
        throw FerryException.badRequest("no block in the upload: send multipart/form-data with one file part per block");
      }
      return InOrder.each(parts, part -> store.putBlock(part.file(), put)
          .map(stored -> answer.of(stored.cid(), stored.size()))
          .compose(line -> pin ? pins.pin(cidOf(line), cluster).map(pinned -> line) : Future.succeededFuture(line)))
          .eventually(() -> Spool.delete(vertx, parts));
    }).onSuccess(lines -> {
      if (lines.size() == 1) {
        KuboAnswers.json(response, lines.get(0));
      } else {
        KuboAnswers.lines(response, lines);
      }
    }).onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  private static String cidOf(JsonObject line) {
    return line.containsKey("Key") ? line.getString("Key") : line.getJsonObject("Cid").getString("/");
  }

  /** Writes an answer to a spool file on the store's workers, then sends the file and deletes it. */
  private void sendSpooled(HttpServerRequest request, String contentType, Function<Path, Future<Void>> write) {
    HttpServerResponse response = request.response();
    store.spoolFile().compose(file -> write.apply(file)
        .compose(written -> {
          response.putHeader(HttpHeaders.CONTENT_TYPE, contentType).putHeader("X-Stream-Output", "1");
          return response.sendFile(file.toString());
        })
        .eventually(() -> vertx.fileSystem().delete(file.toString()).recover(e -> Future.succeededFuture())))
        .onFailure(e -> KuboAnswers.error(response, FerryException.from(e)));
  }

  private static void answer(HttpServerRequest request, Future<JsonObject> body) {
    body.onSuccess(json -> KuboAnswers.json(request.response(), json))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  private static void answerBytes(HttpServerRequest request, Future<Buffer> body) {
    body.onSuccess(bytes -> request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream").end(bytes))
        .onFailure(e -> KuboAnswers.error(request.response(), FerryException.from(e)));
  }

  /** The one CID a call is about. */
  private static Cid one(KuboOptions options) {
    List<Cid> cids = options.cids();
    if (cids.size() > 1) {
      throw FerryException.badRequest("expected one argument, got " + cids.size());
    }
    return cids.get(0);
  }

  private static Function<String, String> param(KuboOptions options) {
    return name -> options.string(name, null);
  }

  private static int codec(String option, String name) {
    Integer codec = CODECS.get(name);
    if (codec == null) {
      throw FerryException.badRequest(option + ": the embedded store keeps blocks of " + String.join(", ",
          CODECS.keySet().stream().sorted().toList()) + ", not '" + name + "'; set ipfs.api to a Kubo daemon for others");
    }
    return codec;
  }

  private static String codecName(int codec) {
    return CODECS.entrySet().stream().filter(e -> e.getValue() == codec).map(Map.Entry::getKey).findFirst()
        .orElse("0x" + Integer.toHexString(codec));
  }

  /** A dag-pb or raw block in DAG-JSON, as Kubo's {@code dag/get} gives it. */
  private static JsonObject dagJson(Cid cid, byte[] block) {
    Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
    if (cid.codec() == Cid.RAW) {
      return new JsonObject().put("/", new JsonObject().put("bytes", base64.encodeToString(block)));
    }
    if (cid.codec() != Cid.DAG_PB) {
      throw FerryException.badRequest("dag/get: dag-json of a " + codecName(cid.codec()) + " block needs a Kubo daemon "
          + "(ipfs.api); ask for output-codec=" + codecName(cid.codec()));
    }
    DagPb.Node node = DagPb.decode(block);
    JsonArray links = new JsonArray();
    for (DagPb.Link link : node.links()) {
      JsonObject json = new JsonObject().put("Hash", new JsonObject().put("/", link.hash().toString()));
      if (link.name() != null) {
        json.put("Name", link.name());
      }
      if (link.tsize() != null) {
        json.put("Tsize", link.tsize());
      }
      links.add(json);
    }
    JsonObject json = new JsonObject();
    if (node.data() != null) {
      json.put("Data", new JsonObject().put("/", new JsonObject().put("bytes", base64.encodeToString(node.data()))));
    }
    return json.put("Links", links);
  }

  /** An uploaded part, spooled: its name (a path, percent-decoded), its file, and whether it is a directory. */
  record Part(String name, Path file, boolean directory) {
    static String decode(String filename) {
      try {
        return URLDecoder.decode(filename.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw FerryException.badRequest("a part's file name '" + filename + "' has a malformed percent-escape");
      }
    }
  }
}
