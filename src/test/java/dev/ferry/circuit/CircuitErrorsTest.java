package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.assertGone;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.collect;
import static dev.ferry.circuit.CircuitTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input is refused with a clear error and harms nothing else; nodes that leave close their circuits. */
@Timeout(180)
class CircuitErrorsTest {
  private static final int ONE_MIB = 1024 * 1024;
  private static TestCluster.JvmCluster cluster;
  private static CircuitTesting.Held heldByOne;

  @BeforeAll
  static void startTwoNodes() {
    cluster = TestCluster.inJvm(2);
    Eventually.await("two members", DEADLINE, () -> cluster.node(1).members().isUp("node2"));
    heldByOne = CircuitTesting.Held.now(cluster.node(1));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void stopPeers() {
    for (int i = 1; i <= 2; i++) {
      Node node = cluster.node(i);
      CircuitTesting.Held.now(node).closeOthers(node);
      Eventually.await("no circuits left on " + node.name(), DEADLINE, () -> circuits(node).openCircuits() == 0);
    }
  }

  @Test
  void anOversizedPayloadIsRefusedAndTheCircuitCarriesOn() {
    LocalPeer a = await(circuits(one()).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one()).startRemotePeer("echo", "node2"));
    FerryException tooBigFirst = failure(a.newCircuitToPeer(echo, Fragment.of(1).withPayload(bytes(ONE_MIB + 1, 0))));
    assertThat(tooBigFirst.code()).isEqualTo(FerryException.TOO_LARGE);

    Circuit c = await(a.newCircuitToPeer(echo, null));
    List<Fragment> got = collect(c);
    FerryException tooBig = failure(c.send(Fragment.of(1).withPayload(bytes(ONE_MIB + 1, 0))));
    assertThat(tooBig.code()).isEqualTo(FerryException.TOO_LARGE);
    assertThat(tooBig.getMessage()).contains("1048577 bytes", "circuit.max_payload_bytes = 1048576");
    assertThat(c.writeQueueFull()).isFalse();

    await(c.send(Fragment.of(2).withPayload(bytes(ONE_MIB, 2))));
    awaitSize("the echo of the largest allowed fragment", got, 1);
    assertThat(got.get(0).serial()).isEqualTo(1);
    assertThat(got.get(0).payload()).isEqualTo(bytes(ONE_MIB, 2));
    assertThat(c.isClosed()).isFalse();
  }

  @Test
  void aFragmentToAClosedCircuitIsRefused() {
    LocalPeer a = await(circuits(one()).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one()).startRemotePeer("echo", "node2"));
    Circuit c = await(a.newCircuitToPeer(echo, null));
    await(c.close("done"));

    FerryException closed = failure(c.send(Fragment.of(1)));
    assertThat(closed.code()).isEqualTo(Circuit.CLOSED);
    assertThat(closed.getMessage()).contains(c.id(), "done");
    assertGone(one(), c);
    // a raw message for it to the other end's peer address is refused, and its own address has nobody
    FerryException raw = failure(one().vertx().eventBus().request(Addresses.circuitPeer(echo.peerId()), Buffer.buffer("x"),
        new DeliveryOptions().addHeader("kind", "fragment").addHeader("circuit", c.id()).addHeader("serial", "1")));
    assertThat(raw.code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(raw.getMessage()).contains("no circuit " + c.id());
    FerryException own = failure(one().vertx().eventBus().request(Addresses.circuit(echo.peerId(), c.id()), Buffer.buffer("x"),
        new DeliveryOptions().addHeader("kind", "fragment").addHeader("serial", "1")));
    assertThat(own.code()).isEqualTo(FerryException.UNAVAILABLE);
  }

  @Test
  void unknownServicesNodesAndPeersAreNotFound() {
    LocalPeer a = await(circuits(one()).startLocalPeer("echo"));
    assertThat(failure(circuits(one()).startLocalPeer("nope")).code()).isEqualTo(FerryException.NOT_FOUND);
    FerryException remoteService = failure(circuits(one()).startRemotePeer("nope", "node2"));
    assertThat(remoteService.code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(remoteService.getMessage()).contains("no peer service 'nope' on node node2");
    FerryException node = failure(circuits(one()).startRemotePeer("echo", "node9"));
    assertThat(node.code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(node.getMessage()).contains("no node 'node9'");
    assertThat(failure(a.newCircuitToPeer("ferry://node9/echo/abc", null)).code()).isEqualTo(FerryException.NOT_FOUND);
    FerryException peer = failure(a.newCircuitToPeer("ferry://node2/echo/nosuchpeer", null));
    assertThat(peer.code()).isEqualTo(FerryException.NOT_FOUND);
    assertThat(peer.getMessage()).contains("no peer ferry://node2/echo/nosuchpeer");
    assertThat(failure(a.newCircuitToPeer("http://node2/echo", null)).code()).isEqualTo(FerryException.BAD_REQUEST);
    Eventually.await("failed opens to leave nothing behind", DEADLINE,
        () -> circuits(one()).openCircuits() == 0 && circuits(one()).consumers() == heldByOne.plus(1));
  }

  @Test
  void aMalformedOpenGetsABadRequestAndNothingIsOpened() {
    LocalPeer b = await(circuits(two()).startLocalPeer("echo"));
    FerryException noWindow = failure(one().vertx().eventBus().request(Addresses.circuitPeer(b.id()), null,
        new DeliveryOptions().addHeader("kind", "open").addHeader("circuit", "c1").addHeader("from", "p1")
            .addHeader("from-node", "node1").addHeader("from-service", "x")));
    assertThat(noWindow.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(noWindow.getMessage()).contains("window");
    FerryException badId = failure(one().vertx().eventBus().request(Addresses.circuitPeer(b.id()), null,
        new DeliveryOptions().addHeader("kind", "open").addHeader("circuit", "a.b")));
    assertThat(badId.code()).isEqualTo(FerryException.BAD_REQUEST);
    FerryException noSuchAction = failure(one().vertx().eventBus().request(Addresses.circuitNode("node2"), new JsonObject()));
    assertThat(noSuchAction.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(b.openCircuits()).isZero();
  }

  @Test
  void aNodeThatLeavesClosesTheCircuitsThatCrossedToItWithNodeDown() {
    LocalPeer a = await(circuits(one()).startLocalPeer("echo"));
    LocalPeer local = await(circuits(one()).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one()).startRemotePeer("echo", "node2"));
    List<Circuit> crossing = IntStream.range(0, 4).mapToObj(i -> await(a.newCircuitToPeer(echo, null))).toList();
    Circuit staying = await(a.newCircuitToPeer(local.ref(), null));
    String incarnation = two().incarnation().id();

    // what Members publishes when node2's heartbeats stop (a real kill -9 is CircuitProcessIT's)
    one().vertx().eventBus().publish(Addresses.MEMBER_EVENTS, new JsonObject().put("event", "left").put("node", "node2")
        .put("incarnation", incarnation).put("members", List.of("node1")), new DeliveryOptions().setLocalOnly(true));

    for (Circuit c : crossing) {
      assertThat(await(c.closed())).isEqualTo("node-down");
    }
    assertThat(staying.isClosed()).isFalse();
    assertThat(a.openCircuits()).isEqualTo(1);
    // left: the addresses of peers a and local (circuits between Java peers hold none)
    Eventually.await("node1's circuit consumers to go", DEADLINE, () -> circuits(one()).consumers() == heldByOne.plus(2));
  }

  @Test
  void aNodeThatStopsClosesItsCircuitsWithNodeStopping() {
    LocalPeer a = await(circuits(one()).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one()).startRemotePeer("echo", "node2"));
    List<Circuit> open = IntStream.range(0, 3).mapToObj(i -> await(a.newCircuitToPeer(echo, null))).toList();

    cluster.stop(2);
    try {
      for (Circuit c : open) {
        assertThat(await(c.closed())).isEqualTo(LocalPeer.NODE_STOPPING);
      }
      Eventually.await("node1 to hold only peer a's address", DEADLINE,
          () -> circuits(one()).openCircuits() == 0 && circuits(one()).consumers() == heldByOne.plus(1));
    } finally {
      cluster.restart(2);
      Eventually.await("node2 back", DEADLINE, () -> one().members().isUp("node2"));
    }
  }

  private static Node one() {
    return cluster.node(1);
  }

  private static Node two() {
    return cluster.node(2);
  }
}
