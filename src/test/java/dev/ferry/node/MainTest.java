package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The command line: help everywhere, the default command, clear errors for bad flags. */
class MainTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(Main.withDefaultCommand(args));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void everyCommandHasHelp() {
    assertThat(run("--help").out()).contains("node", "peers");
    assertThat(run("node", "--help").out()).contains("--config", "--peers", "--name", "--data", "--instances");
    assertThat(run("peers", "--help").out()).contains("ls", "show", "dump", "sync");
    assertThat(run("ctl", "--help").out()).contains("--host", "--enc", "id", "peers", "pin", "status", "recover", "add",
        "version");
    assertThat(run("ctl", "pin", "--help").out()).contains("add", "rm", "ls");
    assertThat(run("--version").out()).startsWith("ferry ");
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
    Run run = run("node", "--nmae", "a");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown option").contains("'--nmae'");
  }

  @Test
  void aBadInstancesValueIsAUsageError() {
    Run run = run("node", "--instances", "web=many");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--instances");
  }

  @Test
  void aBadSettingStopsTheNodeBeforeItStarts() {
    Run run = run("--set", "api.port=nope");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("ferry: --set api.port: expected an integer");
  }
}
