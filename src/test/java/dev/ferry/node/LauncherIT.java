package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/ferry}, the README's first command, run as a user runs it (after {@code mvn package},
 * so it finds the jar up to date and does not build it): it runs the jar, with the JVM flags of
 * {@code FERRY_JVM_OPTIONS} when that is set.
 */
@Timeout(300)
class LauncherIT {
  /** {@code -Xmx123m} as the JVM reports it, in bytes. */
  private static final String HEAP_FLAG = "MaxHeapSize=" + 123L * 1024 * 1024;

  @Test
  void binFerryRunsTheJarWithTheJvmFlagsOfFerryJvmOptions() throws Exception {
    String output = run("-XX:+PrintCommandLineFlags -Xmx123m");
    assertThat(output).contains(HEAP_FLAG).containsPattern("(?m)^ferry \\S+$");
  }

  @Test
  void withoutFerryJvmOptionsTheJvmPicksItsOwn() throws Exception {
    String output = run(null);
    assertThat(output).containsPattern("(?m)^ferry \\S+$").doesNotContain(HEAP_FLAG);
  }

  /** The output of {@code bin/ferry --version} with {@code FERRY_JVM_OPTIONS} set to {@code options} (null: unset). */
  private static String run(String options) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bin/ferry", "--version").redirectErrorStream(true);
    builder.environment().remove("FERRY_JVM_OPTIONS");
    if (options != null) {
      builder.environment().put("FERRY_JVM_OPTIONS", options);
    }
    Process ferry = builder.start();
    String output = new String(ferry.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ferry.waitFor(240, TimeUnit.SECONDS)).as("bin/ferry --version to end").isTrue();
    assertThat(ferry.exitValue()).as("bin/ferry's exit status; it said:%n%s", output).isZero();
    return output;
  }
}
