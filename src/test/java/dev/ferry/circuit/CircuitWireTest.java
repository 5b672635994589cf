package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wire protocol as a bridge client would speak it: plain event-bus messages with string
 * headers and a base64 text body (what the SockJS bridge carries), no Java circuit classes on the
 * client's side.
 */
@Timeout(120)
class CircuitWireTest {
  @Test
  void aClientSpeakingOnlyTheWireProtocolCanHoldOneEnd() {
    try (TestCluster.JvmCluster cluster = TestCluster.inJvm(1)) {
      Node node = cluster.node(1);
      CircuitTesting.Held held = CircuitTesting.Held.now(node);
      PeerRef echo = await(circuits(node).startRemotePeer("echo", "node1"));
      var bus = node.vertx().eventBus();
      String me = "client1";
      String circuit = "c1";
      List<Message<Object>> inbox = new CopyOnWriteArrayList<>();
      await(bus.consumer(Addresses.circuit(me, circuit), inbox::add).completion());

      // open, carrying the first fragment (serial 1) as base64 text
      Message<Object> opened = await(bus.request(Addresses.circuitPeer(echo.peerId()), base64("hello"),
          open(me, circuit).addHeader("args", "{\"lang\":\"en\"}")));
      assertThat(opened.headers().get("kind")).isEqualTo("opened");
      assertThat(opened.headers().get("reply-to")).as("an opener that names no reply-to keeps the first protocol").isNull();
      assertThat(Long.parseLong(opened.headers().get("window"))).isPositive();

      bus.send(Addresses.circuit(echo.peerId(), circuit), base64("again"),
          new DeliveryOptions().addHeader("kind", "fragment").addHeader("serial", "2").addHeader("op", "5"));
      Eventually.await("two echoes", DEADLINE, () -> inbox.size() >= 2);
      assertThat(inbox.get(0).headers().get("kind")).isEqualTo("fragment");
      assertThat(inbox.get(0).headers().get("serial")).isEqualTo("1");
      assertThat(inbox.get(0).headers().get("subject")).isEqualTo("greeting");
      assertThat(inbox.get(0).headers().get("args")).isEqualTo("{\"lang\":\"en\"}");
      assertThat(CircuitWire.payload(inbox.get(0).body())).isEqualTo(Buffer.buffer("hello"));
      assertThat(inbox.get(1).headers().get("op")).isEqualTo("5");
      assertThat(CircuitWire.payload(inbox.get(1).body())).isEqualTo(Buffer.buffer("again"));

      LocalPeer echoPeer = circuits(node).localPeer(echo.peerId()).orElseThrow();
      Circuit javaEnd = echoPeer.circuits().get(0);
      Message<Object> ack = await(bus.request(Addresses.circuit(echo.peerId(), circuit), null,
          new DeliveryOptions().addHeader("kind", "close").addHeader("reason", "tab closed")));
      assertThat(ack.headers().get("kind")).isEqualTo("closed");
      assertThat(await(javaEnd.closed())).isEqualTo("tab closed");
      Eventually.await("the Java end's address to go", DEADLINE, () -> circuits(node).consumers() == held.plus(1));
    }
  }

  @Test
  void aClientOnItsPeerAddressHoldsSeveralCircuitsThroughOneConsumer() {
    try (TestCluster.JvmCluster cluster = TestCluster.inJvm(1)) {
      Node node = cluster.node(1);
      CircuitTesting.Held held = CircuitTesting.Held.now(node);
      PeerRef echo = await(circuits(node).startRemotePeer("echo", "node1"));
      var bus = node.vertx().eventBus();
      String me = "client2";
      List<Message<Object>> inbox = new CopyOnWriteArrayList<>();
      await(bus.consumer(Addresses.circuitPeer(me), inbox::add).completion());

      List<String> ids = List.of("c1", "c2");
      String javaEnd = null;
      for (String circuit : ids) {
        Message<Object> opened = await(bus.request(Addresses.circuitPeer(echo.peerId()), base64("hello " + circuit),
            open(me, circuit).addHeader("reply-to", Addresses.circuitPeer(me))));
        javaEnd = opened.headers().get("reply-to");
        assertThat(javaEnd).isEqualTo(Addresses.circuitPeer(echo.peerId()));
      }
      for (String circuit : ids) {
        bus.send(javaEnd, base64("again " + circuit), new DeliveryOptions().addHeader("kind", "fragment")
            .addHeader("circuit", circuit).addHeader("serial", "2"));
      }
      Eventually.await("two echoes per circuit", DEADLINE, () -> inbox.size() >= 4);
      for (String circuit : ids) {
        List<String> echoes = inbox.stream().filter(m -> circuit.equals(m.headers().get("circuit")))
            .map(m -> CircuitWire.payload(m.body()).toString()).toList();
        assertThat(echoes).containsExactly("hello " + circuit, "again " + circuit);
      }
      assertThat(circuits(node).openCircuits()).isEqualTo(2);
      assertThat(circuits(node).consumers()).as("the echo peer's address only").isEqualTo(held.plus(1));

      Circuit first = circuits(node).localPeer(echo.peerId()).orElseThrow().circuits().stream()
          .filter(c -> c.id().equals("c1")).findFirst().orElseThrow();
      Message<Object> ack = await(bus.request(javaEnd, null, new DeliveryOptions().addHeader("kind", "close")
          .addHeader("circuit", "c1").addHeader("reason", "tab closed")));
      assertThat(ack.headers().get("kind")).isEqualTo("closed");
      assertThat(await(first.closed())).isEqualTo("tab closed");
      assertThat(circuits(node).openCircuits()).isEqualTo(1);
    }
  }

  @Test
  void anOpenThatDirectsTheOtherEndToSomebodyElsesAddressIsRefused() {
    try (TestCluster.JvmCluster cluster = TestCluster.inJvm(1)) {
      Node node = cluster.node(1);
      PeerRef echo = await(circuits(node).startRemotePeer("echo", "node1"));
      for (String elsewhere : List.of(Addresses.REGISTRY, Addresses.circuitPeer("someone-else"))) {
        FerryException refused = failure(node.vertx().eventBus().request(Addresses.circuitPeer(echo.peerId()), null,
            open("client3", "c1").addHeader("reply-to", elsewhere)));
        assertThat(refused.code()).isEqualTo(FerryException.BAD_REQUEST);
        assertThat(refused.getMessage()).contains("reply-to", elsewhere);
      }
      assertThat(circuits(node).openCircuits()).isZero();
    }
  }

  /** The headers of an open from a wire client, with a first fragment (serial 1, subject greeting). */
  private static DeliveryOptions open(String from, String circuit) {
    return new DeliveryOptions().addHeader("kind", "open").addHeader("circuit", circuit).addHeader("from", from)
        .addHeader("from-node", "node1").addHeader("from-service", "js").addHeader("window", "65536")
        .addHeader("serial", "1").addHeader("subject", "greeting");
  }

  /** A payload as a bridge client sends it. */
  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
