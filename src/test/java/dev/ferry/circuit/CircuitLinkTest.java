package dev.ferry.circuit;

import static dev.ferry.circuit.CircuitTesting.DEADLINE;
import static dev.ferry.circuit.CircuitTesting.await;
import static dev.ferry.circuit.CircuitTesting.awaitSize;
import static dev.ferry.circuit.CircuitTesting.bytes;
import static dev.ferry.circuit.CircuitTesting.circuits;
import static dev.ferry.circuit.CircuitTesting.collect;
import static dev.ferry.circuit.CircuitTesting.failure;
import static dev.ferry.circuit.CircuitTesting.pump;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.impl.CircuitWire;
import dev.ferry.circuit.impl.Link;
import dev.ferry.circuit.impl.LinkFrame;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.node.Node;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Firewall;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The circuit link between two in-JVM nodes: circuits between Java peers on different nodes send
 * their fragments, credit and closes on it, not on the bus; order, backpressure and close
 * semantics are those of the bus; a broken link closes its circuits with its reason; malformed
 * input on the link port harms nothing else. Closes wait up to a minute for their
 * acknowledgement here, so a close that completes proves the other end answered.
 */
@Timeout(180)
class CircuitLinkTest {
  private static final int FRAGMENT = 64 * 1024;
  private static final Set<String> CIRCUIT_TRAFFIC = Set.of("fragment", "credit", "close");
  private static TestCluster.JvmCluster cluster;
  private static Node one;
  private static Node two;
  /** Circuits the "inbox" service accepted. */
  private static final BlockingQueue<Circuit> inbox = new LinkedBlockingQueue<>();
  /** Circuit messages that took the event bus, by kind, on either node. */
  private static final Map<String, AtomicInteger> onTheBus = new ConcurrentHashMap<>();
  private static final Handler<DeliveryContext<Object>> busWatch = ctx -> {
    String kind = ctx.message().headers().get("kind");
    if (kind != null && CIRCUIT_TRAFFIC.contains(kind)) {
      onTheBus.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }
    ctx.next();
  };

  @BeforeAll
  static void startTwoNodes() {
    cluster = TestCluster.inJvm(2, i -> List.of("circuit.close_timeout_ms=60000")).awaitFullMembership();
    one = cluster.node(1);
    two = cluster.node(2);
    for (Node node : List.of(one, two)) {
      circuits(node).registerPeerService("inbox", (me, ctx, newCircuits) -> newCircuits.handler(inbox::add));
      // on a fragment with subject "burst", sends `part` fragments numbered 0.. and closes with "bye"
      circuits(node).registerPeerService("burst", (me, ctx, newCircuits) -> newCircuits.handler(c ->
          c.reads().handler(f -> {
            for (long n = 0; n < f.part(); n++) {
              c.write(Fragment.of(0).withPart(n).withPayload(bytes(1000, (int) n)));
            }
            c.close("bye");
          })));
    }
    Firewall watch = new Firewall(cluster);   // no rule that drops: it only sees what goes on the bus
    watch.intercept(1, busWatch);
    watch.intercept(2, busWatch);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void forgetTheBus() {
    onTheBus.clear();
  }

  @AfterEach
  void everyCircuitIsClosed() {
    for (Node node : List.of(one, two)) {
      CircuitTesting.Held.now(node).closeOthers(node);
      Eventually.await("no circuits left on " + node.name(), DEADLINE, () -> circuits(node).openCircuits() == 0);
    }
    inbox.clear();
  }

  private static double linkFrames(Node node, String direction) {
    return node.meters().get("ferry.circuit.link.frames").tag("direction", direction).counter().count();
  }

  private static int busCount(String kind) {
    AtomicInteger n = onTheBus.get(kind);
    return n == null ? 0 : n.get();
  }

  @Test
  void fragmentsCreditAndCloseBetweenTwoNodesTravelOnTheLinkNotTheBus() {
    double sentBefore = linkFrames(one, "sent");
    double receivedBefore = linkFrames(two, "received");
    LocalPeer a = await(circuits(one).startLocalPeer("inbox"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    Circuit c = await(a.newCircuitToPeer(echo, Fragment.of(1).withSubject("first")));
    List<Fragment> got = collect(c);
    int count = 200;   // 200 × 64 KiB is three windows: credit has to flow both ways
    for (int n = 0; n < count; n++) {
      c.write(Fragment.of(2).withPart(n).withSubject("s").withArg("n", Integer.toString(n))
          .withPayload(bytes(FRAGMENT, n)));
    }
    awaitSize("every echo", got, count + 1);
    assertThat(got.get(0).subject()).isEqualTo("first");
    assertThat(got.subList(1, count + 1)).extracting(Fragment::part)
        .containsExactlyElementsOf(LongStream.range(0, count).boxed().toList());
    assertThat(got.get(count).payload()).isEqualTo(bytes(FRAGMENT, count - 1));
    assertThat(got.get(count).arg("n")).isEqualTo(Integer.toString(count - 1));
    assertThat(got.get(count).fromPeerId()).isEqualTo(echo.peerId());
    assertThat(got.get(count).toPeerId()).isEqualTo(a.id());

    await(c.close("done"));

    assertThat(linkFrames(one, "sent") - sentBefore).isGreaterThanOrEqualTo(count + 1);   // + the close
    assertThat(linkFrames(two, "received") - receivedBefore).isGreaterThanOrEqualTo(count + 1);
    assertThat(busCount("fragment")).as("fragments on the bus").isZero();
    assertThat(busCount("credit")).as("credit on the bus").isZero();
    assertThat(busCount("close")).as("closes on the bus").isZero();
    Eventually.await("the echo end to close", DEADLINE, () -> circuits(two).openCircuits() == 0);
  }

  @Test
  void aStalledCircuitOnTheLinkHoldsBackOnlyItselfAndLosesNothing() throws InterruptedException {
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    LocalPeer b = await(circuits(two).startLocalPeer("inbox"));
    Circuit slow = await(a.newCircuitToPeer(b.ref(), null));
    Circuit slowEnd = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    Circuit fast = await(a.newCircuitToPeer(b.ref(), null));
    Circuit fastEnd = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    slowEnd.reads().pause();
    List<Fragment> slowGot = collect(slowEnd);
    List<Fragment> fastGot = collect(fastEnd);
    CircuitConfig config = circuits(one).config();
    int slowCount = 300;
    int fastCount = 400;

    AtomicInteger slowSent = new AtomicInteger();
    Future<Integer> slowDone = pump(slow, slowCount, FRAGMENT, new AtomicInteger(), slowSent);
    Eventually.await("the stalled circuit's write queue to fill", DEADLINE, slow::writeQueueFull);
    await(pump(fast, fastCount, FRAGMENT, new AtomicInteger(), new AtomicInteger()));
    awaitSize("every fragment of the flowing circuit", fastGot, fastCount);
    assertInOrder(fastGot, fastCount);

    assertThat(slowDone.isComplete()).isFalse();
    assertThat(slowGot).isEmpty();
    assertThat((long) slowSent.get()).isLessThanOrEqualTo(config.windowBytes() / CircuitWire.cost(FRAGMENT) + 1);

    slowEnd.reads().resume();
    await(slowDone);
    awaitSize("every fragment of the stalled circuit", slowGot, slowCount);
    assertInOrder(slowGot, slowCount);
    assertThat(busCount("fragment") + busCount("credit")).isZero();
  }

  @Test
  void aCloseFromEitherEndArrivesAfterItsLastFragment() throws InterruptedException {
    // opener: writes, then closes at once; the acceptor reads everything, then sees the reason
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    LocalPeer b = await(circuits(two).startLocalPeer("inbox"));
    Circuit mine = await(a.newCircuitToPeer(b.ref(), null));
    Circuit theirs = inbox.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    List<Fragment> got = collect(theirs);
    // the reads end after the last fragment (the close handler runs when the close arrives, and
    // this thread's handler may reach the peer's context after the fragments did)
    List<String> seenAtClose = new CopyOnWriteArrayList<>();
    theirs.reads().endHandler(v -> seenAtClose.add("ended after " + got.size()));
    for (int n = 0; n < 50; n++) {
      mine.write(Fragment.of(0).withPart(n).withPayload(bytes(10_000, n)));
    }
    await(mine.close("that is all"));
    assertThat(await(theirs.closed())).isEqualTo("that is all");
    Eventually.await("the reads to end", DEADLINE, () -> !seenAtClose.isEmpty());
    assertThat(seenAtClose).containsExactly("ended after 50");
    assertInOrder(got, 50);

    // acceptor: the "burst" service writes 100 fragments and closes straight away
    PeerRef burst = await(circuits(one).startRemotePeer("burst", "node2"));
    Circuit c = await(a.newCircuitToPeer(burst, null));
    List<Fragment> burstGot = collect(c);
    List<String> closedAfter = new CopyOnWriteArrayList<>();
    c.reads().endHandler(v -> closedAfter.add("ended after " + burstGot.size()));
    c.send(Fragment.of(0).withPart(100));
    assertThat(await(c.closed())).isEqualTo("bye");
    Eventually.await("the reads to end", DEADLINE, () -> !closedAfter.isEmpty());
    assertThat(closedAfter).containsExactly("ended after 100");
    assertInOrder(burstGot, 100);
    assertThat(busCount("close")).isZero();
  }

  @Test
  void fieldsTooLongForTheLinkAreRefusedAndTheCircuitCarriesOn() {
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    Circuit c = await(a.newCircuitToPeer(echo, null));
    List<Fragment> got = collect(c);
    FerryException tooLong = failure(c.send(Fragment.of(1).withSubject("x".repeat(LinkFrame.FIELDS_MAX))));
    assertThat(tooLong.code()).isEqualTo(FerryException.TOO_LARGE);
    assertThat(tooLong.getMessage()).contains("at most " + LinkFrame.FIELDS_MAX);
    c.send(Fragment.of(2).withSubject("short"));
    awaitSize("the next fragment's echo", got, 1);
    assertThat(got.get(0).serial()).isEqualTo(1);
    assertThat(got.get(0).subject()).isEqualTo("short");
    assertThat(c.isClosed()).isFalse();
  }

  @Test
  void aBrokenLinkClosesItsCircuitsOnBothSidesWithItsReason() {
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    List<Circuit> open = IntStream.range(0, 3).mapToObj(i -> await(a.newCircuitToPeer(echo, null))).toList();
    List<Fragment> got = collect(open.get(0));
    open.get(0).send(Fragment.of(1));
    awaitSize("an echo over the link", got, 1);
    LocalPeer echoPeer = circuits(two).localPeer(echo.peerId()).orElseThrow();
    List<Circuit> remoteEnds = echoPeer.circuits();
    assertThat(remoteEnds).hasSize(3);

    Link link = circuits(one).links().linkTo("node2").orElseThrow();
    link.connection().close();

    // each side either sees its own connection break ("link to <the other node>") or first hears
    // the other side's reason over the bus ("link to <itself>"): either way the reason is the link's
    for (Circuit c : open) {
      assertThat(await(c.closed())).matches("(?s)unavailable: circuit link to node[12] broke:.*");
    }
    for (Circuit c : remoteEnds) {
      assertThat(await(c.closed())).matches("(?s)unavailable: circuit link to node[12] broke:.*");
    }
    Eventually.await("node2's echo peer to hold no circuits", DEADLINE, () -> echoPeer.openCircuits() == 0);

    // the next circuit gets a new link
    double before = linkFrames(one, "sent");
    Circuit again = await(a.newCircuitToPeer(echo, null));
    List<Fragment> againGot = collect(again);
    again.send(Fragment.of(2).withPayload(bytes(100, 2)));
    awaitSize("an echo over a new link", againGot, 1);
    assertThat(linkFrames(one, "sent")).isGreaterThan(before);
    assertThat(circuits(one).links().linkTo("node2").orElseThrow()).isNotSameAs(link);
  }

  @Test
  void malformedInputOnTheLinkPortClosesThatConnectionAndNothingElse() throws IOException {
    LocalPeer a = await(circuits(one).startLocalPeer("echo"));
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    Circuit c = await(a.newCircuitToPeer(echo, null));
    List<Fragment> got = collect(c);
    c.send(Fragment.of(1));
    awaitSize("an echo before", got, 1);
    int port = circuits(two).links().port();

    // a length no frame may have
    assertClosedAfter(port, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
    // text, as if someone spoke HTTP to the port
    assertClosedAfter(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    // a well-formed frame that is not a hello
    assertClosedAfter(port, LinkFrame.credit(echo.peerId(), c.id(), 1L << 30).getBytes());
    // a hello from a node that is not in the cluster
    assertClosedAfter(port, LinkFrame.hello("node9", "x", two.incarnation().id()).getBytes());

    c.send(Fragment.of(2));
    awaitSize("an echo after", got, 2);
    assertThat(c.isClosed()).isFalse();
    assertThat(busCount("fragment")).isZero();
  }

  @Test
  void aWireClientsCircuitToAnotherNodeStaysOnTheBus() {
    // what a bridge client does: an open without the link header; the Java end answers on the bus
    PeerRef echo = await(circuits(one).startRemotePeer("echo", "node2"));
    var bus = one.vertx().eventBus();
    List<Message<Object>> received = new CopyOnWriteArrayList<>();
    await(bus.consumer(Addresses.circuitPeer("client9"), received::add).completion());
    double before = linkFrames(two, "sent");
    Message<Object> opened = await(bus.request(Addresses.circuitPeer(echo.peerId()), null, new DeliveryOptions()
        .addHeader("kind", "open").addHeader("circuit", "c9").addHeader("from", "client9").addHeader("from-node", "node1")
        .addHeader("from-service", "js").addHeader("window", "65536")
        .addHeader("reply-to", Addresses.circuitPeer("client9"))));
    assertThat(opened.headers().get("link")).isNull();
    bus.send(opened.headers().get("reply-to"), Buffer.buffer("ping"), new DeliveryOptions().addHeader("kind", "fragment")
        .addHeader("circuit", "c9").addHeader("serial", "1"));
    Eventually.await("the echo on the bus", DEADLINE, () -> !received.isEmpty());
    assertThat(CircuitWire.payload(received.get(0).body()).toString()).isEqualTo("ping");
    assertThat(linkFrames(two, "sent")).isEqualTo(before);
    await(bus.request(opened.headers().get("reply-to"), null, new DeliveryOptions().addHeader("kind", "close")
        .addHeader("circuit", "c9").addHeader("reason", "bye")));
  }

  private static void assertClosedAfter(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      try {
        assertThat(in.read()).as("the node closes the connection").isEqualTo(-1);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the link port kept a connection open after " + bytes.length + " bad bytes", e);
      } catch (IOException e) {
        // a reset is a close too
      }
    }
  }

  private static void assertInOrder(List<Fragment> got, int count) {
    assertThat(got).extracting(Fragment::part).containsExactlyElementsOf(LongStream.range(0, count).boxed().toList());
    for (Fragment f : got) {
      assertThat(f.payload().length()).isIn(FRAGMENT, 10_000, 1000);
      assertThat(f.payload()).isEqualTo(bytes(f.payload().length(), (int) f.part()));
    }
  }
}
