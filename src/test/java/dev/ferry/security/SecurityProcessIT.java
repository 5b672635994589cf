package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.ChatProcess;
import dev.ferry.testing.CommandRun;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TcpBridgeClient;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's attacks, replayed against three processes of the fat jar whose certificates come
 * from {@code ferry certs init} run as a command: the cluster forms over TLS and serves kv and
 * pins to its users over HTTPS; two more processes on the same machine try to join it as the
 * issue's attacker did — one claims node2's name with a certificate of its own CA, the other is a
 * node4 without any certificate (a {@code ferry chat}) whose own peers.json lists itself next to
 * the real three. The
 * nodes close their Hazelcast connections before Hazelcast reads a packet (the connection proof)
 * and log why, so neither becomes a member at all: neither appears in {@code /peers} or in a pin's
 * allocations, nothing reaches their disks and every PUT through a real node is stored; the
 * bus port speaks only TLS and asks for a client certificate; the API and the IPFS proxy refuse
 * callers without credentials, with wrong ones, and a read user's changes, with a message that
 * says why; the TCP bridge takes a read user's query and refuses the rest; the circuit link port
 * refuses the other CA's certificate and says so in the log; {@code ferry chat} joins with its
 * node's certificate and chats. The nodes have no {@code ca.key}.
 * What needs a modified node (a certificate of the cluster CA for another name, forged member
 * attributes) is covered in this JVM by BusTlsTest, MemberProofTest and CircuitLinkTlsTest; the
 * bridge's other refusals by BridgeAuthTest and BridgeJsTest.
 */
@Timeout(420)
class SecurityProcessIT {
  private static final Duration FORM = Duration.ofSeconds(120);
  private static final Duration NOTICE = Duration.ofSeconds(60);
  private static final String ADMIN = "alice";
  private static final String ADMIN_PW = "correct horse";
  private static final String READER = "bob";
  private static final String READER_PW = "battery staple";
  /** Fast logins in a test; the CLI's default is much higher. */
  private static final int FEW_ITERATIONS = 1000;
  private static final int WRITES = 20;

  @TempDir
  Path dir;

  @Test
  void aClusterOfTheCaServesItsUsersAndShutsOutNodesOfNoneOrAnotherCa() throws Exception {
    Path certs = dir.resolve("certs");
    Path foreign = dir.resolve("foreign");
    certsInit(certs, "node1,node2,node3");
    certsInit(foreign, "node2");
    Files.delete(certs.resolve("ca.key"));   // it stays with the operator, off the nodes
    List<Integer> node1Ports = Ports.free(2);   // node1's TCP bridge and circuit link
    JsonObject users = new JsonObject()
        .put(ADMIN, new JsonObject().put("password", Passwords.hash(ADMIN_PW, FEW_ITERATIONS)).put("role", "admin"))
        .put(READER, new JsonObject().put("password", Passwords.hash(READER_PW, FEW_ITERATIONS)).put("role", "read"));

    try (ProcessCluster cluster = TestCluster.processes(3, i -> TestCluster.tls(certs)
        .put("api", new JsonObject().put("users", users).put("login_max_failures", 1000)
            .put("tls", new JsonObject().put("cert", certs.resolve("{name}.crt").toString())
                .put("key", certs.resolve("{name}.key").toString())))
        .put("bridge", new JsonObject().put("token", "a bridge token does not open the API")
            .put("tcp_port", i == 1 ? node1Ports.get(0) : 0))
        .put("circuit", new JsonObject().put("link_port", i == 1 ? node1Ports.get(1) : 0)))) {
      Https https = new Https(certs.resolve("ca.crt"));
      String admin = basic(ADMIN, ADMIN_PW);
      List<String> genuine = cluster.names(1, 2, 3);
      for (int i = 1; i <= 3; i++) {
        int node = i;
        Eventually.await("/peers on node" + node + " to list the three nodes", FORM,
            () -> peers(https, cluster, node).equals(genuine));
      }
      awaitKvWrites(https, cluster, admin);

      // the attackers, on this machine with the same network access as the nodes
      List<Integer> node4Ports = Ports.free(4);
      // (node4 runs `ferry chat`, which starts its node as `ferry node` does)
      try (Rogue otherCa = Rogue.start(cluster, dir, "node", "node2", cluster.peersFile(), TestCluster.tls(foreign),
              Ports.free(4));
          Rogue noCert = Rogue.start(cluster, dir, "chat", "node4", ownPeers(cluster, node4Ports), new JsonObject(),
              node4Ports)) {
        // each is refused at its first Hazelcast connection, before Hazelcast reads a packet of it: neither
        // becomes a member (the other CA's node finds no node it can talk to; node4 gets no answer at all)
        Map<Rogue, String> reasons = Map.of(otherCa, "its certificate is not signed by the cluster CA",
            noCert, "it did not start with ferry's connection proof");
        reasons.forEach((rogue, reason) -> Eventually.await("a node to refuse the connection of the rogue at "
            + rogue.membershipAddress() + " (" + reason + ")", NOTICE,
            () -> Stream.of(1, 2, 3).map(i -> read(cluster.log(i))).anyMatch(log -> log.lines().anyMatch(l ->
                l.contains("ERROR") && l.contains("refusing the Hazelcast connection from 127.0.0.1:") && l.contains(reason)
                    && l.contains("closed before any Hazelcast packet")))));
        Eventually.await("the other CA's node to refuse the real nodes in turn", NOTICE, () -> read(otherCa.log).lines()
            .anyMatch(l -> l.contains("refusing the Hazelcast connection to 127.0.0.1:")
                && l.contains("its certificate is not signed by the cluster CA")));
        String logs = Stream.of(1, 2, 3).map(i -> read(cluster.log(i))).collect(Collectors.joining());
        assertThat(logs).doesNotContain("Members {size:4").doesNotContain("refusing the Hazelcast member at");
        assertThat(read(noCert.log)).doesNotContain("joined the chat");
        for (int i = 1; i <= 3; i++) {
          assertThat(peers(https, cluster, i)).as("GET /peers on node%d", i).isEqualTo(genuine);
        }

        // every write through a real node is stored: none is answered by a rogue holding node2's Raft addresses
        String marker = "stored-" + System.nanoTime();
        List<Long> indexes = new ArrayList<>();
        for (int n = 0; n < WRITES; n++) {
          var put = https.send(cluster.apiPort(1 + n % 3), "PUT", "/kv/w" + n, admin, marker + "-" + n);
          assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
          indexes.add(new JsonObject(put.body()).getLong("index"));
        }
        for (int i = 1; i <= 3; i++) {
          for (int n = 0; n < WRITES; n++) {
            var got = https.send(cluster.apiPort(i), "GET", "/kv/w" + n, admin, null);
            assertThat(got.statusCode()).as("w%d on node%d: %s", n, i, got.body()).isEqualTo(200);
            assertThat(new JsonObject(got.body()).getString("value")).isEqualTo(marker + "-" + n);
            assertThat(new JsonObject(got.body()).getLong("index")).isEqualTo(indexes.get(n));
          }
        }
        // the leader's appends reached the real node2 and neither rogue
        assertThat(holds(cluster.dataDir(2), marker)).as("node2's data holds the values").isTrue();
        assertThat(holds(otherCa.dataDir, marker)).as("the other CA's node2 got no append").isFalse();
        assertThat(holds(noCert.dataDir, marker)).as("node4 got no append").isFalse();
        // pins are allocated among the real nodes only and pinned there
        String cid = addWithCtl(cluster, dir);
        Eventually.await("the added file to be pinned on the three nodes", NOTICE, () -> {
          var status = https.send(cluster.apiPort(1), "GET", "/pins/" + cid, admin, null);
          if (status.statusCode() != 200) {
            return false;
          }
          JsonObject peerMap = new JsonObject(status.body()).getJsonObject("peer_map");
          return peerMap.size() == 3 && peerMap.stream()
              .allMatch(e -> "pinned".equals(((JsonObject) e.getValue()).getString("status")));
        });
        List<String> genuineIds = Stream.of(1, 2, 3)
            .map(i -> new JsonObject(https.send(cluster.apiPort(i), "GET", "/id", admin, null).body()).getString("id"))
            .sorted().toList();
        JsonObject peerMap = new JsonObject(https.send(cluster.apiPort(2), "GET", "/pins/" + cid, admin, null).body())
            .getJsonObject("peer_map");
        assertThat(peerMap.fieldNames().stream().sorted().toList()).as("the pin's peers").isEqualTo(genuineIds);

        assertBusPortAsksForAClientCertificate(cluster, certs);
        assertApiRefusals(https, cluster, cid);
        assertTcpBridgeAsksForUsers(node1Ports.get(0));
        assertDashboardAsksForUsers(https, cluster, cid);
        assertLinkPortRefusesTheOtherCa(cluster, foreign, node1Ports.get(1));
      }
      // the cluster kept serving through all of it
      var after = https.send(cluster.apiPort(3), "PUT", "/kv/after", admin, "still serving");
      assertThat(after.statusCode()).as(after.body()).isEqualTo(200);

      assertChatUsesItsNodesCertificate(cluster, certs);
    }
  }

  /**
   * {@code ferry chat} starts its node as {@code ferry node} does: as node2 and node3 (stopped for
   * it) with their certificates, two chatters join the cluster and exchange a line. (A chatter
   * without certificates is the node4 above, refused at its join.)
   */
  private void assertChatUsesItsNodesCertificate(ProcessCluster cluster, Path certs) throws Exception {
    cluster.process(2).destroy();
    cluster.stop(3);
    cluster.stop(2);
    Path tls = Files.writeString(dir.resolve("chat-tls.json"), TestCluster.tls(certs).encode());
    try (ChatProcess alice = chat(cluster, 2, "--config", tls.toString());
        ChatProcess bob = chat(cluster, 3, "--config", tls.toString())) {
      for (var chatter : List.of(alice, bob)) {
        Eventually.await("a chatter with its certificate to join", FORM, () -> chatter.printed("joined the chat as"));
      }
      Eventually.await("the chatters' registries to know each other", NOTICE, () ->
          ChatProcess.registered(cluster.apiPort(2), "chatter_node3") && ChatProcess.registered(cluster.apiPort(3), "chatter_node2"));
      alice.say("hello over TLS");
      Eventually.await("bob to print alice's line", NOTICE, () -> bob.printed("node2: hello over TLS"));
    }
  }

  private ChatProcess chat(ProcessCluster cluster, int i, String... settings) throws IOException {
    List<String> args = new ArrayList<>(List.of("--peers", cluster.peersFile().toString(), "--name", cluster.name(i),
        "--data", cluster.dataDir(i).toString()));
    args.addAll(List.of(settings));
    return ChatProcess.start(dir.resolve("chat-" + cluster.name(i) + ".log"), args.toArray(String[]::new));
  }

  /** The API and the proxy over HTTPS: who may do what, and what a refused caller is told. */
  private static void assertApiRefusals(Https https, ProcessCluster cluster, String cid) {
    int api = cluster.apiPort(1);
    var none = https.send(api, "DELETE", "/pins/" + cid, null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"ferry\"");
    assertThat(new JsonObject(none.body()).getString("message")).contains("needs credentials");
    var wrong = https.send(api, "DELETE", "/pins/" + cid, basic(ADMIN, "not the password"), null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(wrong.body()).getString("message")).isEqualTo("wrong user name or password");
    var bridgeToken = https.send(api, "DELETE", "/pins/" + cid, "Bearer a bridge token does not open the API", null);
    assertThat(bridgeToken.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(bridgeToken.body()).getString("message")).contains("expired or invalid");
    var reader = https.send(api, "DELETE", "/pins/" + cid, basic(READER, READER_PW), null);
    assertThat(reader.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(reader.body()).getString("message")).contains("role read");
    assertThat(https.send(api, "GET", "/pins/" + cid, basic(READER, READER_PW), null).statusCode()).isEqualTo(200);
    assertThat(https.send(api, "GET", "/kv", null, null).statusCode()).isEqualTo(401);

    // a token: works as Bearer, and not once tampered with
    var issued = https.send(api, "POST", "/token", basic(READER, READER_PW), null);
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    String token = new JsonObject(issued.body()).getString("token");
    assertThat(https.send(api, "GET", "/peers", "Bearer " + token, null).statusCode()).isEqualTo(200);
    String[] parts = token.split("\\.");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace(READER, ADMIN)
            .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    var tampered = https.send(api, "PUT", "/kv/forged", "Bearer " + forged, "x");
    assertThat(tampered.statusCode()).isEqualTo(401);
    // a token is the issuing node's only
    assertThat(https.send(cluster.apiPort(2), "GET", "/peers", "Bearer " + token, null).statusCode()).isEqualTo(401);

    // the IPFS proxy asks for an admin too
    int proxy = cluster.peer(1).proxyPort().orElseThrow();
    var proxyNone = https.send(proxy, "POST", "/api/v0/pin/ls", null, null);
    assertThat(proxyNone.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(proxyNone.body()).getString("Message")).contains("needs credentials");
    assertThat(https.send(proxy, "POST", "/api/v0/pin/rm?arg=" + cid, basic(READER, READER_PW), null).statusCode())
        .isEqualTo(403);

    // after all that the pin is still there
    var pin = https.send(api, "GET", "/pins/" + cid, basic(ADMIN, ADMIN_PW), null);
    assertThat(new JsonObject(pin.body()).getJsonObject("peer_map")).hasSize(3);
  }

  /** The TCP bridge asks for the API's users: a read user queries, nobody unauthenticated does, and reading is all it may do. */
  /**
   * The dashboard over HTTPS: its page loads for anyone (it shows the login form), its data only
   * with credentials, and the session tells the page the caller's role, so a {@code read} user
   * gets no controls that change anything.
   */
  private static void assertDashboardAsksForUsers(Https https, ProcessCluster cluster, String cid) {
    int port = cluster.apiPort(2);
    var page = https.send(port, "GET", "/ui/", null, null);
    assertThat(page.statusCode()).as("the dashboard's page").isEqualTo(200);
    assertThat(page.body()).contains("<html");
    for (String path : List.of("/dashboard/history", "/dashboard/pins", "/dashboard/session")) {
      assertThat(https.send(port, "GET", path, null, null).statusCode()).as("GET %s without credentials", path)
          .isEqualTo(401);
    }
    JsonObject reader = new JsonObject(https.send(port, "GET", "/dashboard/session", basic(READER, READER_PW), null).body());
    assertThat(reader.getString("role")).isEqualTo("read");
    assertThat(reader.getBoolean("may_change")).isFalse();
    JsonObject admin = new JsonObject(https.send(port, "GET", "/dashboard/session", basic(ADMIN, ADMIN_PW), null).body());
    assertThat(admin.getString("role")).isEqualTo("admin");
    assertThat(admin.getBoolean("may_change")).isTrue();
    var pins = https.send(port, "GET", "/dashboard/pins", basic(READER, READER_PW), null);
    assertThat(pins.statusCode()).as(pins.body()).isEqualTo(200);
    assertThat(new JsonObject(pins.body()).getJsonArray("pins").stream()
        .map(pin -> ((JsonObject) pin).getString("cid"))).contains(cid);
    var history = https.send(port, "GET", "/dashboard/history", basic(READER, READER_PW), null);
    assertThat(new JsonObject(history.body()).getJsonObject("nodes").fieldNames()).hasSize(3);
  }

  private static void assertTcpBridgeAsksForUsers(int port) throws IOException {
    JsonObject query = new JsonObject().put("op", "query").put("payload", new JsonObject().put("op", "get").put("key", "formed"));
    try (var anonymous = new TcpBridgeClient(port)) {
      anonymous.send("ferry.raft.kv", query, null);
      anonymous.expectDenied();
      anonymous.send("ferry.raft.kv", query, basic(READER, "not the password"));
      anonymous.expectDenied();
    }
    try (var reader = new TcpBridgeClient(port)) {
      reader.send("ferry.raft.kv", query, basic(READER, READER_PW));
      JsonObject answer = reader.read();
      assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("message");
      assertThat(answer.getJsonObject("body").getJsonObject("result").getString("value")).isEqualTo("yes");
      reader.send("ferry.raft.kv", new JsonObject().put("op", "propose")
          .put("payload", new JsonObject().put("op", "put").put("key", "formed").put("value", "no")), null);
      reader.expectDenied();
    }
    try (var admin = new TcpBridgeClient(port)) {
      admin.send("ferry.raft.kv", new JsonObject().put("op", "transfer").put("node", "node2"), basic(ADMIN, ADMIN_PW));
      admin.expectDenied();   // bridge.membership_changes is off
    }
  }

  /**
   * The circuit link port completes no connection with the other CA's certificate (the rogue's),
   * and node1 logs the refusal.
   */
  private static void assertLinkPortRefusesTheOtherCa(ProcessCluster cluster, Path foreign, int port) {
    Vertx vertx = Vertx.vertx();
    try {
      NetClientOptions options = new NetClientOptions().setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm("")
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(foreign.resolve("node2.crt").toString())
              .setKeyPath(foreign.resolve("node2.key").toString()));
      Promise<Void> closed = Promise.promise();
      vertx.createNetClient(options).connect(port, "127.0.0.1").onComplete(connected -> {
        if (connected.failed()) {
          closed.tryComplete();
          return;
        }
        connected.result().closeHandler(x -> closed.tryComplete());
        connected.result().write(Buffer.buffer(new byte[] {0, 0, 0, 1, 0}));
      });
      Eventually.await("node1's circuit link port to close the other CA's connection", NOTICE,
          () -> closed.future().isComplete());
      Eventually.await("node1 to log the refused connection", NOTICE, () -> read(cluster.log(1)).lines()
          .anyMatch(l -> l.contains("WARN") && l.contains("circuit link: refused a connection to node1's link port "
              + "before its hello (its TLS handshake failed")));
    } finally {
      vertx.close().await();
    }
  }

  /**
   * The bus port speaks TLS with the node's certificate and completes no exchange with a client
   * that has no certificate of the cluster CA: what a packet capture or a plain client sees.
   */
  private static void assertBusPortAsksForAClientCertificate(ProcessCluster cluster, Path certs) throws Exception {
    SSLContext trustingTheCa = Https.context(certs.resolve("ca.crt"));
    try (SSLSocket socket = (SSLSocket) trustingTheCa.getSocketFactory().createSocket("127.0.0.1", cluster.peer(1).port())) {
      socket.setSoTimeout((int) NOTICE.toMillis());
      socket.startHandshake();
      X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      assertThat(presented.getSubjectX500Principal().getName()).contains("CN=node1");
      // TLS 1.3: the server refuses the missing client certificate after the client's Finished
      assertThatThrownBy(() -> {
        socket.getOutputStream().write(new byte[] {0, 0, 0, 1, 0});
        socket.getOutputStream().flush();
        if (socket.getInputStream().read() < 0) {
          throw new SSLException("closed without a word");
        }
      }).isInstanceOf(IOException.class);
    }
  }

  private static void awaitKvWrites(Https https, ProcessCluster cluster, String admin) {
    Eventually.await("the kv group to take a write", FORM,
        () -> https.send(cluster.apiPort(1), "PUT", "/kv/formed", admin, "yes").statusCode() == 200);
  }

  /** {@code ferry ctl add} with credentials over HTTPS; the CID it printed. */
  private static String addWithCtl(ProcessCluster cluster, Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("hello.txt"), "pinned by the TLS cluster " + System.nanoTime());
    CommandRun add = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + cluster.apiPort(1),
        "--basic-auth", ADMIN + ":" + ADMIN_PW, "--no-check-certificate", "add", file.toString());
    assertThat(add.code()).as(add.out() + add.err()).isZero();
    String line = add.lines().stream().filter(l -> l.startsWith("added ")).findFirst().orElseThrow();
    CommandRun without = CommandRun.of("ctl", "--host", "/ip4/127.0.0.1/tcp/" + cluster.apiPort(1),
        "--https", "--no-check-certificate", "id");
    assertThat(without.code()).isNotZero();
    assertThat(without.out()).contains("Code: 401").contains("--basic-auth USER:PASSWORD");
    return line.split(" ")[1];
  }

  private static List<String> peers(Https https, ProcessCluster cluster, int i) {
    try {
      var response = https.send(cluster.apiPort(i), "GET", "/peers", basic(ADMIN, ADMIN_PW), null);
      if (response.statusCode() != 200) {
        return List.of();
      }
      return response.body().lines().filter(l -> !l.isBlank())
          .map(l -> new JsonObject(l).getString("peername")).sorted().toList();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /** {@code ferry certs init} as a process of the fat jar, as an operator runs it. */
  private static void certsInit(Path out, String nodes) throws Exception {
    Process process = new ProcessBuilder(ProcessCluster.command("certs", "init", "--nodes", nodes, "--out", out.toString()))
        .redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isZero();
    for (String name : nodes.split(",")) {
      assertThat(out.resolve(name + ".key")).exists();
    }
  }

  /** The attacker's peers.json: the real three and itself. */
  private Path ownPeers(ProcessCluster cluster, List<Integer> ports) throws IOException {
    JsonObject peers = new JsonObject(Files.readString(cluster.peersFile()));
    JsonArray replicas = peers.getJsonArray("replicas");
    replicas.add(replicas.getJsonObject(replicas.size() - 1).copy().put("pid", replicas.size() + 1).put("name", "node4")
        .put("port", ports.get(0)).put("membership_port", ports.get(1)).put("api_port", ports.get(2))
        .put("proxy_port", ports.get(3)));
    return Files.writeString(dir.resolve("node4-peers.json"), peers.encodePrettily());
  }

  /** Whether a file under {@code root} holds {@code text}'s bytes. */
  private static boolean holds(Path root, String text) throws IOException {
    if (!Files.exists(root)) {
      return false;
    }
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(file), needle) >= 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * An unmodified ferry process ({@code command}: {@code node} or {@code chat}, which starts the
   * same node) on ports of its own, joining with the given peers.json and settings under a name of
   * its choosing. Stopped by its PID.
   */
  private record Rogue(Process process, Path dataDir, Path log, int membershipPort, int apiPort) implements AutoCloseable {
    /** @param ports its bus, membership, API and proxy ports */
    static Rogue start(ProcessCluster cluster, Path dir, String command, String name, Path peers, JsonObject settings,
        List<Integer> ports) throws IOException {
      Path config = Files.writeString(dir.resolve("rogue-" + name + ".json"), settings.encodePrettily());
      Path data = dir.resolve("rogue-" + name);
      Path log = cluster.log(1).resolveSibling("rogue-" + name + ".log");
      ProcessBuilder builder = new ProcessBuilder(ProcessCluster.command(command, "--config", config.toString(),
          "--peers", peers.toString(), "--name", name, "--data", data.toString(),
          "--set", "cluster.port=" + ports.get(0), "--set", "cluster.membership_port=" + ports.get(1),
          "--set", "api.port=" + ports.get(2), "--set", "proxy.port=" + ports.get(3)));
      builder.environment().remove("FERRY_PEERS");
      builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      return new Rogue(builder.start(), data, log, ports.get(1), ports.get(2));
    }

    /** How a node's log names its Hazelcast member address. */
    String membershipAddress() {
      return "[127.0.0.1]:" + membershipPort;
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A blocking HTTPS client that trusts the cluster CA only (the nodes' certificates name 127.0.0.1). */
  private static final class Https {
    private final HttpClient client;

    Https(Path ca) throws Exception {
      client = HttpClient.newBuilder().sslContext(context(ca)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static SSLContext context(Path ca) throws Exception {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(ca)) {
        trust.setCertificateEntry("ferry-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    }

    HttpResponse<String> send(int port, String method, String path, String authorization, String body) {
      var request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      try {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
