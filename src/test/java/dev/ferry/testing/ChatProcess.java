package dev.ferry.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@code ferry chat} process of the fat jar, driven through its standard input: every line it
 * printed on standard output is kept, its standard error goes to a log file. Closing it kills it.
 *
 * <p>Thread-safe: a reader thread collects the output.
 */
public record ChatProcess(Process process, Writer in, List<String> out) implements AutoCloseable {
  /** Starts {@code ferry chat ARGS...}, its standard error in {@code log}. */
  public static ChatProcess start(Path log, String... args) throws IOException {
    List<String> chat = new ArrayList<>(List.of("chat"));
    chat.addAll(List.of(args));
    var builder = new ProcessBuilder(ProcessCluster.command(chat.toArray(String[]::new)));
    builder.redirectError(log.toFile());
    Process process = builder.start();
    List<String> out = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (var lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        lines.lines().forEach(out::add);
      } catch (IOException e) {
        // the process ended
      }
    }, "chat-out-" + log.getFileName());
    reader.setDaemon(true);
    reader.start();
    return new ChatProcess(process, new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), out);
  }

  /** Whether the node with this API port (plain HTTP, no users) lists {@code chatter} in its registry. */
  public static boolean registered(int apiPort, String chatter) {
    try {
      return Http.get(apiPort, "/registry").body().contains("\"" + chatter + "\"");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Types a line into the chat. */
  public void say(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
  }

  public boolean printed(String text) {
    return out.stream().anyMatch(l -> l.contains(text));
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }
}
