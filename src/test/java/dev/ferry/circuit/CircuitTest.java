package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.assertGone;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.collect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Circuits between two nodes and within one: fragments, many circuits, symmetric peers, closing. */
@Timeout(180)
class CircuitTest {
  private static TestCluster.JvmCluster cluster;
  private static Node one;
  private static Node two;
  /** Circuits the "inbox" service accepted, on either node. */
  private static final BlockingQueue<Circuit> inbox = new LinkedBlockingQueue<>();
  private static CircuitTesting.Held heldByOne;
  private static CircuitTesting.Held heldByTwo;

  @BeforeAll
  static void startTwoNodes() {
    cluster = TestCluster.inJvm(2);
    one = cluster.node(1);
    two = cluster.node(2);
    Eventually.await("two members", DEADLINE, () -> one.members().isUp("node2") && two.members().isUp("node1"));
    heldByOne = CircuitTesting.Held.now(one);
    heldByTwo = CircuitTesting.Held.now(two);
    for (Node node : List.of(one, two)) {
      circuits(node).registerPeerService("inbox", (me, ctx, newCircuits) -> newCircuits.handler(inbox::add));
      circuits(node).registerPeerService("greeter", CircuitTest::greeter);
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void everyCircuitIsClosedAndEveryAddressReleased() {
    for (Node node : List.of(one, two)) {
      CircuitTesting.Held held = held(node);
      held.closeOthers(node);
      Eventually.await("no circuits or consumers left on " + node.name(), DEADLINE,
          () -> circuits(node).openCircuits() == 0 && circuits(node).consumers() == held.plus(0));
    }
    inbox.clear();
  }

  private static CircuitTesting.Held held(Node node) {
    return node == one ? heldByOne : heldByTwo;
  }

  /** Same code on both ends: answers each fragment with "hello <subject> from <its peer id>". */
  private static void greeter(LocalPeer me, Context ctx, ReadStream<Circuit> incoming) {
    incoming.handler(c -> c.reads().handler(f -> c.send(Fragment.of(f.op()).withSubject("hello " + f.subject() + " from " + me.id()))));
  }

  @Test
  void aCircuitBetweenTwoNodesCarriesEveryFieldBothWays() {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    assertThat(echo.node()).isEqualTo("node2");
    assertThat(echo.url()).isEqualTo("ferry://node2/echo/" + echo.peerId());

    Fragment first = Fragment.of(7).withSubject("greeting").withPart(3).withArg("k", "v").withPayload(bytes(1000, 1));
    Circuit c = await(a.newCircuitToPeer(echo.url(), first));
    List<Fragment> got = collect(c);
    c.send(Fragment.of(8).withPayload(Buffer.buffer("second")));
    awaitSize("echoes", got, 2);

    Fragment back = got.get(0);
    assertThat(back.fromPeerId()).isEqualTo(echo.peerId());
    assertThat(back.toPeerId()).isEqualTo(a.id());
    assertThat(back.circuitId()).isEqualTo(c.id());
    assertThat(back.serial()).isEqualTo(1);
    assertThat(back.op()).isEqualTo(7);
    assertThat(back.subject()).isEqualTo("greeting");
    assertThat(back.part()).isEqualTo(3);
    assertThat(back.args()).containsEntry("k", "v");
    assertThat(back.payload()).isEqualTo(bytes(1000, 1));
    assertThat(got.get(1).serial()).isEqualTo(2);
    assertThat(got.get(1).payload().toString()).isEqualTo("second");
    assertThat(circuits(one).openCircuits()).isEqualTo(1);
    assertThat(circuits(two).openCircuits()).isEqualTo(1);
  }

  @Test
  void aCircuitWithinOneNodeWorksTheSame() {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    LocalPeer b = await(circuits(one).startLocalPeer("greeter"));
    Circuit c = await(a.newCircuitToPeer(b.ref(), Fragment.of(1).withSubject("neighbour")));
    List<Fragment> got = collect(c);
    awaitSize("greeting", got, 1);
    assertThat(got.get(0).subject()).isEqualTo("hello neighbour from " + b.id());
    assertThat(circuits(one).openCircuits()).isEqualTo(2);
  }

  @Test
  void manyCircuitsToOnePeerKeepTheirOwnOrder() {
    int circuitCount = 40;
    int perCircuit = 25;
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    List<Future<Circuit>> opening = new ArrayList<>();
    for (int i = 0; i < circuitCount; i++) {
      opening.add(a.newCircuitToPeer(echo, null));
    }
    List<Circuit> open = opening.stream().map(CircuitTesting::await).toList();
    List<List<Fragment>> echoes = new ArrayList<>();
    for (int i = 0; i < circuitCount; i++) {
      Circuit c = open.get(i);
      echoes.add(collect(c));
      for (int n = 0; n < perCircuit; n++) {
        c.send(Fragment.of(i).withPart(n).withPayload(bytes(100, i * perCircuit + n)));
      }
    }
    for (int i = 0; i < circuitCount; i++) {
      awaitSize("echoes on circuit " + i, echoes.get(i), perCircuit);
      int circuit = i;
      assertThat(echoes.get(i)).extracting(Fragment::part).containsExactlyElementsOf(
          IntStream.range(0, perCircuit).mapToObj(n -> (long) n).toList());
      assertThat(echoes.get(i)).allSatisfy(f -> assertThat(f.op()).isEqualTo(circuit));
      assertThat(echoes.get(i).get(perCircuit - 1).payload()).isEqualTo(bytes(100, i * perCircuit + perCircuit - 1));
    }
    // circuits between Java peers ride on their peers' addresses: no consumer per circuit
    for (Node node : List.of(one, two)) {
      assertThat(circuits(node).consumers()).as("consumers on " + node.name()).isEqualTo(held(node).plus(1));
    }
    assertThat(circuits(one).openCircuits()).isEqualTo(circuitCount);
    assertThat(circuits(two).localPeer(echo.peerId()).orElseThrow().openCircuits()).isEqualTo(circuitCount);
  }

  @Test
  void theSameServiceServesBothEndsAndEitherEndCanOpen() {
    LocalPeer left = await(circuits(one).startLocalPeer("greeter"));
    PeerRef rightRef = await(circuits(one).startRemotePeer("greeter", "node2"));
    LocalPeer right = circuits(two).localPeer(rightRef.peerId()).orElseThrow();

    Circuit fromLeft = await(left.newCircuitToPeer(rightRef, Fragment.of(1).withSubject("right")));
    Circuit fromRight = await(right.newCircuitToPeer(left.url(), Fragment.of(1).withSubject("left")));
    List<Fragment> leftGot = collect(fromLeft);
    List<Fragment> rightGot = collect(fromRight);
    awaitSize("answer to left", leftGot, 1);
    awaitSize("answer to right", rightGot, 1);
    assertThat(leftGot.get(0).subject()).isEqualTo("hello right from " + right.id());
    assertThat(rightGot.get(0).subject()).isEqualTo("hello left from " + left.id());

    Circuit another = await(fromLeft.newCircuit());
    assertThat(another.id()).isNotEqualTo(fromLeft.id());
    assertThat(another.remote()).isEqualTo(rightRef);
    List<Fragment> anotherGot = collect(another);
    another.send(Fragment.of(2).withSubject("again"));
    awaitSize("answer on the second circuit", anotherGot, 1);
    assertThat(right.openCircuits()).isEqualTo(3);
  }

  @Test
  void closingFromTheOpenerEndsBothSidesWithTheReason() throws InterruptedException {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    LocalPeer b = await(circuits(two).startLocalPeer("inbox"));
    Circuit mine = await(a.newCircuitToPeer(b.ref(), Fragment.of(1)));
    Circuit theirs = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    List<Fragment> theirReads = collect(theirs);
    awaitSize("the first fragment", theirReads, 1);
    boolean[] ended = new boolean[1];
    theirs.reads().endHandler(v -> ended[0] = true);

    await(mine.close("bye"));

    assertThat(await(mine.closed())).isEqualTo("bye");
    assertThat(await(theirs.closed())).isEqualTo("bye");
    Eventually.await("their reads to end", DEADLINE, () -> ended[0]);
    assertGone(one, mine);
    assertThat(circuits(one).openCircuits()).isZero();
    assertThat(circuits(two).openCircuits()).isZero();
    // what is left is each peer's own address
    Eventually.await("one consumer per node", DEADLINE, () -> circuits(one).consumers() == heldByOne.plus(1) && circuits(two).consumers() == heldByTwo.plus(1));
  }

  @Test
  void closingFromTheAcceptorEndsBothSidesWithTheReason() throws InterruptedException {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    LocalPeer b = await(circuits(two).startLocalPeer("inbox"));
    Circuit mine = await(a.newCircuitToPeer(b.url(), null));
    Circuit theirs = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertThat(theirs.id()).isEqualTo(mine.id());

    await(theirs.close("not now"));

    assertThat(await(mine.closed())).isEqualTo("not now");
    assertGone(two, theirs);
    assertThat(circuits(one).openCircuits() + circuits(two).openCircuits()).isZero();
  }

  @Test
  void endSendsEverythingQueuedThenClosesWithReasonEnd() throws InterruptedException {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    LocalPeer b = await(circuits(two).startLocalPeer("inbox"));
    Circuit mine = await(a.newCircuitToPeer(b.ref(), null));
    Circuit theirs = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    List<Fragment> got = collect(theirs);
    for (int n = 0; n < 20; n++) {
      mine.write(Fragment.of(0).withPart(n).withPayload(bytes(50_000, n)));
    }

    await(mine.end());

    assertThat(await(theirs.closed())).isEqualTo("end");
    awaitSize("every fragment written before end", got, 20);
    assertThat(got).extracting(Fragment::part).containsExactlyElementsOf(
        IntStream.range(0, 20).mapToObj(n -> (long) n).toList());
    assertThat(CircuitTesting.failure(mine.send(Fragment.of(1))).code()).isEqualTo(Circuit.CLOSED);
  }

  @Test
  void aStoppingPeerClosesAllItsCircuitsWithItsReason() {
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    List<Circuit> open = IntStream.range(0, 5).mapToObj(i -> await(a.newCircuitToPeer(echo, null))).toList();

    await(circuits(two).localPeer(echo.peerId()).orElseThrow().close("maintenance"));

    for (Circuit c : open) {
      assertThat(await(c.closed())).isEqualTo("maintenance");
    }
    Eventually.await("node1 to hold no circuits", DEADLINE, () -> circuits(one).openCircuits() == 0);
    assertThat(circuits(two).localPeer(echo.peerId())).isEmpty();
    Eventually.await("nobody to serve the stopped peer's address", DEADLINE,
        () -> !CircuitTesting.somebodyServes(one, Addresses.circuitPeer(echo.peerId())));
    for (Circuit c : open) {
      assertGone(one, c);
    }
  }
}
