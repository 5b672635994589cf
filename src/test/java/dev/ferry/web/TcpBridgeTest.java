package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.Circuits;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.mailbox.Request;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TcpBridgeClient;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP event-bus bridge, spoken by hand: 4-byte big-endian length, then a JSON frame. */
@Timeout(120)
class TcpBridgeTest {
  private static final String TOKEN = "tcp-token";

  /** A record as Java mailboxes send it: a bridge client reads it as plain JSON. */
  record Pong(String text, int n) {}

  @Test
  void aBridgeClientCannotClaimTheNodeToNodeCircuitLinkNorChangeRaftMembershipOrThePinset() throws Exception {
    int port = Ports.free(1).get(0);
    try (var cluster = TestCluster.inJvm(1, i -> List.of("bridge.tcp_port=" + port))) {
      cluster.awaitFullMembership();
      var echo = Circuits.of(cluster.node(1).vertx()).startRemotePeer("echo", "node1").await();
      try (var tcp = new TcpBridgeClient(port)) {
        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.bridge.mailbox").put("replyAddress", "m1")
            .put("body", new JsonObject()));
        String peer = tcp.read().getJsonObject("body").getString("peer");
        JsonObject open = new JsonObject().put("kind", "open").put("circuit", "c1").put("from", peer)
            .put("from-node", "node1").put("from-service", "js").put("window", "65536")
            .put("reply-to", "ferry.circuit." + peer);

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.circuit." + echo.peerId())
            .put("replyAddress", "o1").put("headers", open.copy().put("link", "1")));
        JsonObject claimed = tcp.read();
        assertThat(claimed.getString("type")).isEqualTo("err");
        assertThat(claimed.getString("message")).isEqualTo("access_denied");
        tcp.read();   // the TCP bridge adds its own refusal frame after ours

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.circuit." + echo.peerId())
            .put("replyAddress", "o2").put("headers", open));
        JsonObject opened = tcp.read();
        assertThat(opened.getString("type")).isEqualTo("message");
        assertThat(opened.getJsonObject("headers").getString("kind")).isEqualTo("opened");
        assertThat(opened.getJsonObject("headers").containsKey("link")).isFalse();

        // a node's own services (the block exchange, file sync) take no circuits from bridge clients,
        // even when the client says it is no bridge client
        Circuits circuits = Circuits.of(cluster.node(1).vertx());
        circuits.registerNodePeerService("nodes-only", (me, ctx, incoming) -> incoming.handler(c -> c.reads().pipeTo(c)));
        var internal = circuits.startLocalPeer("nodes-only").await();
        for (JsonObject headers : List.of(open.copy().put("circuit", "c3"),
            open.copy().put("circuit", "c4").put("From-Bridge", "0"),
            new JsonObject().put("kind", "fragment").put("circuit", "c5").put("serial", "1"))) {
          tcp.write(new JsonObject().put("type", "send").put("address", "ferry.circuit." + internal.id())
              .put("replyAddress", "o3").put("headers", headers).put("body", "x"));
          JsonObject refused = tcp.read();
          assertThat(refused.getString("type")).as(refused.encode()).isEqualTo("err");
          assertThat(refused.getString("message")).contains("takes circuits from peers on ferry nodes only");
        }

        // header names are compared as the event bus compares them, whatever their case
        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.circuit." + echo.peerId())
            .put("replyAddress", "o4").put("headers", open.copy().put("circuit", "c6").put("Link", "1")));
        tcp.expectDenied();
        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.circuit." + echo.peerId())
            .put("replyAddress", "o5").put("headers", open.copy().put("circuit", "c7").put("Kind", "open")));
        tcp.expectDenied();  // kind and Kind: one header twice

        // a node without users or token: Raft membership and the pinset are still not a bridge client's to change
        for (JsonObject body : List.of(new JsonObject().put("op", "transfer").put("node", "node1"),
            new JsonObject().put("op", "leave").put("node", "node1"), new JsonObject().put("op", "join").put("node", "node2"))) {
          tcp.send("ferry.raft.kv", body, null);
          tcp.expectDenied();
        }
        tcp.send("ferry.raft.pins", new JsonObject().put("op", "propose").put("payload", new JsonObject().put("op", "pin")
            .put("cid", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o").put("allocations", new JsonArray().add("node1"))),
            null);
        tcp.expectDenied();
      }
    }
  }

  @Test
  void aFrameWithoutAnAddressLosesItsCredentialsBeforeTheBridgeLogsItAndMailboxControlIsOnlyForTheClientsOwnAddress()
      throws Exception {
    int port = Ports.free(1).get(0);
    try (var logged = LogCapture.everything();
        var cluster = TestCluster.inJvm(1, i -> List.of("bridge.tcp_port=" + port))) {
      cluster.awaitFullMembership();
      Mailbox watched = Mailboxes.of(cluster.node(1).vertx()).create().await();
      try (var tcp = new TcpBridgeClient(port)) {
        tcp.write(new JsonObject().put("type", "send").put("headers", new JsonObject()
            .put("Authorization", "Basic c2VjcmV0LXBhc3N3b3Jk").put("token", "secret-token")));
        assertThat(tcp.read().getString("type")).isEqualTo("err");  // the bridge's missing_address

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.bridge.mailbox").put("replyAddress", "m1")
            .put("body", new JsonObject()));
        String own = tcp.read().getJsonObject("body").getString("address");
        // a fake death notice to a watcher, or a watch on someone else's behalf: denied
        tcp.write(new JsonObject().put("type", "send").put("address", watched.address().toString())
            .put("headers", new JsonObject().put("ferry-control", "down"))
            .put("body", new JsonObject().put("address", "ferry.mbx.node1.x").put("reason", "spoofed")));
        tcp.expectDenied();
        tcp.write(new JsonObject().put("type", "send").put("address", watched.address().toString())
            .put("headers", new JsonObject().put("ferry-control", "monitor")).put("body", "ferry.mbx.node1.other"));
        tcp.expectDenied();
        tcp.write(new JsonObject().put("type", "send").put("address", watched.address().toString())
            .put("headers", new JsonObject().put("Ferry-Control", "down"))
            .put("body", new JsonObject().put("address", "ferry.mbx.node1.x").put("reason", "spoofed")));
        tcp.expectDenied();
        // monitoring it for itself: let through, and answered once registered
        tcp.write(new JsonObject().put("type", "send").put("address", watched.address().toString()).put("replyAddress", "w1")
            .put("headers", new JsonObject().put("ferry-control", "monitor")).put("body", own));
        assertThat(tcp.read().getString("type")).isEqualTo("message");
      }
      assertThat(logged.lines())
          .noneMatch(line -> line.contains("c2VjcmV0LXBhc3N3b3Jk") || line.contains("secret-token"));
    }
  }

  @Test
  void clientsInOtherLanguagesUseTheSamePermissionsAndToken() throws Exception {
    int port = Ports.free(1).get(0);
    try (var cluster = TestCluster.inJvm(1, i -> List.of("bridge.tcp_port=" + port, "bridge.token=" + TOKEN))) {
      cluster.awaitFullMembership();
      try (var tcp = new TcpBridgeClient(port)) {
        JsonObject names = new JsonObject().put("op", "names");

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.registry").put("replyAddress", "r1")
            .put("headers", new JsonObject().put("token", TOKEN)).put("body", names));
        JsonObject reply = tcp.read();
        assertThat(reply.getString("type")).isEqualTo("message");
        assertThat(reply.getString("address")).isEqualTo("r1");
        assertThat(reply.getJsonObject("body").getJsonArray("names")).isNotNull();

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.registry").put("replyAddress", "r2")
            .put("body", names));
        JsonObject noToken = tcp.read();
        assertThat(noToken.getString("type")).isEqualTo("err");
        assertThat(noToken.getString("message")).isEqualTo("access_denied");
        tcp.read();   // the TCP bridge adds its own refusal frame after ours

        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.node.node1.id").put("replyAddress", "r3")
            .put("headers", new JsonObject().put("token", TOKEN)).put("body", new JsonObject()));
        JsonObject internal = tcp.read();
        assertThat(internal.getString("type")).isEqualTo("err");
        assertThat(internal.getString("message")).isEqualTo("access_denied");
      }
    }
  }

  @Test
  void recordsReachBridgeClientsAsJsonAndTypedJsonReachesJavaAsRecords() throws Exception {
    int port = Ports.free(1).get(0);
    try (var cluster = TestCluster.inJvm(1, i -> List.of("bridge.tcp_port=" + port))) {
      cluster.awaitFullMembership();
      Mailboxes mailboxes = cluster.mailboxes(1);
      Mailbox service = mailboxes.create().await();
      try (var tcp = new TcpBridgeClient(port)) {
        tcp.write(new JsonObject().put("type", "send").put("address", "ferry.bridge.mailbox").put("replyAddress", "m")
            .put("body", new JsonObject()));
        String mine = tcp.read().getJsonObject("body").getString("address");
        tcp.write(new JsonObject().put("type", "register").put("address", mine));

        // a record sent from Java arrives as its JSON object, with no type header to decode
        JsonObject received = firstDelivery(tcp, () -> mailboxes.address(mine).send(new Pong("hi", 7)));
        assertThat(received.getString("address")).isEqualTo(mine);
        assertThat(received.getJsonObject("body")).isEqualTo(new JsonObject().put("text", "hi").put("n", 7));

        // JSON text typed with ferry-type arrives at a Java mailbox as that record
        tcp.write(new JsonObject().put("type", "send").put("address", service.address().toString())
            .put("headers", new JsonObject().put("ferry-type", Pong.class.getName()))
            .put("body", "{\"text\":\"typed\",\"n\":3}"));
        assertThat(service.receive(Duration.ofSeconds(10)).await()).isEqualTo(new Pong("typed", 3));

        // a Java reply that is a record reaches the requesting client as JSON
        service.receive(Duration.ofSeconds(10)).onSuccess(m -> ((Request) m).reply(new Pong("answer", 42)));
        tcp.write(new JsonObject().put("type", "send").put("address", service.address().toString())
            .put("replyAddress", "r9").put("body", new JsonObject().put("q", 1)));
        JsonObject reply = tcp.read();
        assertThat(reply.getString("address")).isEqualTo("r9");
        assertThat(reply.getJsonObject("body")).isEqualTo(new JsonObject().put("text", "answer").put("n", 42));
      }
    }
  }

  /**
   * The first message frame the socket receives while {@code send} runs every second: the
   * bridge acknowledges no registration, so the first sends may find no handler yet.
   */
  private static JsonObject firstDelivery(TcpBridgeClient tcp, Runnable send) throws IOException {
    Socket socket = tcp.socket();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int timeout = socket.getSoTimeout();
    socket.setSoTimeout(1_000);
    try {
      while (System.nanoTime() < deadline) {
        send.run();
        try {
          return tcp.read();
        } catch (SocketTimeoutException e) {
          // not registered yet (nothing of a frame was read): send again
        }
      }
    } finally {
      socket.setSoTimeout(timeout);
    }
    throw new AssertionError("no message reached the TCP bridge client within 15 s");
  }
}
