package dev.ferry.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import dev.ferry.peers.Peer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chat demo as two processes of the fat jar, driven through their standard input and output. */
@Timeout(240)
class ChatIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** A chat process: its stdin, and every line it printed. */
  private record Chatter(Process process, Writer in, List<String> out) implements AutoCloseable {
    void say(String line) throws IOException {
      in.write(line + "\n");
      in.flush();
    }

    boolean printed(String text) {
      return out.stream().anyMatch(l -> l.contains(text));
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Chatter start(Path peers, Path dir, Peer peer) throws IOException {
    var builder = new ProcessBuilder(ProcessCluster.command("chat", "--peers", peers.toString(), "--name", peer.name(),
        "--data", dir.resolve(peer.name()).toString()));
    builder.redirectError(dir.resolve(peer.name() + ".log").toFile());
    Process process = builder.start();
    List<String> out = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (var lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        lines.lines().forEach(out::add);
      } catch (IOException e) {
        // the process ended
      }
    }, "chat-out-" + peer.name());
    reader.setDaemon(true);
    reader.start();
    return new Chatter(process, new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), out);
  }

  private static boolean registered(Peer at, String name) {
    try {
      return Http.get(at.apiPort().orElseThrow(), "/registry").body().contains("\"" + name + "\"");
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Test
  void twoChattersTalkAndALoneOneIsToldSo(@TempDir Path dir) throws Exception {
    Path peersFile = dir.resolve("peers.json");
    List<Peer> peers = TestCluster.writePeers(peersFile, 2);
    try (Chatter alice = start(peersFile, dir, peers.get(0))) {
      Eventually.await("alice to join", START, () -> alice.printed("joined the chat as chatter_node1"));
      alice.say("anyone here?");
      Eventually.await("alice to hear that nobody else is here", WAIT, () -> alice.printed("nobody else is here"));

      try (Chatter bob = start(peersFile, dir, peers.get(1))) {
        Eventually.await("bob to join", START, () -> bob.printed("joined the chat as chatter_node2"));
        Eventually.await("alice's registry to know bob", WAIT, () -> registered(peers.get(0), "chatter_node2"));
        Eventually.await("bob's registry to know alice", WAIT, () -> registered(peers.get(1), "chatter_node1"));

        alice.say("hello bob");
        Eventually.await("bob to print alice's line", WAIT, () -> bob.printed("node1: hello bob"));
        bob.say("hi alice");
        Eventually.await("alice to print bob's line", WAIT, () -> alice.printed("node2: hi alice"));
        assertThat(alice.out()).noneMatch(l -> l.contains("node1: hello bob"));

        bob.in().close();
        assertThat(bob.process().waitFor(60, TimeUnit.SECONDS)).as("bob exits at the end of input").isTrue();
        assertThat(bob.process().exitValue()).isZero();
      }
    }
  }
}
