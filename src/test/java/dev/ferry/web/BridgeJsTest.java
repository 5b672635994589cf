package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.circuit.Circuits;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.mailbox.Request;
import dev.ferry.raft.RaftClient;
import dev.ferry.registry.Registry;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.NodeScript;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives src/test/js/bridge.test.mjs (Node's test runner, the npm bridge client) against three
 * clustered nodes: node1 open with an "echo" mailbox, an "echo" circuit peer and the kv Raft
 * group, node2 guarded by a token, node3 stopped mid-test so the script sees the member event.
 * node1 has no users, as where the browser moved Raft leadership and proposed pins: the
 * bridge refuses that there too, and the log says why.
 */
@Timeout(180)
class BridgeJsTest {
  private static final String TOKEN = "s3cret-token";

  /** Echoes requests as {"echo": body}; answers {"replyTo", "text"} with {"pong": text} sent to replyTo. */
  private static void echo(Mailbox mailbox, Mailboxes mailboxes) {
    mailbox.receive().onSuccess(m -> {
      if (m instanceof Request r) {
        r.reply(new JsonObject().put("echo", r.body()));
      } else if (m instanceof JsonObject json && json.containsKey("replyTo")) {
        // straight to the address the bridge made for the browser's socket
        mailboxes.address(json.getString("replyTo")).send(new JsonObject().put("pong", json.getString("text")));
      }
      echo(mailbox, mailboxes);
    });
  }

  @Test
  void theNpmClientUsesTheBridge() throws Exception {
    try (var cluster = TestCluster.inJvm(3, i -> i == 2 ? List.of("bridge.token=" + TOKEN) : List.of());
        var guard = LogCapture.of(BridgeGuard.class)) {
      cluster.awaitFullMembership();
      Mailbox service = cluster.mailboxes(1).create().await();
      Registry.of(cluster.node(1).vertx()).register("echo", service.address()).await();
      echo(service, cluster.mailboxes(1));
      Eventually.await("node2 to know echo", Duration.ofSeconds(15),
          () -> Registry.of(cluster.node(2).vertx()).names().await().contains("echo"));

      var echoPeer = Circuits.of(cluster.node(1).vertx()).startRemotePeer("echo", "node1").await();
      // the script asks ferry.raft.kv, which any node may answer: every node must know the leader
      Eventually.await("every node to know the kv group's leader", Duration.ofSeconds(30), () -> {
        try {
          for (int i = 1; i <= 3; i++) {
            if (RaftClient.forNode(cluster.node(i)).status("kv").await().leader() == null) {
              return false;
            }
          }
          return true;
        } catch (RuntimeException e) {
          return false;
        }
      });

      CompletableFuture<Void> stopped = new CompletableFuture<>();
      var result = NodeScript.run("src/test/js/bridge.test.mjs", Map.of(
          "FERRY_BRIDGE_OPEN", "http://127.0.0.1:" + cluster.apiPort(1) + "/eventbus",
          "FERRY_BRIDGE_TOKEN_URL", "http://127.0.0.1:" + cluster.apiPort(2) + "/eventbus",
          "FERRY_TOKEN", TOKEN,
          "FERRY_ECHO_PEER", echoPeer.peerId()), 120, line -> {
            if (line.contains("READY-FOR-MEMBER-EVENT") && !stopped.isDone()) {
              stopped.complete(null);
              new Thread(() -> cluster.stop(3), "stop-node3").start();
            }
          });
      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains("pass 9").contains("fail 0");
      // a node without users refuses the attack and tells the operator why
      assertThat(guard.warnings()).anyMatch(l -> l.startsWith("bridge: denied send of ferry.raft.kv from ")
          && l.endsWith(": 'transfer' changes the Raft group's membership or leader, which bridge clients may not "
              + "(set bridge.membership_changes to allow admins; or use the HTTP API)"));
      assertThat(guard.warnings()).anyMatch(l -> l.contains("denied send of ferry.raft.kv") && l.contains("'leave' changes"));
      assertThat(guard.warnings()).anyMatch(l -> l.contains("denied send of ferry.raft.kv") && l.contains("'join' changes"));
      assertThat(guard.warnings()).anyMatch(l -> l.startsWith("bridge: denied send of ferry.raft.pins from ")
          && l.endsWith(": group 'pins' has a service's state machine: change it through that service, which checks "
              + "the change (the pinset through ferry.pin), never by proposing"));
    }
  }
}
