package dev.ferry.raft;

import static dev.ferry.raft.RaftCluster.KV;
import static dev.ferry.raft.RaftCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.raft.Linearizability.Kind;
import dev.ferry.raft.Linearizability.Op;
import dev.ferry.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concurrent clients put, get (linearizable), cas and delete a few keys of {@code kv} through
 * random nodes while nodes are stopped and restarted one at a time; the recorded history must be
 * linearizable ({@link Linearizability}). The seed is logged; set {@code -Draft.seed=N} to replay
 * the clients' choices (the timing is the machine's).
 */
@Timeout(300)
class RaftLinearizabilityTest {
  private static final Logger log = LoggerFactory.getLogger(RaftLinearizabilityTest.class);
  private static final int CLIENTS = 6;
  private static final int KEYS = 4;
  private static final int ROUNDS = 3;
  /** Successful ops between two steps of the chaos schedule. */
  private static final int OPS_PER_STEP = 120;
  private static final int MAX_OPS_PER_CLIENT = 20_000;
  private static final Duration STEP = Duration.ofSeconds(60);
  /** Failures after which the op surely did not happen (see {@link RaftCodes}). */
  private static final Set<String> DEFINITE = Set.of(RaftCodes.NO_LEADER, RaftCodes.REJECTED,
      FerryException.BAD_REQUEST, FerryException.NOT_FOUND, FerryException.TOO_LARGE);

  private final List<Op> history = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger unknown = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);

  @Test
  void clientsOnEveryNodeSeeOneLinearizableStoreWhileNodesRestart() throws Exception {
    long seed = Long.getLong("raft.seed", System.nanoTime());
    log.info("linearizability run with seed {}", seed);
    Random chaos = new Random(seed);
    try (RaftCluster cluster = RaftCluster.start(3)) {
      cluster.leader(KV);
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        Thread t = new Thread(() -> runClient(cluster, client, new Random(seed + client)), "lin-client-" + c);
        t.start();
        clients.add(t);
      }
      try {
        awaitProgress();
        for (int round = 0; round < ROUNDS; round++) {
          int victim = 1 + chaos.nextInt(cluster.size());
          cluster.stop(victim);
          awaitProgress();
          cluster.restart(victim);
          awaitProgress();
        }
      } finally {
        running.set(false);
        for (Thread t : clients) {
          t.join(TimeUnit.SECONDS.toMillis(STEP.toSeconds()));
        }
      }
    }
    log.info("history: {} ops, {} succeeded, {} with unknown outcome", history.size(), succeeded.get(),
        unknown.get());
    assertThat(succeeded.get()).isGreaterThan((2 * ROUNDS + 1) * OPS_PER_STEP);
    assertThat(Linearizability.check(List.copyOf(history))).as("seed " + seed).isNull();
  }

  private void awaitProgress() {
    int target = succeeded.get() + OPS_PER_STEP;
    Eventually.await(OPS_PER_STEP + " more successful ops", STEP, () -> succeeded.get() >= target);
  }

  private void runClient(RaftCluster cluster, int client, Random random) {
    for (int n = 0; running.get() && n < MAX_OPS_PER_CLIENT; n++) {
      List<Integer> up = cluster.running();
      int node = up.get(random.nextInt(up.size()));
      String key = "lin/" + random.nextInt(KEYS);
      String value = "c" + client + "-" + n;
      int dice = random.nextInt(100);
      RaftClient raft;
      try {
        raft = cluster.client(node);
      } catch (IllegalStateException stopped) {
        continue;
      }
      if (dice < 40) {
        call(client, key, Kind.PUT, value, null, () -> await(raft.propose(KV, RaftKvTest.put(key, value))).result());
      } else if (dice < 75) {
        call(client, key, Kind.GET, null, null, () -> await(raft.query(KV, RaftKvTest.get(key))).result());
      } else if (dice < 95) {
        String expect = random.nextBoolean() ? null : "c" + random.nextInt(CLIENTS) + "-" + random.nextInt(n + 1);
        KvOp.Cas cas = new KvOp.Cas(key, expect, value);
        call(client, key, Kind.CAS, value, expect, () -> await(raft.propose(KV, cas)).result());
      } else {
        KvOp.Delete delete = new KvOp.Delete(key);
        call(client, key, Kind.DELETE, null, null, () -> await(raft.propose(KV, delete)).result());
      }
    }
  }

  /** One call; its answer is the op's ({@link KvOp}). */
  private interface Call {
    Object run();
  }

  private void call(int client, String key, Kind kind, String value, String expect, Call call) {
    long called = System.nanoTime();
    try {
      Object r = call.run();
      long returned = System.nanoTime();
      history.add(switch (kind) {
        case PUT -> new Op(client, key, kind, value, null, ((KvOp.Written) r).previous(), null, called, returned);
        case GET -> new Op(client, key, kind, r == null ? null : ((KvOp.Entry) r).value(), null, null, null, called,
            returned);
        case CAS -> new Op(client, key, kind, value, expect, null, ((KvOp.Swapped) r).ok(), called, returned);
        case DELETE -> new Op(client, key, kind, null, null, ((KvOp.Deleted) r).previous(), ((KvOp.Deleted) r).deleted(),
            called, returned);
      });
      succeeded.incrementAndGet();
    } catch (RuntimeException | AssertionError e) {
      String code = FerryException.from(e).code();
      if (!DEFINITE.contains(code) && kind != Kind.GET) {
        unknown.incrementAndGet();
        history.add(new Op(client, key, kind, value, expect, Linearizability.NOT_CHECKED, null, called,
            Long.MAX_VALUE));
      }
    }
  }
}
