package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.pump;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Credit per circuit: a stalled reader holds back only its own sender; nothing is lost or reordered. */
@Timeout(180)
class CircuitFlowControlTest {
  private static final int FRAGMENT = 64 * 1024;
  private static TestCluster.JvmCluster cluster;
  /** Receiving ends of the "valve" service by the subject of their first fragment, and the parts each read. */
  private static final Map<String, Circuit> valves = new ConcurrentHashMap<>();
  private static final Map<String, List<Long>> parts = new ConcurrentHashMap<>();
  private static final Map<String, List<Long>> payloadChecks = new ConcurrentHashMap<>();

  @BeforeAll
  static void startTwoNodes() {
    cluster = TestCluster.inJvm(2);
    Eventually.await("two members", DEADLINE, () -> cluster.node(1).members().isUp("node2"));
    circuits(cluster.node(2)).registerPeerService("valve", (me, ctx, incoming) -> incoming.handler(c -> {
      // read the first fragment only; a circuit whose first subject is "slow" stays paused after it
      c.reads().pause();
      List<Long> read = new CopyOnWriteArrayList<>();
      List<Long> wrong = new CopyOnWriteArrayList<>();
      c.reads().handler(f -> {
        if (f.serial() == 1) {
          valves.put(f.subject(), c);
          parts.put(f.subject(), read);
          payloadChecks.put(f.subject(), wrong);
          if (!f.subject().startsWith("slow")) {
            c.reads().resume();
          }
          return;
        }
        read.add(f.part());
        if (!f.payload().equals(bytes(FRAGMENT, (int) f.part()))) {
          wrong.add(f.part());
        }
      });
      c.reads().fetch(1);
    }));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aStalledReaderHoldsBackOnlyItsOwnCircuitAndLosesNothing() {
    Node one = cluster.node(1);
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef valve = await(circuits(one).startRemotePeer("valve", "node2"));
    Circuit slow = await(a.newCircuitToPeer(valve, Fragment.of(0).withSubject("slow")));
    Circuit fast = await(a.newCircuitToPeer(valve, Fragment.of(0).withSubject("fast")));
    CircuitConfig config = circuits(one).config();
    long cost = CircuitWire.cost(FRAGMENT);
    int slowCount = 400;
    int fastCount = 600;

    AtomicInteger slowQueued = new AtomicInteger();
    AtomicInteger slowSent = new AtomicInteger();
    Future<Integer> slowDone = pump(slow, slowCount, FRAGMENT, slowQueued, slowSent);
    Eventually.await("the slow circuit's write queue to fill", DEADLINE, slow::writeQueueFull);

    Future<Integer> fastDone = pump(fast, fastCount, FRAGMENT, new AtomicInteger(), new AtomicInteger());
    await(fastDone);
    Eventually.await("every fast fragment at the reader", DEADLINE, () -> parts.get("fast").size() == fastCount);
    assertThat(parts.get("fast")).containsExactlyElementsOf(LongStream.range(0, fastCount).boxed().toList());
    assertThat(payloadChecks.get("fast")).isEmpty();

    // meanwhile the stalled circuit sent no more than its credit, and queued no more than its bound
    assertThat(slowDone.isComplete()).isFalse();
    assertThat(slow.writeQueueFull()).isTrue();
    assertThat(parts.get("slow")).isEmpty();
    assertThat((long) slowSent.get()).isLessThanOrEqualTo(config.windowBytes() / cost + 1);
    assertThat((long) slowQueued.get()).isLessThanOrEqualTo((config.windowBytes() + config.writeQueueMaxBytes()) / cost + 2);

    valves.get("slow").reads().resume();
    await(slowDone);
    Eventually.await("every slow fragment at the reader", DEADLINE, () -> parts.get("slow").size() == slowCount);
    assertThat(parts.get("slow")).containsExactlyElementsOf(LongStream.range(0, slowCount).boxed().toList());
    assertThat(payloadChecks.get("slow")).isEmpty();
    await(a.close("test over"));
  }

  @Test
  void fetchDeliversExactlyWhatWasAskedFor() {
    Node one = cluster.node(1);
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef valve = await(circuits(one).startRemotePeer("valve", "node2"));
    Circuit c = await(a.newCircuitToPeer(valve, Fragment.of(0).withSubject("slow-fetch")));
    for (int n = 0; n < 10; n++) {
      c.write(Fragment.of(0).withPart(n).withPayload(bytes(FRAGMENT, n)));
    }
    Eventually.await("the reader to see the circuit", DEADLINE, () -> valves.containsKey("slow-fetch"));
    Circuit reader = valves.get("slow-fetch");

    reader.reads().fetch(3);
    Eventually.await("three fragments", DEADLINE, () -> parts.get("slow-fetch").size() == 3);
    reader.reads().fetch(2);
    Eventually.await("two more", DEADLINE, () -> parts.get("slow-fetch").size() == 5);
    assertThat(parts.get("slow-fetch")).containsExactly(0L, 1L, 2L, 3L, 4L);
    reader.reads().resume();
    Eventually.await("the rest", DEADLINE, () -> parts.get("slow-fetch").size() == 10);
    await(a.close("test over"));
  }
}
