package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.raft.RaftClient;
import dev.ferry.security.Passwords;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.NodeScript;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TcpBridgeClient;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Both bridges of a node with {@code api.users}: sockets log in as a user, and each role may do
 * only its part. The SockJS side is driven by src/test/js/bridge-auth.test.mjs with the npm client,
 * the TCP side by hand (4-byte length, JSON frame). Two nodes with an admin and a read user; node2
 * lets admins change Raft membership over the bridge ({@code bridge.membership_changes}), node1
 * does not (the default).
 */
@Timeout(180)
class BridgeAuthTest {
  private static final String ADMIN = "alice:correct horse";
  private static final String READER = "bob:battery staple";
  private static final int FEW_ITERATIONS = 1000;   // fast tests; the CLI's default is much higher
  private static TestCluster.JvmCluster cluster;
  /** The TCP bridge ports of node1 and node2. */
  private static List<Integer> tcpPorts;

  @BeforeAll
  static void start() {
    tcpPorts = Ports.free(2);
    cluster = TestCluster.inJvm(2, i -> new JsonObject()
        .put("api", new JsonObject()
            .put("users", new JsonObject()
                .put("alice", user(ADMIN, "admin"))
                .put("bob", user(READER, "read")))
            .put("login_max_failures", 1000))   // the refusals here must not block the later logins
        .put("bridge", new JsonObject().put("tcp_port", tcpPorts.get(i - 1)).put("membership_changes", i == 2)),
        i -> Map.of());
    cluster.awaitFullMembership();
    for (int i = 1; i <= 2; i++) {
      awaitKvLeader(i, null);
    }
  }

  /** Waits until node {@code i} knows the kv group's leader ({@code expected}, or any when null); returns it. */
  private static String awaitKvLeader(int i, String expected) {
    String[] leader = new String[1];
    Eventually.await("node" + i + " to know the kv group's leader" + (expected == null ? "" : " " + expected),
        Duration.ofSeconds(30), () -> {
          try {
            leader[0] = RaftClient.forNode(cluster.node(i)).status("kv").await().leader();
            return leader[0] != null && (expected == null || expected.equals(leader[0]));
          } catch (RuntimeException e) {
            return false;
          }
        });
    return leader[0];
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static JsonObject user(String userPassword, String role) {
    return new JsonObject().put("password", Passwords.hash(userPassword.split(":", 2)[1], FEW_ITERATIONS))
        .put("role", role);
  }

  private static String basic(String userPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theNpmClientLogsInAndEachRoleDoesOnlyItsPart() throws Exception {
    var result = NodeScript.run("src/test/js/bridge-auth.test.mjs", Map.of(
        "FERRY_BRIDGE", "http://127.0.0.1:" + cluster.apiPort(1) + "/eventbus",
        "FERRY_API", "http://127.0.0.1:" + cluster.apiPort(1),
        "FERRY_ADMIN", ADMIN,
        "FERRY_READER", READER), 120, line -> { });
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("pass 3").contains("fail 0");
  }

  @Test
  void theSockJsRequestsNeedNoCredentialsButWrongOnesAre401() {
    // the sockets log in themselves; credentials on the HTTP request, if any, must be right
    assertThat(Http.get(cluster.apiPort(1), "/eventbus/info").statusCode()).isEqualTo(200);
    assertThat(Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + "/eventbus/info"))
        .header("Authorization", basic("bob:wrong"))).statusCode()).isEqualTo(401);
    assertThat(Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.apiPort(1) + "/eventbus/info"))
        .header("Authorization", basic(READER))).statusCode()).isEqualTo(200);
    // everything else still needs them
    assertThat(Http.get(cluster.apiPort(1), "/peers").statusCode()).isEqualTo(401);
  }

  @Test
  void tcpClientsWithoutOrWithWrongCredentialsAreRefused() throws Exception {
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPorts.get(0))) {
      JsonObject names = new JsonObject().put("op", "names");
      tcp.send("ferry.registry", names, null);
      tcp.expectDenied();
      tcp.send("ferry.registry", names, basic("bob:wrong"));
      tcp.expectDenied();
      tcp.send("ferry.registry", names, "Bearer not.a.token");
      tcp.expectDenied();
      // a later frame with the right credentials logs the socket in, and the next need not repeat them
      tcp.send("ferry.registry", names, basic(READER));
      assertThat(tcp.read().getJsonObject("body").getJsonArray("names")).isNotNull();
      tcp.send("ferry.registry", names, null);
      assertThat(tcp.read().getJsonObject("body").getJsonArray("names")).isNotNull();
    }
  }

  @Test
  void aTcpReadUserQueriesButCannotPropose() throws Exception {
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPorts.get(0))) {
      tcp.send("ferry.raft.kv", new JsonObject().put("op", "query")
          .put("payload", new JsonObject().put("op", "get").put("key", "tcp-read")), basic(READER));
      assertThat(tcp.read().getString("type")).isEqualTo("message");
      tcp.send("ferry.raft.kv", new JsonObject().put("op", "propose")
          .put("payload", new JsonObject().put("op", "put").put("key", "tcp-read").put("value", "no")), null);
      tcp.expectDenied();
    }
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPorts.get(0))) {
      tcp.send("ferry.raft.kv", new JsonObject().put("op", "propose")
          .put("payload", new JsonObject().put("op", "put").put("key", "tcp-admin").put("value", "yes")), basic(ADMIN));
      assertThat(tcp.read().getJsonObject("body").getLong("index")).isPositive();
      tcp.send("ferry.raft.kv", new JsonObject().put("op", "transfer").put("node", "node1"), null);
      tcp.expectDenied();
      tcp.send("ferry.raft.pins", new JsonObject().put("op", "propose")
          .put("payload", new JsonObject().put("op", "pin")), null);
      tcp.expectDenied();
    }
  }

  @Test
  void withMembershipChangesOnAnAdminMovesTheLeadershipButNobodyProposesPinsAndReadUsersStillOnlyRead() throws Exception {
    String leader = awaitKvLeader(2, null);
    List<String> voters = RaftClient.forNode(cluster.node(2)).status("kv").await().voters();
    String other = voters.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    JsonObject transfer = new JsonObject().put("op", "transfer").put("node", other);
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPorts.get(1))) {
      tcp.send("ferry.raft.kv", transfer, basic(READER));
      tcp.expectDenied();   // the read role may only query and follow feeds
    }
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPorts.get(1))) {
      tcp.send("ferry.raft.pins", new JsonObject().put("op", "propose").put("payload", new JsonObject().put("op", "pin")
          .put("cid", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o").put("allocations", new JsonArray().add(other))),
          basic(ADMIN));
      tcp.expectDenied();   // the pinset changes only through ferry.pin, membership_changes or not
      tcp.send("ferry.raft.kv", transfer, null);
      JsonObject moved = tcp.read();
      assertThat(moved.getString("type")).as(moved.encode()).isEqualTo("message");
      assertThat(moved.getJsonObject("body").getString("leader")).isEqualTo(other);
    }
    for (int i = 1; i <= 2; i++) {
      awaitKvLeader(i, other);
    }
    assertThat(RaftClient.forNode(cluster.node(1)).status("kv").await().voters()).isEqualTo(voters);
  }
}
