package dev.ferry.peers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster's static membership: the replicas listed in a {@code peers.json} file, plus the
 * file's free-form {@code info} and any fields ferry does not know, which are written back as they
 * were read. Loads from the standard locations ({@link #load()}), a given file, text or a URL
 * ({@link #sync}); validates all-or-nothing; writes atomically ({@link #dump}).
 *
 * <p>Immutable and thread-safe: every accessor returns an unmodifiable view or a copy.
 */
public final class Peers {

  /** Environment variable naming the peers file; first in the search path and the dump default. */
  public static final String ENV_PEERS = "FERRY_PEERS";
  /** Environment variable with the URL {@link #sync()} fetches peers.json from. */
  public static final String ENV_SYNC_URL = "FERRY_PEERS_SYNC_URL";
  /** Environment variable with the API key {@link #sync()} sends as {@code X-Api-Key}. */
  public static final String ENV_SYNC_APIKEY = "FERRY_PEERS_SYNC_APIKEY";

  private static final Path ETC_PEERS = Path.of("/etc/ferry/peers.json");

  private final Path source;
  private final ObjectNode info;
  private final List<Peer> replicas;
  private final Map<String, JsonNode> extra;

  Peers(Path source, ObjectNode info, List<Peer> replicas, Map<String, JsonNode> extra) {
    this.source = source;
    this.info = info.deepCopy();
    this.replicas = List.copyOf(replicas);
    Map<String, JsonNode> copy = new LinkedHashMap<>();
    extra.forEach((k, v) -> copy.put(k, v.deepCopy()));
    this.extra = Collections.unmodifiableMap(copy);
  }

  // ---- loading ----------------------------------------------------------------------------

  /**
   * The directory from the first existing file of {@link #searchPath}, for this process's
   * environment, working directory and home; an empty directory when there is none.
   *
   * @throws PeersException when the first existing file cannot be read or is invalid; later
   *     files are not tried, since silently using another file would hide the mistake
   */
  public static Peers load() throws PeersException {
    return load(System.getenv(), workingDir(), homeDir());
  }

  /** {@link #load()} with its inputs given, for tests and callers that know better. */
  public static Peers load(Map<String, String> env, Path workingDir, Path homeDir)
      throws PeersException {
    String named = env.get(ENV_PEERS);
    if (named != null && !named.isBlank() && !Files.exists(workingDir.resolve(named.trim()))) {
      // the operator named a file: falling through to another one would hide the typo
      throw new PeersException("$" + ENV_PEERS + " names " + workingDir.resolve(named.trim())
          + ", which does not exist");
    }
    for (Path candidate : searchPath(env, workingDir, homeDir)) {
      if (Files.exists(candidate)) {
        return loadFrom(candidate);
      }
    }
    return empty();
  }

  /**
   * Where {@link #load()} looks, in order: {@code $FERRY_PEERS} (relative to {@code workingDir}),
   * {@code workingDir/peers.json}, {@code homeDir/.ferry/peers.json}, {@code
   * /etc/ferry/peers.json}. A blank {@code $FERRY_PEERS} counts as unset.
   */
  public static List<Path> searchPath(Map<String, String> env, Path workingDir, Path homeDir) {
    List<Path> paths = new ArrayList<>();
    String fromEnv = env.get(ENV_PEERS);
    if (fromEnv != null && !fromEnv.isBlank()) {
      paths.add(workingDir.resolve(fromEnv.trim()));
    }
    paths.add(workingDir.resolve("peers.json"));
    paths.add(homeDir.resolve(".ferry").resolve("peers.json"));
    paths.add(ETC_PEERS);
    return List.copyOf(paths);
  }

  /** The directory in {@code path}; every failure, including a missing file, is an error. */
  public static Peers loadFrom(Path path) throws PeersException {
    try {
      byte[] bytes = Files.readAllBytes(path);
      // Bytes, not a String: Jackson detects the encoding and reports bad UTF-8 with a location.
      return PeersParser.parse(mapper -> mapper.readTree(bytes), path.toString(), path.toAbsolutePath());
    } catch (NoSuchFileException e) {
      throw new PeersException(path + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new PeersException(path + ": cannot read: permission denied", e);
    } catch (IOException e) {
      String why = Files.isDirectory(path) ? "is a directory" : "cannot read: " + e.getMessage();
      throw new PeersException(path + ": " + why, e);
    }
  }

  /** The directory in {@code json}; {@code sourceName} (a file name, a URL) prefixes every error. */
  public static Peers parse(String json, String sourceName) throws PeersException {
    return PeersParser.parse(mapper -> mapper.readTree(json), sourceName, null);
  }

  /**
   * A directory of the given replicas with an empty {@code info} and no source file.
   *
   * @throws IllegalArgumentException when two replicas share a name or a pid
   */
  public static Peers of(List<Peer> replicas) {
    PeerRules.checkUnique(replicas, (where, message) -> {
      throw new IllegalArgumentException(where + ": " + message);
    });
    return new Peers(null, JsonNodeFactory.instance.objectNode(), replicas, Map.of());
  }

  /** No replicas, no info, no source. */
  public static Peers empty() {
    return of(List.of());
  }

  // ---- writing and syncing ----------------------------------------------------------------

  /**
   * Writes this directory as pretty-printed JSON, unknown fields included. Atomic: readers see the
   * old file or the new one, never half of it. Creates missing parent directories.
   *
   * @param path where to write; null or empty means the file this directory was loaded from
   */
  public void dump(Path path) throws PeersException {
    Path target = path == null || path.toString().isEmpty() ? source : path;
    if (target == null) {
      throw new PeersException("nowhere to dump peers to: no file given and these peers were not loaded from a file");
    }
    byte[] bytes;
    try {
      bytes = PeersParser.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson());
    } catch (JsonProcessingException e) {
      throw new PeersException(target + ": cannot serialize peers: " + e.getOriginalMessage(), e);
    }
    byte[] withNewline = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, withNewline, 0, bytes.length);
    withNewline[bytes.length] = '\n';
    AtomicWrite.write(target, withNewline);
  }

  /**
   * Fetches peers.json from {@code url} with a GET, sending {@code apiKey} as {@code X-Api-Key}
   * unless it is null or blank. Gives up after 5 seconds; anything but HTTP 200 is an error.
   */
  public static Peers sync(URI url, String apiKey) throws PeersException {
    return PeersSync.fetch(url, apiKey, PeersSync.TIMEOUT);
  }

  /** {@link #sync(URI, String)} with {@code $FERRY_PEERS_SYNC_URL} and {@code $FERRY_PEERS_SYNC_APIKEY}. */
  public static Peers sync() throws PeersException {
    return sync(System.getenv());
  }

  /** {@link #sync()} reading the variables from {@code env}. */
  public static Peers sync(Map<String, String> env) throws PeersException {
    String url = env.get(ENV_SYNC_URL);
    if (url == null || url.isBlank()) {
      throw new PeersException(ENV_SYNC_URL + " is not set: set it to the URL to sync peers.json from");
    }
    try {
      return sync(new URI(url.trim()), env.get(ENV_SYNC_APIKEY));
    } catch (URISyntaxException e) {
      throw new PeersException(ENV_SYNC_URL + ": not a valid URL: " + e.getMessage(), e);
    }
  }

  /** Where a synced directory is written by default: {@code $FERRY_PEERS}, else {@code ~/.ferry/peers.json}. */
  public static Path defaultPath(Map<String, String> env, Path homeDir) {
    String fromEnv = env.get(ENV_PEERS);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv.trim());
    }
    return homeDir.resolve(".ferry").resolve("peers.json");
  }

  // ---- contents ---------------------------------------------------------------------------

  /** The file this directory was loaded from (absolute), if any. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  /** The free-form {@code info} object (a copy; empty when the file had none). */
  public JsonNode info() {
    return info.deepCopy();
  }

  /** The replicas in file order. */
  public List<Peer> replicas() {
    return replicas;
  }

  public int size() {
    return replicas.size();
  }

  public boolean isEmpty() {
    return replicas.isEmpty();
  }

  /** The replicas' names in file order. */
  public List<String> names() {
    return replicas.stream().map(Peer::name).toList();
  }

  /** The replica with this exact name. */
  public Optional<Peer> get(String name) {
    return replicas.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * The replicas on host {@code hostname}, in file order: those whose {@code hostname} has the
   * same first DNS label, case-insensitively ({@code apollo} matches {@code Apollo.example.com}
   * either way round). A null or blank {@code hostname} means this machine's, as in the seed.
   */
  public List<Peer> local(String hostname) {
    String host = hostname == null || hostname.isBlank() ? machineHostname() : hostname;
    return replicas.stream().filter(p -> HostNames.sameHost(p.hostname(), host)).toList();
  }

  /** {@link #local(String)} for this machine. */
  public List<Peer> local() {
    return local(null);
  }

  /**
   * The one replica this process should be: among {@link #local(String)}, the one with {@code
   * pid}, or with {@code pid == 0} the first (the seed's convention, so pid 0 means "any").
   */
  public Optional<Peer> localhost(String hostname, int pid) {
    return local(hostname).stream().filter(p -> pid == 0 || p.pid() == pid).findFirst();
  }

  /** {@link #localhost(String, int)} for this machine and any pid. */
  public Optional<Peer> localhost() {
    return localhost(null, 0);
  }

  /** The whole directory in the {@code peers.json} shape, unknown fields included. */
  public ObjectNode toJson() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("info", info.deepCopy());
    root.set("replicas", JsonNodeFactory.instance.arrayNode().addAll(replicas.stream().map(Peer::toJson).toList()));
    extra.forEach((key, value) -> root.set(key, value.deepCopy()));
    return root;
  }

  @Override
  public String toString() {
    return "Peers" + names() + (source == null ? "" : " from " + source);
  }

  private static String machineHostname() {
    return HostNames.machineHostname(System.getenv());
  }

  static Path workingDir() {
    return Path.of("").toAbsolutePath();
  }

  /** The user's home directory: {@code $HOME} as a shell sees it, else Java's {@code user.home}. */
  public static Path homeDir() {
    String home = System.getenv("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
  }
}
