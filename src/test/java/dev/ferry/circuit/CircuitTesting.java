package dev.ferry.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.exchange.ExchangeVerticle;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers for circuit tests: blocking waits with deadlines (the test thread is not an event loop). */
public final class CircuitTesting {
  static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration PROBE = Duration.ofSeconds(2);

  private CircuitTesting() {}

  static <T> T await(Future<T> future) {
    try {
      return future.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + DEADLINE.toSeconds() + " s", e);
    }
  }

  /** The FerryException a future fails with. */
  static FerryException failure(Future<?> future) {
    try {
      future.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + DEADLINE.toSeconds() + " s", e);
    } catch (RuntimeException e) {
      return FerryException.from(e);
    }
    throw new AssertionError("expected a failure, got " + future.result());
  }

  static Circuits circuits(Node node) {
    return Circuits.of(node.vertx());
  }

  /**
   * What a node's own services hold in its circuit service (the block exchange's peer, one
   * address each): tests count consumers from it and leave those peers open.
   */
  record Held(Set<String> peers, int consumers) {
    static Held now(Node node) {
      Set<String> own = circuits(node).localPeers().stream().filter(p -> p.service().equals(ExchangeVerticle.SERVICE))
          .map(LocalPeer::id).collect(Collectors.toSet());
      return new Held(own, own.size());
    }

    /** Closes every peer a test started on the node, leaving the node's own. */
    void closeOthers(Node node) {
      circuits(node).localPeers().stream().filter(p -> !peers.contains(p.id()))
          .forEach(p -> await(p.close("test over")));
    }

    /** The consumers the node should hold when a test's peers and circuits hold {@code added}. */
    int plus(int added) {
      return consumers + added;
    }
  }

  /**
   * Writes {@code count} fragments of {@code size} bytes (part {@code n}, content {@link #bytes})
   * on the circuit's context as fast as its write queue allows; {@code queued} and {@code sent}
   * count the fragments written and handed on. Completes with {@code count} once all are written.
   */
  static Future<Integer> pump(Circuit c, int count, int size, AtomicInteger queued, AtomicInteger sent) {
    Promise<Integer> done = Promise.promise();
    c.context().runOnContext(v -> new Object() {
      void go() {
        while (queued.get() < count && !c.writeQueueFull()) {
          int n = queued.getAndIncrement();
          c.write(Fragment.of(0).withPart(n).withPayload(bytes(size, n))).onSuccess(x -> sent.incrementAndGet());
        }
        if (queued.get() == count) {
          done.complete(count);
        } else {
          c.drainHandler(x -> go());
        }
      }
    }.go());
    return done.future();
  }

  public static Buffer bytes(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return Buffer.buffer(b);
  }

  /** Everything a circuit reads, kept for the test thread. */
  static List<Fragment> collect(Circuit circuit) {
    List<Fragment> got = new CopyOnWriteArrayList<>();
    circuit.reads().handler(got::add);
    return got;
  }

  static void awaitSize(String what, List<?> list, int size) {
    Eventually.await(what + " (" + size + ")", DEADLINE, () -> list.size() >= size);
    assertThat(list).hasSize(size);
  }

  /**
   * Whether anything in the cluster still consumes this address, asked from {@code node}: a request
   * there fails with "no handlers" once the registration is gone everywhere (a node's routing
   * cache follows an unregistration a moment later, hence the short probe and callers that retry).
   */
  static boolean somebodyServes(Node node, String address) {
    return !failure(node.vertx().eventBus().request(address, null, new DeliveryOptions()
        .addHeader("kind", "probe").setSendTimeout(PROBE.toMillis()))).code().equals(FerryException.UNAVAILABLE);
  }

  /**
   * Waits until neither end of a circuit is served anywhere in the cluster: nobody on the circuit's
   * own address at either end, and neither peer's address knows the circuit (a message for it is
   * refused with {@code not-found}, or finds no peer at all).
   */
  static void assertGone(Node at, Circuit circuit) {
    for (String peer : List.of(circuit.local().peerId(), circuit.remote().peerId())) {
      String own = Addresses.circuit(peer, circuit.id());
      Eventually.await("nobody to serve " + own, DEADLINE, () -> !somebodyServes(at, own));
      Eventually.await("peer " + peer + " to forget circuit " + circuit.id(), DEADLINE,
          () -> !peerKnows(at, peer, circuit.id()));
    }
  }

  /** Whether the peer's address still routes messages for {@code circuitId} to a circuit. */
  static boolean peerKnows(Node node, String peerId, String circuitId) {
    String code = failure(node.vertx().eventBus().request(Addresses.circuitPeer(peerId), null, new DeliveryOptions()
        .addHeader("kind", "probe").addHeader("circuit", circuitId).setSendTimeout(PROBE.toMillis()))).code();
    return !code.equals(FerryException.NOT_FOUND) && !code.equals(FerryException.UNAVAILABLE);
  }
}
