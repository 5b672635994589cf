package dev.ferry.raft;

import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.ferry.node.Addresses;
import dev.ferry.node.Node;
import dev.ferry.node.NodeConfig;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.peers.PeersException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Raft test clusters in this JVM: a peers.json (some peers may be {@code "voter": false}), fast
 * Raft timings, nodes that stop and restart on the same data directory, and network partitions
 * made by dropping Raft traffic between the two sides in outbound bus interceptors (Hazelcast
 * membership stays whole, as when only the event-bus links fail). Nodes are numbered from 1.
 */
final class RaftCluster implements AutoCloseable {
  static final String KV = "kv";
  static final Duration WAIT = Duration.ofSeconds(30);

  /** Timings that keep tests short; the shipped defaults are in conf/node.json. */
  static JsonObject fastRaft() {
    return new JsonObject()
        .put("election_timeout_ms", 500)
        .put("heartbeat_period_secs", 1)
        .put("heartbeat_timeout_secs", 2)
        .put("leader_wait_ms", 2000)
        .put("request_timeout_ms", 4000)
        .put("membership_timeout_ms", 20000)
        .put("stuck_follower_checks", 2);
  }

  private final Path dir;
  private final Path peersFile;
  private final List<Peer> peers = new ArrayList<>();
  private final JsonObject raft;
  private final Node[] nodes;
  private final Map<Integer, Handler<DeliveryContext<Object>>> cuts = new HashMap<>();

  /**
   * @param size number of nodes
   * @param nonVoters nodes marked {@code "voter": false} in peers.json
   * @param raft settings over {@link #fastRaft()}
   */
  RaftCluster(int size, Set<Integer> nonVoters, JsonObject raft) {
    this.raft = fastRaft().mergeIn(raft);
    this.nodes = new Node[size];
    try {
      dir = Files.createTempDirectory("ferry-raft-");
      peersFile = dir.resolve("peers.json");
      List<Integer> ports = Ports.free(size * 4);
      for (int i = 0; i < size; i++) {
        var peer = Peer.builder().pid(i + 1).name("node" + (i + 1)).hostname("localhost").ipAddress("127.0.0.1")
            .port(ports.get(4 * i)).membershipPort(ports.get(4 * i + 1)).apiPort(ports.get(4 * i + 2))
            .proxyPort(ports.get(4 * i + 3));
        if (nonVoters.contains(i + 1)) {
          peer.extra("voter", BooleanNode.FALSE);
        }
        peers.add(peer.build());
      }
      Peers.of(peers).dump(peersFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (PeersException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts every node, in order. */
  static RaftCluster start(int size, Set<Integer> nonVoters, JsonObject raft) {
    RaftCluster cluster = new RaftCluster(size, nonVoters, raft);
    try {
      for (int i = 1; i <= size; i++) {
        cluster.restart(i);
      }
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  static RaftCluster start(int size) {
    return start(size, Set.of(), new JsonObject());
  }

  int size() {
    return nodes.length;
  }

  String name(int i) {
    return peers.get(i - 1).name();
  }

  int number(String name) {
    return Integer.parseInt(name.substring("node".length()));
  }

  int apiPort(int i) {
    return peers.get(i - 1).apiPort().orElseThrow();
  }

  Path dataDir(int i) {
    return dir.resolve("data").resolve(name(i));
  }

  boolean running(int i) {
    return nodes[i - 1] != null;
  }

  Node node(int i) {
    Node node = nodes[i - 1];
    if (node == null) {
      throw new IllegalStateException(name(i) + " is stopped");
    }
    return node;
  }

  RaftClient client(int i) {
    return RaftClient.forNode(node(i));
  }

  /** Starts node {@code i} (again), on its data directory. */
  void restart(int i) {
    if (nodes[i - 1] != null) {
      throw new IllegalStateException(name(i) + " is running");
    }
    JsonObject flags = new JsonObject().put("name", name(i)).put("peers", peersFile.toString())
        .put("data_dir", dataDir(i).toString()).put("raft", raft.copy());
    NodeConfig config = NodeConfig.resolve(new NodeConfig.Sources(Optional.empty(), Map.of(), flags, "localhost",
        dir, dir));
    nodes[i - 1] = Node.start(config, Map.of()).await();
  }

  /** Stops node {@code i} (in one JVM the hardest stop is a graceful one). */
  void stop(int i) {
    Node node = nodes[i - 1];
    nodes[i - 1] = null;
    cuts.remove(i);
    if (node != null) {
      node.close().await();
    }
  }

  /** The running nodes' numbers. */
  List<Integer> running() {
    return IntStream.rangeClosed(1, size()).filter(this::running).boxed().toList();
  }

  /** Waits until the nodes {@code among} (all running ones by default) agree on one running leader; its number. */
  int leader(String group, int... among) {
    int[] asked = among.length == 0 ? running().stream().mapToInt(Integer::intValue).toArray() : among;
    int[] found = new int[1];
    Eventually.await("one leader of " + group + " agreed by nodes " + Arrays.toString(asked), WAIT, () -> {
      Set<String> leaders = Arrays.stream(asked).mapToObj(i -> status(i, group).leader())
          .collect(Collectors.toSet());
      if (leaders.size() != 1 || leaders.contains(null)) {
        return false;
      }
      found[0] = number(leaders.iterator().next());
      return running(found[0]);
    });
    return found[0];
  }

  /** Waits until the nodes {@code among} agree on a running leader other than {@code old}; its number. */
  int newLeader(String group, int old, int... among) {
    int[] found = new int[1];
    Eventually.await("a leader of " + group + " other than " + name(old), WAIT, () -> {
      found[0] = leader(group, among);
      return found[0] != old;
    });
    return found[0];
  }

  GroupStatus status(int i, String group) {
    return await(client(i).status(group));
  }

  /** A running node other than {@code not}. */
  int other(int... not) {
    return running().stream().filter(i -> Arrays.stream(not).noneMatch(n -> n == i)).findFirst().orElseThrow();
  }

  /**
   * Cuts Raft traffic between {@code side} and every other node, both ways: each node drops what
   * it sends to the other side's Raft and node-internal addresses.
   */
  void partition(int... side) {
    Set<Integer> a = Arrays.stream(side).boxed().collect(Collectors.toSet());
    for (int i : running()) {
      List<String> others = IntStream.rangeClosed(1, size()).filter(j -> a.contains(j) != a.contains(i))
          .mapToObj(this::name).toList();
      Handler<DeliveryContext<Object>> cut = ctx -> {
        String address = ctx.message().address();
        boolean blocked = others.stream().anyMatch(n -> address.startsWith(Addresses.nodePrefix(n))
            || address.startsWith("ferry.raft.") && address.endsWith("." + n));
        if (!blocked) {
          ctx.next();
        }
      };
      node(i).vertx().eventBus().addOutboundInterceptor(cut);
      cuts.put(i, cut);
    }
  }

  /** Removes every cut. */
  void heal() {
    cuts.forEach((i, cut) -> {
      if (running(i)) {
        node(i).vertx().eventBus().removeOutboundInterceptor(cut);
      }
    });
    cuts.clear();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer in " + WAIT.toSeconds() + " s", e);
    }
  }

  @Override
  public void close() {
    for (int i = size(); i >= 1; i--) {
      try {
        stop(i);
      } catch (RuntimeException e) {
        // keep stopping the others
      }
    }
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
