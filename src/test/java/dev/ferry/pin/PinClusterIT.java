package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsDaemon;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes of the fat jar, each with its own real js-ipfs daemon: pins that arrive
 * together (and so share Raft log entries) all end pinned on exactly their allocated nodes'
 * daemons, checked on the daemons themselves; after a kill -9 every acknowledged pin's
 * allocations are live nodes that pin it; a node restarted after its pins moved away unpins them.
 * The content of every CID is added (unpinned) to every daemon first, so a pin never waits for
 * the network and the test measures ferry's bookkeeping, not block exchange.
 */
@Timeout(900)
class PinClusterIT {
  private static final int TOGETHER = 1000;
  private static final int DURING_KILL = 300;
  private static final int IN_FLIGHT = 200;
  private static final int ATTEMPTS = 5;
  private static final Duration FORM = Duration.ofSeconds(120);
  private static final Duration SETTLE = Duration.ofSeconds(240);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir
  Path dir;

  private final IpfsDaemon[] daemons = new IpfsDaemon[4];

  @AfterEach
  void stopDaemons() {
    for (IpfsDaemon daemon : daemons) {
      if (daemon != null) {
        daemon.close();
      }
    }
  }

  @Test
  void everyAcknowledgedPinEndsOnExactlyItsAllocatedDaemonsThroughAKill() {
    List<IpfsDaemon> started = IpfsDaemon.startAll(List.of(dir.resolve("ipfs1"), dir.resolve("ipfs2"), dir.resolve("ipfs3")));
    for (int i = 1; i <= 3; i++) {
      daemons[i] = started.get(i - 1);
    }
    List<byte[]> contents = IntStream.range(0, TOGETHER + DURING_KILL)
        .mapToObj(n -> ("pin-cluster-it " + n + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8)).toList();
    List<String> cids = daemons[1].addUnpinned(contents);
    assertThat(daemons[2].addUnpinned(contents)).isEqualTo(cids);
    assertThat(daemons[3].addUnpinned(contents)).isEqualTo(cids);

    // a short grace before the killed node's pins move (pin.reallocate_after_ms): the test waits for them
    try (ProcessCluster cluster = TestCluster.processes(3, i -> new JsonObject()
        .put("ipfs", new JsonObject().put("api", daemons[i].api().toString()))
        .put("pin", new JsonObject().put("reallocate_after_ms", 1_000)))) {
      awaitPinsetWrites(cluster, cids.get(0));

      List<String> first = cids.subList(0, TOGETHER);
      Set<String> together = pinAll(cluster, first, null);
      assertThat(together).as("pins acknowledged of " + TOGETHER + " sent together").hasSize(TOGETHER);
      awaitDaemonsHoldTheirAllocations(cluster, first, together, 1, 2, 3);

      Set<String> acknowledged = new HashSet<>(together);
      Set<String> duringKill = pinAll(cluster, cids.subList(TOGETHER, TOGETHER + DURING_KILL), cluster);
      assertThat(duringKill.size()).as("pins acknowledged of " + DURING_KILL + " sent while node3 was killed")
          .isGreaterThan(DURING_KILL * 9 / 10);
      acknowledged.addAll(duringKill);
      assertThat(cluster.process(3).isAlive()).isFalse();
      awaitDaemonsHoldTheirAllocations(cluster, cids, acknowledged, 1, 2);

      cluster.restart(3);
      awaitDaemonsHoldTheirAllocations(cluster, cids, acknowledged, 1, 2, 3);
      assertThat(daemons[3].pins()).as("node3's daemon after its pins moved away").doesNotContainAnyElementsOf(cids);
    }
  }

  /**
   * Pins {@code cids}, {@link #IN_FLIGHT} requests at a time, spread over the nodes; with {@code killing}, node 3 is killed (kill -9) once a third of them are sent (with
   * requests in flight on every node), and later requests go to the survivors. The CIDs
   * acknowledged with 200.
   */
  private Set<String> pinAll(ProcessCluster cluster, List<String> cids, ProcessCluster killing) {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Map<String, Integer> refused = new ConcurrentHashMap<>();
    Semaphore slots = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (int n = 0; n < cids.size(); n++) {
      if (killing != null && n == cids.size() / 3) {
        killing.kill(3);
      }
      String cid = cids.get(n);
      slots.acquireUninterruptibly();
      sent.add(pin(cluster, cid, n, 1).whenComplete((ok, e) -> {
        slots.release();
        if (ok != null && ok) {
          acknowledged.add(cid);
        }
      }));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    System.out.println("PinClusterIT: " + acknowledged.size() + " of " + cids.size() + " pins acknowledged");
    return acknowledged;
  }

  /**
   * Pins {@code cid} with replication 2 through a running node, as a client would: a failure
   * (a node killed under the request, a leader election) is retried on the next node, up to
   * {@link #ATTEMPTS} tries in all. Whether a 200 came back.
   */
  private CompletableFuture<Boolean> pin(ProcessCluster cluster, String cid, int n, int attempt) {
    List<Integer> running = IntStream.rangeClosed(1, 3).filter(i -> cluster.process(i).isAlive()).boxed().toList();
    int node = running.get((n + attempt) % running.size());
    HttpRequest request = HttpRequest.newBuilder(api(cluster, node, "/pins/" + cid + "?replication=2"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle((response, e) -> response != null && response.statusCode() == 200)
        .thenCompose(ok -> ok || attempt == ATTEMPTS ? CompletableFuture.completedFuture(ok)
            : pin(cluster, cid, n, attempt + 1));
  }

  /**
   * Waits until, on each of {@code nodes}, the daemon pins exactly those of {@code sent} that the
   * pinset allocates to that node, every {@code acknowledged} pin is in the pinset, and no pin is
   * allocated to a node outside {@code nodes}. (A pin whose request failed may still have been
   * committed: if it is in the pinset, it must be pinned like any other.)
   */
  private void awaitDaemonsHoldTheirAllocations(ProcessCluster cluster, List<String> sent, Set<String> acknowledged,
      int... nodes) {
    Set<String> live = new HashSet<>();
    for (int i : nodes) {
      live.add(cluster.name(i));
    }
    String[] last = {""};
    try {
      Eventually.await("the daemons of " + live + " to hold exactly their allocations", SETTLE, () -> {
        Map<String, List<String>> allocations = allocations(cluster, nodes[0]);
        List<String> problems = new ArrayList<>();
        for (String cid : sent) {
          List<String> on = allocations.get(cid);
          if (on == null) {
            if (acknowledged.contains(cid)) {
              problems.add(cid + " was acknowledged but is not in the pinset");
            }
          } else if (on.size() != 2 || !live.containsAll(on)) {
            problems.add(cid + " is allocated to " + on);
          }
        }
        for (int i : nodes) {
          Set<String> pinned = daemons[i].pins();
          for (String cid : sent) {
            boolean wanted = allocations.getOrDefault(cid, List.of()).contains(cluster.name(i));
            if (wanted != pinned.contains(cid)) {
              problems.add(cid + (wanted ? " not pinned on " : " still pinned on ") + cluster.name(i));
            }
          }
        }
        last[0] = problems.size() + " problems, e.g. " + problems.stream().limit(5).toList();
        return problems.isEmpty();
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
  }

  /**
   * Every pin's allocations as node names, from node {@code i}'s {@code GET /allocations} (which
   * names nodes by peer ID, as IPFS Cluster does) and its {@code GET /peers} (peer ID to name).
   */
  private static Map<String, List<String>> allocations(ProcessCluster cluster, int i) {
    Map<String, String> names = new HashMap<>();
    Http.get(cluster.apiPort(i), "/peers").body().lines().filter(l -> !l.isBlank()).map(JsonObject::new)
        .filter(peer -> peer.getString("id") != null && peer.getString("peername") != null)
        .forEach(peer -> names.put(peer.getString("id"), peer.getString("peername")));
    HttpResponse<String> response = Http.get(cluster.apiPort(i), "/allocations");
    Map<String, List<String>> byCid = new HashMap<>();
    response.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(pin -> byCid.put(
        pin.getString("cid"), pin.getJsonArray("allocations").stream().map(String::valueOf)
            .map(id -> names.getOrDefault(id, id)).toList()));
    return byCid;
  }

  /** Until the pinset's Raft group takes writes: unpinning a CID nobody pinned answers 404, not 503. */
  private static void awaitPinsetWrites(ProcessCluster cluster, String cid) {
    Eventually.await("the pinset to take writes on every node", FORM, () -> {
      for (int i = 1; i <= 3; i++) {
        if (Http.send(HttpRequest.newBuilder(api(cluster, i, "/pins/" + cid)).DELETE()).statusCode() != 404) {
          return false;
        }
      }
      return true;
    });
  }

  private static URI api(ProcessCluster cluster, int i, String path) {
    return URI.create("http://127.0.0.1:" + cluster.apiPort(i) + path);
  }
}
