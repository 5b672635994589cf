package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.NodeScript;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard in headless Chromium (src/test/js/dashboard.test.mjs, playwright-core) against
 * three processes of the fat jar; the script kills node3 by its PID and watches it go down.
 * The screenshot is saved as target/dashboard.png.
 */
@Timeout(240)
class DashboardIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void theDashboardShowsThreeMembersAndThenTheKilledOneDown() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new IllegalStateException(CHROMIUM + " is missing: run bin/test (it installs Debian's chromium)");
    }
    Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    try (ProcessCluster cluster = TestCluster.processes(3)) {
      List<String> all = cluster.names(1, 2, 3);
      Eventually.await("node1 to list all three", Duration.ofSeconds(90), () -> cluster.peersSeenBy(1).equals(all));
      var result = NodeScript.run("src/test/js/dashboard.test.mjs", Map.of(
          "FERRY_DASHBOARD_URL", "http://127.0.0.1:" + cluster.apiPort(1) + "/ui/",
          "FERRY_KILL_PID", String.valueOf(cluster.process(3).pid()),
          "FERRY_SCREENSHOT", screenshot.toString(),
          "CHROMIUM", CHROMIUM.toString()), 180, line -> { });
      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains("pass 1").contains("fail 0");
      assertThat(screenshot).isNotEmptyFile();
    }
  }
}
