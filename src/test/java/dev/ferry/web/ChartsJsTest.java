package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.NodeScript;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives src/test/js/charts.test.mjs: the dashboard's webroot/charts.js alone, with a simulated clock
 * and three nodes whose sample timers are out of step. A cluster-wide sum (the stacked pins chart)
 * counts every node at its newest point; before, it counted only the nodes whose sample for the
 * newest slot had come, which DashboardIT met as a wait for the added pins that never ended.
 */
@Timeout(60)
class ChartsJsTest {
  @Test
  void clusterWideSeriesCountEveryNodeThoughTheirSamplesAreOutOfStep() throws Exception {
    var result = NodeScript.run("src/test/js/charts.test.mjs", Map.of(), 50, line -> { });
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("pass 4").contains("fail 0");
  }
}
