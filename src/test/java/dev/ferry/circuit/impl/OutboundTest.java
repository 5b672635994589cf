package dev.ferry.circuit.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sending half of a circuit on its own, with no circuit, peer or node: what it sends goes
 * through its route's sink as plain values (ids, address, fragment, serial), only as far as the
 * other end's credit allows, and is counted in the route's traffic counters. The owner runs tasks at
 * once (this test is its only thread) and records what the outbound asks of it.
 */
class OutboundTest {
  private static final int PAYLOAD = 1000;
  private static final long COST = CircuitWire.cost(PAYLOAD);

  /** What a sink was handed: the remote end's values and the fragment's serial. */
  private record Sent(String circuit, String remotePeer, String remoteAddress, long serial, int bytes) {}

  /** A sink that keeps what it is handed; it is shared by circuits, so it sees only remote ends. */
  private static final class RecordingSink implements Sink {
    final List<Sent> fragments = new ArrayList<>();
    final List<Long> credits = new ArrayList<>();

    @Override
    public void fragment(RemoteEnd to, Fragment f, long serial) {
      fragments.add(new Sent(to.circuit(), to.remotePeer(), to.remoteAddress(), serial, f.payload().length()));
    }

    @Override
    public void credit(RemoteEnd to, long bytes) {
      credits.add(bytes);
    }

    @Override
    public Future<Void> close(RemoteEnd to, String reason) {
      return Future.succeededFuture();
    }
  }

  private static final class Peer implements Outbound.Owner {
    final List<String> closes = new ArrayList<>();

    @Override
    public void onContext(Runnable task) {
      task.run();
    }

    @Override
    public int maxPayloadBytes() {
      return 4 * PAYLOAD;
    }

    @Override
    public void sendFailed(Route route, FerryException failure) {
      closes.add(route.circuit() + ": " + failure.code());
    }

    @Override
    public Future<Void> close(Route route, String reason) {
      closes.add(route.circuit() + ": " + reason);
      return Future.succeededFuture();
    }
  }

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Traffic traffic = new Traffic(meters);
  private final RecordingSink bus = new RecordingSink();
  private final RecordingSink link = new RecordingSink();
  private final Peer peer = new Peer();
  private final Outbound out = new Outbound(peer, new Route("c1", "peerB", "ferry.circuit.peerB", bus, traffic),
      100 * COST);

  private static Fragment fragment() {
    return Fragment.of(1, Buffer.buffer(new byte[PAYLOAD]));
  }

  @Test
  void fragmentsWaitForTheOpenThenGoThroughTheOpenedRouteAsFarAsTheCreditGoes() {
    List<Future<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writes.add(out.write(fragment()));
    }
    assertThat(bus.fragments).as("nothing before the other end's window is known").isEmpty();

    out.opened(3 * COST, 0, new Route("c1", "peerB", "ferry.circuit.peerB", link, traffic));
    assertThat(link.fragments).as("three fit the window, through the route the open gave").containsExactly(
        new Sent("c1", "peerB", "ferry.circuit.peerB", 1, PAYLOAD), new Sent("c1", "peerB", "ferry.circuit.peerB", 2, PAYLOAD),
        new Sent("c1", "peerB", "ferry.circuit.peerB", 3, PAYLOAD));
    assertThat(bus.fragments).isEmpty();
    assertThat(writes.stream().map(Future::succeeded)).containsExactly(true, true, true, false, false);

    out.credit(2 * COST);
    assertThat(link.fragments).extracting(Sent::serial).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(writes).allMatch(Future::succeeded);
    assertThat(meters.get("ferry.circuit.bytes").tag("direction", "sent").counter().count())
        .as("counted in the route's counters").isEqualTo(5.0 * PAYLOAD);
  }

  @Test
  void endSendsWhatIsQueuedThenAsksItsPeerToCloseTheCircuitByItsRoute() {
    out.opened(COST, 0, new Route("c1", "peerB", "ferry.circuit.peerB", link, traffic));
    out.write(fragment());
    out.write(fragment());
    out.end(Promise.promise());
    assertThat(peer.closes).as("one fragment is still waiting for credit").isEmpty();

    out.credit(COST);
    assertThat(link.fragments).hasSize(2);
    assertThat(peer.closes).containsExactly("c1: end");
  }

  @Test
  void afterTheCircuitClosedQueuedAndLaterWritesFailWithItsFailure() {
    out.opened(COST, 0, new Route("c1", "peerB", "ferry.circuit.peerB", link, traffic));
    out.write(fragment());
    Future<Void> queued = out.write(fragment());
    FerryException closed = new FerryException(CircuitWire.CIRCUIT_CLOSED, "circuit c1 is closed: test");

    out.failAll(closed);
    Future<Void> later = out.write(fragment());
    out.credit(COST);

    assertThat(queued.cause()).isSameAs(closed);
    assertThat(later.cause()).isSameAs(closed);
    assertThat(link.fragments).as("nothing goes out after the close").hasSize(1);
  }

  @Test
  void aPayloadOverTheLimitFailsAloneAndTheCircuitCarriesOn() {
    out.opened(10 * COST, 0, new Route("c1", "peerB", "ferry.circuit.peerB", link, traffic));
    Future<Void> tooLarge = out.write(Fragment.of(1, Buffer.buffer(new byte[4 * PAYLOAD + 1])));
    Future<Void> fine = out.write(fragment());

    assertThat(((FerryException) tooLarge.cause()).code()).isEqualTo(FerryException.TOO_LARGE);
    assertThat(tooLarge.cause()).hasMessageContaining("circuit.max_payload_bytes = " + 4 * PAYLOAD);
    assertThat(fine.succeeded()).isTrue();
    assertThat(link.fragments).extracting(Sent::serial).containsExactly(1L);
    assertThat(peer.closes).isEmpty();
  }
}
