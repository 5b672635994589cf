package dev.ferry.security;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry users}: what goes into {@code api.users}. {@code hash} reads a password from stdin
 * (its first line) and prints its PBKDF2 hash, so passwords are never written into the config.
 * One instance per invocation.
 */
@Command(name = "users", mixinStandardHelpOptions = true,
    description = "Make entries for api.users (HTTP API users).",
    subcommands = {UsersCommand.Hash.class})
public final class UsersCommand {

  /** {@code users hash}: stdin's first line → a hash for {@code api.users.NAME.password}. */
  @Command(name = "hash", mixinStandardHelpOptions = true,
      description = "Read a password on stdin and print its hash for api.users.NAME.password.")
  static final class Hash implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + Passwords.DEFAULT_ITERATIONS,
        description = "PBKDF2 work factor (default: ${DEFAULT-VALUE}); each login costs this much")
    int iterations;

    @Override
    public Integer call() throws IOException {
      if (iterations < 1) {
        spec.commandLine().getErr().println("ferry users hash: --iterations must be at least 1");
        return 2;
      }
      String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (password == null || password.isEmpty()) {
        spec.commandLine().getErr().println("ferry users hash: no password on stdin; e.g. "
            + "'read -rs PW; printf %s \"$PW\" | ferry users hash'");
        return 1;
      }
      spec.commandLine().getOut().println(Passwords.hash(password, iterations));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
