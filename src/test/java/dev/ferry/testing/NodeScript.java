package dev.ferry.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a JavaScript test file with Node's test runner ({@code node --test}) and the npm packages
 * that bin/test installs, failing loudly when Node or the packages are missing.
 */
public final class NodeScript {
  private NodeScript() {}

  /** The outcome: exit code and everything the script printed. */
  public record Result(int exitCode, String output) {}

  /**
   * Runs {@code script} (relative to the project) with {@code env}; each line it prints goes to
   * {@code onLine} as it comes (to coordinate with the script), and to the result.
   */
  public static Result run(String script, Map<String, String> env, long timeoutSeconds, Consumer<String> onLine)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(Path.of("node_modules", "@vertx", "eventbus-bridge-client.js"))) {
      throw new IllegalStateException("node_modules is missing the test packages: run bin/test (it runs npm ci) "
          + "or `npm ci` in the project directory");
    }
    ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", script);
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run `node`: install Node.js 20 (bin/test needs it)", e);
    }
    List<String> lines = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          synchronized (lines) {
            lines.add(line);
          }
          System.out.println("[" + script + "] " + line);
          onLine.accept(line);
        }
      } catch (IOException e) {
        // the script ended
      }
    }, "node-script");
    reader.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      reader.join(5000);
      throw new AssertionError(script + " did not finish within " + timeoutSeconds + " s:\n" + String.join("\n", lines));
    }
    reader.join(5000);
    synchronized (lines) {
      return new Result(process.exitValue(), String.join("\n", lines));
    }
  }
}
