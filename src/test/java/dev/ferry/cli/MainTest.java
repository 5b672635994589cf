package dev.ferry.cli;


import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.CommandRun;
import org.junit.jupiter.api.Test;

/** The command line: help everywhere, the default command, clear errors for bad flags. */
class MainTest {
  @Test
  void everyCommandHasHelp() {
    assertThat(CommandRun.of("--help").out()).contains("node", "peers");
    assertThat(CommandRun.of("node", "--help").out()).contains("--config", "--peers", "--name", "--data", "--instances");
    assertThat(CommandRun.of("peers", "--help").out()).contains("ls", "show", "dump", "sync");
    assertThat(CommandRun.of("ctl", "--help").out()).contains("--host", "--enc", "id", "peers", "pin", "status", "recover", "add",
        "version");
    assertThat(CommandRun.of("ctl", "pin", "--help").out()).contains("add", "rm", "ls");
    assertThat(CommandRun.of("--version").out()).startsWith("ferry ");
  }

  @Test
  void nodeIsTheDefaultCommand() {
    assertThat(Main.withDefaultCommand(new String[0])).containsExactly("node");
    assertThat(Main.withDefaultCommand(new String[] {"--name", "a"})).containsExactly("node", "--name", "a");
    assertThat(Main.withDefaultCommand(new String[] {"peers", "ls"})).containsExactly("peers", "ls");
    assertThat(Main.withDefaultCommand(new String[] {"--help"})).containsExactly("--help");
  }

  @Test
  void anUnknownFlagIsAUsageError() {
    CommandRun run = CommandRun.of("node", "--nmae", "a");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown option").contains("'--nmae'");
  }

  @Test
  void aBadInstancesValueIsAUsageError() {
    CommandRun run = CommandRun.of("node", "--instances", "web=many");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--instances");
  }

  @Test
  void aBadSettingStopsTheNodeBeforeItStarts() {
    CommandRun run = CommandRun.of("--set", "api.port=nope");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("ferry: --set api.port: expected an integer");
  }
}
