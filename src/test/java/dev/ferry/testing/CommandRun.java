package dev.ferry.testing;

import dev.ferry.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One run of the fat jar's command line in this JVM: its exit code and what it printed. */
public record CommandRun(int code, String out, String err) {
  /** Runs {@code ferry ARGS...} as {@code java -jar ferry.jar} would (no command: {@code node}). */
  public static CommandRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(Main.withDefaultCommand(args));
    return new CommandRun(code, out.toString(), err.toString());
  }

  /** What it printed on stdout, line by line. */
  public List<String> lines() {
    return out.lines().toList();
  }
}
