package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.security.Passwords;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.NodeScript;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard in headless Chromium (src/test/js/dashboard.test.mjs, playwright-core) against
 * three processes of the fat jar, one cluster for every case: live members and charts seeded from
 * the nodes, pins in error alerted, a file dropped on the page (its upload slowed so the progress bar
 * moves), pin/unpin/recover, the keyboard's path through the page, phone width, login on node1
 * (whose API has an admin, who pins and unpins there, and a read user), a leader change marked, and
 * node3 killed by its PID and started again here when the script says {@value #RESTART}.
 * Screenshots of each state: target/dashboard-*.png.
 */
@Timeout(480)
class DashboardIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final String RESTART = "restart node3";
  /** The states the script leaves a screenshot of. */
  private static final List<String> STATES = List.of("charts", "alerts", "add", "pins", "keyboard", "phone", "login",
      "read", "admin", "down", "back");
  private static final String ADMIN = "alice:admin-password";
  private static final String READER = "bob:reader-password";
  /** Cheap hashes for a test: the iterations only slow each login down. */
  private static final int FEW_ITERATIONS = 1000;
  /** Pins of missing content fail soon, so the page lists them as alerts and can recover one. */
  private static final long PIN_TIMEOUT_MS = 3000;
  /** ... and stay failed: no automatic retry while the script compares the page with the API. */
  private static final long NO_RECOVERY_MS = 600_000;

  @Test
  void theDashboardWatchesAndDrivesTheCluster() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new IllegalStateException(CHROMIUM + " is missing: run bin/test (it installs Debian's chromium)");
    }
    Path shots = Path.of("target").toAbsolutePath();
    for (String state : STATES) {
      Files.deleteIfExists(shots.resolve("dashboard-" + state + ".png"));
    }
    try (ProcessCluster cluster = TestCluster.processes(3, DashboardIT::settings)) {
      List<String> all = cluster.names(1, 2, 3);
      Eventually.await("node2 to list all three", Duration.ofSeconds(90), () -> cluster.peersSeenBy(2).equals(all));
      var result = NodeScript.run("src/test/js/dashboard.test.mjs", Map.of(
          "FERRY_DASHBOARD_URL", "http://127.0.0.1:" + cluster.apiPort(2) + "/ui/",
          "FERRY_AUTH_URL", "http://127.0.0.1:" + cluster.apiPort(1) + "/ui/",
          "FERRY_ADMIN", ADMIN,
          "FERRY_READER", READER,
          "FERRY_KILL_PID", String.valueOf(cluster.process(3).pid()),
          "FERRY_SCREENSHOTS", shots.resolve("dashboard-").toString(),
          "CHROMIUM", CHROMIUM.toString()), 420, line -> {
            if (line.contains(RESTART)) {
              cluster.restart(3);
            }
          });
      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains("pass 7").contains("fail 0");
      for (String state : STATES) {
        assertThat(shots.resolve("dashboard-" + state + ".png")).isNotEmptyFile();
      }
    }
  }

  /**
   * Every node: pins of missing content fail soon, a silent node is alerted soon; node1's API has an
   * admin and a read user; node2's bridge may move a Raft leadership.
   */
  private static JsonObject settings(int node) {
    // pings every second, valid for 3: a killed node is alerted well within the 10 s
    JsonObject settings = new JsonObject().put("pin", new JsonObject().put("pin_timeout_ms", PIN_TIMEOUT_MS)
        .put("recover_interval_ms", NO_RECOVERY_MS)
        .put("monitor", new JsonObject().put("ping_interval_ms", 1000).put("ping_ttl_ms", 3000)));
    if (node == 2) {
      // the script moves a Raft group's leadership through node2's bridge, for a leader change to mark
      settings.put("bridge", new JsonObject().put("membership_changes", true));
    }
    if (node == 1) {
      settings.put("api", new JsonObject().put("users", new JsonObject()
          .put(ADMIN.split(":")[0], user(ADMIN, "admin"))
          .put(READER.split(":")[0], user(READER, "read"))));
    }
    return settings;
  }

  private static JsonObject user(String userPassword, String role) {
    return new JsonObject().put("password", Passwords.hash(userPassword.split(":", 2)[1], FEW_ITERATIONS))
        .put("role", role);
  }
}
