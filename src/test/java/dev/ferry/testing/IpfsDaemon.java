package dev.ferry.testing;

import dev.ferry.core.NodeKey;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real js-ipfs daemon (npm package {@code ipfs}, installed by bin/test) in its own repository
 * under {@code dir}, listening on free loopback ports only, with bootstrap, discovery and
 * delegates off so it never reaches beyond this machine. Its RPC API is {@link #api()}.
 * {@link #close()} stops it by its PID and waits for it to exit.
 *
 * <p>{@code jsipfs init} runs once per JVM, into a template ({@link Template}): each daemon's
 * repository is a copy of its files with an identity of its own (an Ed25519 key, as init makes
 * one), and its datastore and pin store are made by the daemon when it first opens them. Init
 * costs about 3 s of CPU (loading js-ipfs), as much as starting a daemon. {@link #startAll}
 * starts several daemons at once. Starting is thread-safe; a daemon's other methods are for one
 * thread at a time.
 */
public final class IpfsDaemon implements AutoCloseable {
  private static final Path JSIPFS = Path.of("tools", "ipfs", "node_modules", ".bin", "jsipfs");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final String BOUNDARY = "ferry-ipfs-daemon-part";

  private final Path repo;
  private final Path log;
  private final int apiPort;
  private final int swarmPort;
  private Process process;

  private IpfsDaemon(Path dir) {
    this.repo = dir.resolve("ipfs-repo");
    this.log = dir.resolve("ipfs.log");
    List<Integer> ports = Ports.free(4);
    this.apiPort = ports.get(0);
    this.swarmPort = ports.get(1);
    init(ports.get(2), ports.get(3));
  }

  /** Initialises a repository under {@code dir} and starts the daemon; returns once it serves its API. */
  public static IpfsDaemon start(Path dir) {
    return startAll(List.of(dir)).get(0);
  }

  /**
   * A daemon in each of {@code dirs}, started at once (each loads js-ipfs, seconds of CPU); returns
   * once all serve their API, in the order of {@code dirs}. If one fails, those started are stopped.
   */
  public static List<IpfsDaemon> startAll(List<Path> dirs) {
    List<IpfsDaemon> daemons = new ArrayList<>();
    try {
      for (Path dir : dirs) {
        IpfsDaemon daemon = new IpfsDaemon(dir);
        daemons.add(daemon);
        daemon.launch();
      }
      daemons.forEach(IpfsDaemon::awaitReady);
      return List.copyOf(daemons);
    } catch (RuntimeException | Error e) {
      daemons.forEach(IpfsDaemon::stop);
      throw e;
    }
  }

  public URI api() {
    return URI.create("http://127.0.0.1:" + apiPort);
  }

  /** The daemon's libp2p listen address, for connecting daemons to each other. */
  public String swarmAddress() {
    return "/ip4/127.0.0.1/tcp/" + swarmPort;
  }

  /** The daemon's full libp2p address, {@code /ip4/127.0.0.1/tcp/<port>/p2p/<its peer ID>}: an origin of content it holds. */
  public String p2pAddress() {
    return swarmAddress() + "/p2p/" + rpc(this, "id", "").getString("ID");
  }

  /**
   * Connects this daemon to {@code other} (swarm connect), so content added to one can be fetched
   * by the other: with bootstrap and discovery off, daemons find nobody by themselves.
   */
  public void connectTo(IpfsDaemon other) {
    rpc(this, "swarm/connect", "arg=" + other.p2pAddress());
  }

  /**
   * The CIDv1 that {@code content} would get if added (as {@code KuboRpcConnector.add} adds it),
   * without storing anything: content no daemon has yet.
   */
  public String cidOf(byte[] content) {
    return add(List.of(content), "cid-version=1&only-hash=true&pin=false").get(0);
  }

  /** The CID the daemon gives {@code content} with Kubo's defaults (CIDv0), without storing it. */
  public String cidOfV0(byte[] content) {
    return add(List.of(content), "only-hash=true&pin=false").get(0);
  }

  /** The CARv1 of the DAG under {@code cid} ({@code dag/export}), which the daemon must hold. */
  public byte[] exportCar(String cid) {
    try {
      var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(api().resolve("/api/v0/dag/export?arg="
          + cid)).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("dag/export on " + api() + ": " + new String(response.body(), StandardCharsets.UTF_8));
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Imports the CARv1 {@code car} ({@code dag/import}); with {@code pinRoots} its roots are pinned
   * (so their whole DAGs must be in it, or the pin waits for blocks no peer has) and answered, as
   * canonical text; without, nothing is answered.
   */
  public List<String> importCar(byte[] car, boolean pinRoots) {
    String answer = send(HttpRequest.newBuilder(api().resolve("/api/v0/dag/import?pin-roots=" + pinRoots))
        .header("Content-Type", MultipartBody.type(BOUNDARY))
        .POST(HttpRequest.BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY, Map.of("car", car))))
        .timeout(Duration.ofSeconds(60)).build(), "dag/import");
    return answer.lines().filter(l -> !l.isBlank())
        .map(l -> Cid.parse(new JsonObject(l).getJsonObject("Root").getJsonObject("Cid").getString("/")).toString())
        .toList();
  }

  /**
   * Stores {@code json} (DAG-JSON: links as {@code {"/": "<cid>"}}) as a DAG-CBOR block
   * ({@code dag/put}); its CID, as canonical text.
   */
  public String dagPut(String json) {
    String answer = send(HttpRequest.newBuilder(api().resolve("/api/v0/dag/put?store-codec=dag-cbor&input-codec=dag-json"))
        .header("Content-Type", MultipartBody.type(BOUNDARY))
        .POST(HttpRequest.BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY,
            Map.of("node.json", json.getBytes(StandardCharsets.UTF_8)))))
        .timeout(Duration.ofSeconds(30)).build(), "dag/put");
    return Cid.parse(new JsonObject(answer.strip()).getJsonObject("Cid").getString("/")).toString();
  }

  /** The bytes of the file at the IPFS path {@code path} ({@code cat}), which must be in this daemon's store. */
  public byte[] cat(String path) {
    return send(HttpRequest.newBuilder(api().resolve("/api/v0/cat?timeout=30s&arg=" + path))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray(), "cat " + path);
  }

  /**
   * Adds each of {@code contents} as a file (CIDv1, raw leaves) in one request, without pinning:
   * the blocks are there for a pin to find at once. Their CIDs, in order, as canonical text.
   */
  public List<String> addUnpinned(List<byte[]> contents) {
    return add(contents, "cid-version=1&pin=false");
  }

  /**
   * Publishes {@code path} (an {@code /ipfs/} path) under the daemon's own key ({@code name/publish};
   * js-ipfs keeps the record in its own datastore when its DHT is off, as here) and returns the name:
   * the daemon's peer ID, so {@code /ipns/<name>} resolves to {@code path} on this daemon.
   */
  public String publish(String path) {
    return rpc(this, "name/publish", "allow-offline=true&arg=" + path).getString("Name");
  }

  /** The CIDs this daemon pins recursively, as canonical text. */
  public Set<String> pins() {
    JsonObject keys = rpc(this, "pin/ls", "type=recursive").getJsonObject("Keys", new JsonObject());
    Set<String> pinned = new HashSet<>();
    keys.fieldNames().forEach(k -> pinned.add(Cid.parse(k).toString()));
    return pinned;
  }

  /** {@code add} with {@code query}, one multipart file per item of {@code contents}; their CIDs, in order. */
  private List<String> add(List<byte[]> contents, String query) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int n = 0; n < contents.size(); n++) {
      files.put("f" + n, contents.get(n));
    }
    List<String> cids = addFiles(files, query).stream().map(l -> Cid.parse(l.getString("Hash")).toString()).toList();
    if (cids.size() != contents.size()) {
      throw new IllegalStateException("add on " + api() + ": " + contents.size() + " files sent, " + cids.size()
          + " CIDs back");
    }
    return cids;
  }

  /**
   * {@code add} with {@code query} (Kubo's and js-ipfs's options, such as {@code trickle=true} or
   * {@code shard-split-threshold=N}) of {@code files} by their paths ({@code dir/a.txt}: the daemon
   * makes the directories) in one request; its answer, one object per line ({@code Name},
   * {@code Hash}, {@code Size}), the files first and each directory after what it holds.
   */
  public List<JsonObject> addFiles(Map<String, byte[]> files, String query) {
    String answer = send(HttpRequest.newBuilder(api().resolve("/api/v0/add?" + query))
        .header("Content-Type", MultipartBody.type(BOUNDARY))
        .POST(HttpRequest.BodyPublishers.ofByteArray(MultipartBody.of(BOUNDARY, files)))
        .timeout(Duration.ofSeconds(120)).build(), "add?" + query);
    return answer.lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
  }

  private static JsonObject rpc(IpfsDaemon daemon, String command, String query) {
    return new JsonObject(daemon.send(HttpRequest.newBuilder(daemon.api().resolve("/api/v0/" + command + "?" + query))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(), command));
  }

  /** The body of the daemon's 200 answer to {@code request}; anything else fails naming {@code command}. */
  private String send(HttpRequest request, String command) {
    return send(request, HttpResponse.BodyHandlers.ofString(), command);
  }

  private <T> T send(HttpRequest request, HttpResponse.BodyHandler<T> body, String command) {
    try {
      var response = HttpClient.newHttpClient().send(request, body);
      if (response.statusCode() != 200) {
        throw new IllegalStateException(command + " on " + api() + ": " + (response.body() instanceof byte[] bytes
            ? new String(bytes, StandardCharsets.UTF_8) : response.body()));
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the daemon again on the same repository and ports (after {@link #stop}). */
  public void run() {
    if (process != null && process.isAlive()) {
      return;
    }
    launch();
    awaitReady();
  }

  private void launch() {
    try {
      // a daemon killed without a chance to clean up leaves its lock behind
      Files.deleteIfExists(repo.resolve("repo.lock"));
      process = jsipfs(repo, "daemon").redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + JSIPFS + " (bin/test installs it under tools/ipfs)", e);
    }
  }

  private void awaitReady() {
    Eventually.await("the IPFS daemon to be ready (" + log + ")", START_TIMEOUT, () -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("the IPFS daemon exited with " + process.exitValue() + ": " + logText());
      }
      return logText().contains("Daemon is ready");
    });
  }

  /** Stops the daemon (SIGTERM, then SIGKILL) and waits for it to exit. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  @Override
  public void close() {
    stop();
  }

  private void init(int gatewayPort, int rpcPort) {
    try {
      Template.copyTo(repo);
      Path configFile = repo.resolve("config");
      JsonObject config = new JsonObject(Files.readString(configFile));
      NodeKey key = NodeKey.generate();
      config.put("Identity", new JsonObject().put("PeerID", key.peerId().toString())
          .put("PrivKey", Base64.getEncoder().encodeToString(key.toLibp2p())));
      config.put("Bootstrap", new JsonArray());
      JsonObject discovery = config.getJsonObject("Discovery");
      discovery.getJsonObject("MDNS").put("Enabled", false);
      discovery.getJsonObject("webRTCStar").put("Enabled", false);
      config.getJsonObject("Addresses")
          .put("Swarm", new JsonArray().add(swarmAddress()))
          .put("API", "/ip4/127.0.0.1/tcp/" + apiPort)
          .put("Gateway", "/ip4/127.0.0.1/tcp/" + gatewayPort)
          .put("RPC", "/ip4/127.0.0.1/tcp/" + rpcPort)
          .put("Delegates", new JsonArray());
      config.getJsonObject("Swarm").put("DisableNatPortMap", true);
      Files.writeString(configFile, config.encodePrettily());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The repository {@code jsipfs init --empty-repo} makes, made once per JVM in a temporary
   * directory (removed when the JVM exits). Copied without its datastore and pin store: the
   * datastore holds the keychain's copy of the template's key, and a daemon makes both stores
   * when it opens a repository without them.
   */
  private static final class Template {
    private static final List<String> LEFT_OUT = List.of("datastore", "pins");
    private static Path root;

    static synchronized void copyTo(Path repo) throws IOException {
      Path template = made();
      try (Stream<Path> files = Files.walk(template)) {
        for (Path from : files.toList()) {
          Path relative = template.relativize(from);
          if (relative.getNameCount() > 0 && LEFT_OUT.contains(relative.getName(0).toString())) {
            continue;
          }
          Path to = repo.resolve(relative.toString());
          if (Files.isDirectory(from)) {
            Files.createDirectories(to);
          } else {
            Files.copy(from, to);
          }
        }
      }
    }

    private static Path made() throws IOException {
      if (root != null) {
        return root;
      }
      Path dir = Files.createTempDirectory("ferry-ipfs-template-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> TestCluster.deleteRecursively(dir)));
      Path repo = dir.resolve("repo");
      Path log = dir.resolve("init.log");
      Files.createDirectories(repo);
      try {
        Process init = jsipfs(repo, "init", "--empty-repo").redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        if (!init.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || init.exitValue() != 0) {
          init.destroyForcibly();
          throw new IllegalStateException("jsipfs init failed: " + Files.readString(log, StandardCharsets.UTF_8));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      root = repo;
      return root;
    }
  }

  private static ProcessBuilder jsipfs(Path repo, String... args) {
    if (!Files.isExecutable(JSIPFS)) {
      throw new IllegalStateException(JSIPFS.toAbsolutePath() + " is missing: run bin/test (it installs js-ipfs under tools/ipfs)");
    }
    List<String> command = new ArrayList<>(List.of(JSIPFS.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("IPFS_PATH", repo.toString());
    return builder;
  }

  private String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
