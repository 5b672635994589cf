package dev.ferry.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.NodeConfig;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.node.Node;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.peers.PeersException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The one harness for multi-node tests: a peers.json with free loopback ports, and nodes started
 * either in this JVM ({@link #inJvm}) or as processes of the fat jar ({@link #processes}, where
 * process death matters). Nodes are numbered from 1. Closing stops every node and removes the
 * temporary directory.
 */
public abstract class TestCluster implements AutoCloseable {
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  protected final Path dir;
  protected final Path peersFile;
  protected final List<Peer> peers;

  protected TestCluster(int size) {
    this(size, i -> Map.of());
  }

  /** @param peerExtras extra peers.json fields of node {@code i}, e.g. {@code "voter": false} */
  protected TestCluster(int size, IntFunction<Map<String, JsonNode>> peerExtras) {
    try {
      this.dir = Files.createTempDirectory("ferry-cluster-");
      this.peersFile = dir.resolve("peers.json");
      this.peers = generatePeers(size, peerExtras);
      Peers.of(peers).dump(peersFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (PeersException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Nodes as clustered Vert.x instances in this JVM, started in order. */
  public static JvmCluster inJvm(int size) {
    return new JvmCluster(size, i -> new JsonObject(), i -> Map.of());
  }

  /** Nodes in this JVM, node {@code i} with extra {@code KEY=VALUE} settings (as {@code --set}). */
  public static JvmCluster inJvm(int size, IntFunction<List<String>> settings) {
    return new JvmCluster(size, i -> ConfigLayers.fromSettings(ConfigLayers.defaults(), settings.apply(i)), i -> Map.of());
  }

  /**
   * Nodes in this JVM, node {@code i} with a settings layer shaped like node.json and extra
   * peers.json fields (e.g. {@code "voter": false}).
   */
  public static JvmCluster inJvm(int size, IntFunction<JsonObject> settings,
      IntFunction<Map<String, JsonNode>> peerExtras) {
    return new JvmCluster(size, settings, peerExtras);
  }

  /**
   * A settings layer that turns on the event bus's TLS with the files of {@code ferry certs init}
   * in {@code certs} ({@code ca.crt}, {@code NAME.crt}, {@code NAME.key}); for {@link #inJvm(int,
   * IntFunction, IntFunction)} and {@link #processes(int, IntFunction)}.
   */
  public static JsonObject tls(Path certs) {
    return new JsonObject().put("tls", new JsonObject()
        .put("ca", certs.resolve("ca.crt").toString())
        .put("cert", certs.resolve("{name}.crt").toString())
        .put("key", certs.resolve("{name}.key").toString()));
  }

  /** Nodes as separate processes of target/ferry.jar, started at once. */
  public static ProcessCluster processes(int size) {
    return new ProcessCluster(size, 0, i -> new JsonObject());
  }

  /** Processes of target/ferry.jar, node {@code i} with a settings layer shaped like node.json (its {@code --config}). */
  public static ProcessCluster processes(int size, IntFunction<JsonObject> settings) {
    return new ProcessCluster(size, 0, settings);
  }

  /**
   * Nodes 1..{@code inJvm} in this JVM (to hold mailboxes and watch), the rest as processes of
   * the fat jar (to be killed).
   */
  public static ProcessCluster mixed(int inJvm, int processes) {
    return new ProcessCluster(inJvm + processes, inJvm, i -> new JsonObject());
  }

  /** The peers.json entry of node {@code i} (1-based). */
  public Peer peer(int i) {
    return peers.get(i - 1);
  }

  public String name(int i) {
    return peer(i).name();
  }

  public int apiPort(int i) {
    return peer(i).apiPort().orElseThrow();
  }

  public Path peersFile() {
    return peersFile;
  }

  public Path dataDir(int i) {
    return dir.resolve("data").resolve(name(i));
  }

  public int size() {
    return peers.size();
  }

  /** The names of the members node {@code i} lists on {@code GET /peers}, or empty if it does not answer. */
  public List<String> peersSeenBy(int i) {
    try {
      var response = Http.get(apiPort(i), "/peers");
      if (response.statusCode() != 200) {
        return List.of();
      }
      return response.body().lines().filter(l -> !l.isBlank())
          .map(l -> new JsonObject(l).getString("peername")).sorted().toList();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /** Node names of the given numbers, sorted. */
  public List<String> names(int... numbers) {
    return Arrays.stream(numbers).mapToObj(this::name).sorted().toList();
  }

  /** Stops node {@code i} gracefully. */
  public abstract void stop(int i);

  /** Stops node {@code i} the hard way: kill -9 for a process. */
  public abstract void kill(int i);

  @Override
  public void close() {
    deleteRecursively(dir);
  }

  /** Writes a peers.json of {@code size} nodes on free loopback ports, named node1..N. */
  public static List<Peer> writePeers(Path file, int size) {
    List<Peer> peers = generatePeers(size, i -> Map.of());
    try {
      Peers.of(peers).dump(file);
    } catch (PeersException e) {
      throw new IllegalStateException(e);
    }
    return peers;
  }

  private static List<Peer> generatePeers(int size, IntFunction<Map<String, JsonNode>> peerExtras) {
    List<Integer> ports = Ports.free(size * 4);
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      peers.add(Peer.builder()
          .pid(i + 1)
          .name("node" + (i + 1))
          .description("test node " + (i + 1))
          .hostname("localhost")
          .ipAddress("127.0.0.1")
          .domain("localdomain")
          .port(ports.get(4 * i))
          .membershipPort(ports.get(4 * i + 1))
          .apiPort(ports.get(4 * i + 2))
          .proxyPort(ports.get(4 * i + 3))
          .extra(peerExtras.apply(i + 1))
          .build());
    }
    return peers;
  }

  /** Extra settings per node, a layer shaped like node.json; none unless a cluster says otherwise. */
  protected IntFunction<JsonObject> settings = i -> new JsonObject();

  /** Configuration of node {@code i} as the command line would give it. */
  public NodeConfig config(int i) {
    JsonObject flags = settings.apply(i).copy()
        .put("name", name(i))
        .put("peers", peersFile.toString())
        .put("data_dir", dataDir(i).toString());
    return NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost", dir, dir));
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Nodes in this JVM: fast, for everything where the death of a process does not matter. */
  public static final class JvmCluster extends TestCluster {
    private final List<Node> nodes = new ArrayList<>();

    JvmCluster(int size, IntFunction<JsonObject> settings, IntFunction<Map<String, JsonNode>> peerExtras) {
      super(size, peerExtras);
      this.settings = settings;
      try {
        nodes.add(Node.start(founding(config(1)), Map.of()).await());
        for (int i = 2; i <= size; i++) {
          nodes.add(Node.start(config(i), Map.of()).await());
        }
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    /**
     * {@code config} with itself as its only Hazelcast member, for the first start of node 1, which
     * founds the cluster: with the other nodes' addresses listed, Hazelcast's TCP-IP join asks them
     * for a master and waits a second for answers that cannot come (none of them runs yet) before
     * it makes the node master. The other nodes list every node, as peers.json says, and join it;
     * node 1 started again ({@link #restart}) lists every node too.
     */
    private static NodeConfig founding(NodeConfig config) {
      NodeConfig.ClusterSettings c = config.cluster();
      NodeConfig.ClusterSettings alone = new NodeConfig.ClusterSettings(c.name(), c.host(), c.port(),
          c.membershipPort(), List.of(c.host() + ":" + c.membershipPort()), c.membershipAddresses(),
          c.heartbeatIntervalSeconds(),
          c.maxNoHeartbeatSeconds(), c.mergeDelaySeconds(), c.requestTimeout());
      return new NodeConfig(config.name(), config.peers(), config.self(), config.dataDir(), config.verticlesDir(),
          config.shutdownTimeout(), config.api(), config.proxy(), alone, config.ipfsApi(), config.eventBusMetrics(),
          config.json());
    }

    /** Whether node {@code i} runs now. */
    public boolean isRunning(int i) {
      return nodes.get(i - 1) != null;
    }

    /** The running node {@code i}. */
    public Node node(int i) {
      Node node = nodes.get(i - 1);
      if (node == null) {
        throw new IllegalStateException(name(i) + " is stopped");
      }
      return node;
    }

    /** Waits until every node sees every node as a member (30 s at most); returns this cluster. */
    public JvmCluster awaitFullMembership() {
      Eventually.await("every node to see " + nodes.size() + " members", Duration.ofSeconds(30),
          () -> nodes.stream().allMatch(n -> n.members().current().size() == nodes.size()));
      return this;
    }

    /** The mailboxes of node {@code i}. */
    public Mailboxes mailboxes(int i) {
      return Mailboxes.of(node(i).vertx());
    }

    /** Starts node {@code i} again (a new incarnation) with the same data directory. */
    public Node restart(int i) {
      if (nodes.get(i - 1) != null) {
        throw new IllegalStateException(name(i) + " is running");
      }
      Node node = Node.start(config(i), Map.of()).await();
      nodes.set(i - 1, node);
      return node;
    }

    @Override
    public void stop(int i) {
      Node node = nodes.set(i - 1, null);
      if (node != null) {
        node.close().await();
      }
    }

    /** In one JVM the hardest stop is a graceful one; tests of process death use {@link ProcessCluster}. */
    @Override
    public void kill(int i) {
      stop(i);
    }

    /**
     * Stops every running node at once, then removes the directory. Together they leave faster
     * than one by one: Hazelcast moves no partitions when every member is shutting down, while a
     * member that leaves alone waits until its partitions are on the others.
     */
    @Override
    public void close() {
      List<Future<Void>> stopping = new ArrayList<>();
      for (int i = nodes.size(); i >= 1; i--) {
        Node node = nodes.set(i - 1, null);
        if (node != null) {
          try {
            stopping.add(node.close());
          } catch (RuntimeException e) {
            // keep stopping the others
          }
        }
      }
      try {
        Future.join(stopping).await();
      } catch (RuntimeException e) {
        // each node has stopped or failed to; nothing is left to stop
      }
      super.close();
    }
  }
}
