package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.node.Addresses;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
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
      PeerRef echo = await(circuits(node).startRemotePeer("echo", "node1"));
      var bus = node.vertx().eventBus();
      String me = "client1";
      String circuit = "c1";
      List<Message<Object>> inbox = new CopyOnWriteArrayList<>();
      await(bus.consumer(Addresses.circuit(me, circuit), inbox::add).completion());

      // open, carrying the first fragment (serial 1) as base64 text
      Message<Object> opened = await(bus.request(Addresses.circuitPeer(echo.peerId()),
          Base64.getEncoder().encodeToString("hello".getBytes()), new DeliveryOptions()
              .addHeader("kind", "open").addHeader("circuit", circuit).addHeader("from", me)
              .addHeader("from-node", "node1").addHeader("from-service", "js").addHeader("window", "65536")
              .addHeader("serial", "1").addHeader("subject", "greeting").addHeader("args", "{\"lang\":\"en\"}")));
      assertThat(opened.headers().get("kind")).isEqualTo("opened");
      assertThat(Long.parseLong(opened.headers().get("window"))).isPositive();

      bus.send(Addresses.circuit(echo.peerId(), circuit), Base64.getEncoder().encodeToString("again".getBytes()),
          new DeliveryOptions().addHeader("kind", "fragment").addHeader("serial", "2").addHeader("op", "5"));
      Eventually.await("two echoes", DEADLINE, () -> inbox.size() >= 2);
      assertThat(inbox.get(0).headers().get("kind")).isEqualTo("fragment");
      assertThat(inbox.get(0).headers().get("serial")).isEqualTo("1");
      assertThat(inbox.get(0).headers().get("subject")).isEqualTo("greeting");
      assertThat(inbox.get(0).headers().get("args")).isEqualTo("{\"lang\":\"en\"}");
      assertThat(Wire.payload(inbox.get(0).body())).isEqualTo(Buffer.buffer("hello"));
      assertThat(inbox.get(1).headers().get("op")).isEqualTo("5");
      assertThat(Wire.payload(inbox.get(1).body())).isEqualTo(Buffer.buffer("again"));

      LocalPeer echoPeer = circuits(node).localPeer(echo.peerId()).orElseThrow();
      Circuit javaEnd = echoPeer.circuits().get(0);
      Message<Object> ack = await(bus.request(Addresses.circuit(echo.peerId(), circuit), null,
          new DeliveryOptions().addHeader("kind", "close").addHeader("reason", "tab closed")));
      assertThat(ack.headers().get("kind")).isEqualTo("closed");
      assertThat(await(javaEnd.closed())).isEqualTo("tab closed");
      Eventually.await("the Java end's address to go", DEADLINE, () -> circuits(node).consumers() == 1);
    }
  }
}
