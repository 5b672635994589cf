package dev.ferry.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.ferry.core.Addresses;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Raft on the shared in-JVM harness ({@link TestCluster#inJvm}): fast Raft timings, peers that may
 * be {@code "voter": false}, leader helpers, and network partitions made by dropping Raft traffic
 * between the two sides in outbound bus interceptors (Hazelcast membership stays whole, as when
 * only the event-bus links fail). Nodes are numbered from 1.
 */
final class RaftCluster implements AutoCloseable {
  static final String KV = "kv";
  static final Duration WAIT = Duration.ofSeconds(30);

  /** Timings that keep tests short; the shipped defaults are in conf/node.json. */
  static JsonObject fastRaft() {
    return new JsonObject()
        .put("election_timeout_ms", 500)
        .put("heartbeat_period_ms", 1000)
        .put("heartbeat_timeout_ms", 2000)
        .put("leader_wait_ms", 2000)
        .put("request_timeout_ms", 4000)
        .put("membership_timeout_ms", 20000)
        .put("stuck_follower_checks", 2);
  }

  private final TestCluster.JvmCluster cluster;
  /** Partitions and held messages. */
  private final Firewall firewall;

  private RaftCluster(TestCluster.JvmCluster cluster) {
    this.cluster = cluster;
    this.firewall = new Firewall(cluster);
  }

  /**
   * Starts every node, in order, and waits until the {@code kv} group recorded every voter's store
   * (the leader logs one entry per member soon after it runs), so that a test that counts entries
   * sees none of those later.
   *
   * @param nonVoters nodes marked {@code "voter": false} in peers.json
   * @param raft settings over {@link #fastRaft()}
   */
  static RaftCluster start(int size, Set<Integer> nonVoters, JsonObject raft) {
    JsonObject settings = new JsonObject().put("raft", fastRaft().mergeIn(raft));
    Map<String, JsonNode> nonVoter = Map.of("voter", BooleanNode.FALSE);
    RaftCluster started = new RaftCluster(TestCluster.inJvm(size, i -> settings.copy(),
        i -> nonVoters.contains(i) ? nonVoter : Map.of()));
    try {
      int[] numbers = IntStream.rangeClosed(1, size).filter(i -> !nonVoters.contains(i)).toArray();
      List<String> voters = Arrays.stream(numbers).mapToObj(started::name).toList();
      Eventually.await("group " + KV + " to record the stores of " + voters, WAIT, () -> {
        String leader = started.name(started.leader(KV, numbers)); // a node outside the group may know no leader
        return await(started.client(1).discover(Addresses.raftNode(KV, leader))).stores().keySet().containsAll(voters);
      });
      return started;
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
  }

  static RaftCluster start(int size) {
    return start(size, Set.of(), new JsonObject());
  }

  int size() {
    return cluster.size();
  }

  String name(int i) {
    return cluster.name(i);
  }

  int number(String name) {
    return Integer.parseInt(name.substring("node".length()));
  }

  Path dataDir(int i) {
    return cluster.dataDir(i);
  }

  int apiPort(int i) {
    return cluster.apiPort(i);
  }

  boolean running(int i) {
    return cluster.isRunning(i);
  }

  Node node(int i) {
    return cluster.node(i);
  }

  RaftClient client(int i) {
    return RaftClient.forNode(node(i));
  }

  /** Starts node {@code i} again, on its data directory. */
  void restart(int i) {
    cluster.restart(i);
  }

  /** Stops node {@code i} (in one JVM the hardest stop is a graceful one). */
  void stop(int i) {
    firewall.forget(i);
    cluster.stop(i);
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
    Set<Integer> b = IntStream.rangeClosed(1, size()).boxed().filter(j -> !a.contains(j)).collect(Collectors.toSet());
    firewall.split(a, b, n -> address -> address.startsWith(Addresses.nodePrefix(n))
        || address.startsWith("ferry.raft.") && address.endsWith("." + n));
  }

  /**
   * Holds every snapshot chunk sent to node {@code to} (by the leader, or by a follower that serves
   * chunks), so that a snapshot transfer to it stays in flight until {@link #heal}; returns the
   * highest snapshot index of the chunks held so far (0: none yet).
   */
  AtomicLong holdSnapshotChunks(String group, int to) {
    String address = Addresses.raftPeer(group, name(to));
    AtomicLong held = new AtomicLong();
    for (int i : running()) {
      firewall.intercept(i, ctx -> {
        JsonObject chunk = ctx.message().address().equals(address) && ctx.body() instanceof Buffer bytes
            ? snapshotChunk(bytes) : null;
        if (chunk == null) {
          ctx.next();
        } else {
          held.accumulateAndGet(chunk.getLong("snapshotIndex"), Math::max);
        }
      });
    }
    return held;
  }

  /** The Raft message in these bytes if it carries a snapshot chunk, else null. */
  private static JsonObject snapshotChunk(Buffer bytes) {
    JsonObject message = new JsonObject(bytes);
    return "snapshot".equals(message.getString("type")) && message.getValue("chunk") != null ? message : null;
  }

  /**
   * Drops every Raft message the other nodes send to node {@code to}'s replica of {@code group}
   * until {@link #heal}: it hears nothing from the group (requests to the node, such as
   * {@code discover}, still pass).
   */
  void isolateReplica(String group, int to) {
    String address = Addresses.raftPeer(group, name(to));
    for (int i : running()) {
      if (i != to) {
        firewall.dropMessagesTo(i, address::equals);
      }
    }
  }

  /**
   * Records the address and JSON body of each request node {@code from} sends to a node-internal
   * Raft address of {@code group} (a client's, or a node's forward), until {@link #heal}.
   */
  List<Map.Entry<String, JsonObject>> recordRequests(int from, String group) {
    List<Map.Entry<String, JsonObject>> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    Set<String> addresses = IntStream.rangeClosed(1, size()).mapToObj(j -> Addresses.raftNode(group, name(j)))
        .collect(Collectors.toSet());
    firewall.intercept(from, ctx -> {
      if (addresses.contains(ctx.message().address()) && ctx.body() instanceof JsonObject body) {
        sent.add(Map.entry(ctx.message().address(), body.copy()));
      }
      ctx.next();
    });
    return sent;
  }

  /** Removes every cut and releases every hold. */
  void heal() {
    firewall.heal();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer in " + WAIT.toSeconds() + " s", e);
    }
  }

  @Override
  public void close() {
    cluster.close();
  }
}
