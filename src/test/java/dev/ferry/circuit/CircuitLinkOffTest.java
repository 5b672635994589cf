package dev.ferry.circuit;

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
import dev.ferry.testing.Firewall;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code circuit.link = false} on one node: circuits to and from it fall back to the event bus, both ways. */
@Timeout(120)
class CircuitLinkOffTest {
  @Test
  void aNodeWithTheLinkOffKeepsItsCircuitsOnTheBus() {
    try (TestCluster.JvmCluster cluster = TestCluster.inJvm(2, i -> i == 2 ? List.of("circuit.link=false") : List.of())
        .awaitFullMembership()) {
      Node one = cluster.node(1);
      Node two = cluster.node(2);
      assertThat(circuits(two).config().link()).isFalse();
      assertThat(circuits(two).links().port()).isZero();
      FerryException noLink = failure(one.vertx().eventBus().request(Addresses.circuitNode("node2"),
          new JsonObject().put("op", "link")));
      assertThat(noLink.code()).isEqualTo(FerryException.UNAVAILABLE);
      assertThat(noLink.getMessage()).contains("circuit.link = false");

      AtomicInteger fragmentsOnTheBus = new AtomicInteger();
      Firewall firewall = new Firewall(cluster);
      for (int i : List.of(1, 2)) {
        firewall.intercept(i, ctx -> {
          if ("fragment".equals(ctx.message().headers().get("kind"))) {
            fragmentsOnTheBus.incrementAndGet();
          }
          ctx.next();
        });
      }
      // node1 offers the link, node2 declines; then node2 opens and does not offer it
      LocalPeer a = await(circuits(one).startLocalPeer("echo"));
      PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
      Circuit fromOne = await(a.newCircuitToPeer(echo, null));
      LocalPeer b = circuits(two).localPeer(echo.peerId()).orElseThrow();
      Circuit fromTwo = await(b.newCircuitToPeer(a.ref(), null));
      for (Circuit c : List.of(fromOne, fromTwo)) {
        List<Fragment> got = collect(c);
        for (int n = 0; n < 10; n++) {
          c.send(Fragment.of(0).withPart(n).withPayload(bytes(5000, n)));
        }
        awaitSize("echoes", got, 10);
        assertThat(got).extracting(Fragment::part).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        await(c.close("done"));
      }
      assertThat(fragmentsOnTheBus.get()).isEqualTo(40);
      for (Node node : List.of(one, two)) {
        assertThat(node.meters().get("ferry.circuit.link.frames").tag("direction", "sent").counter().count()).isZero();
      }
    }
  }
}
