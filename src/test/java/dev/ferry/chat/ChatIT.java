package dev.ferry.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.ChatProcess;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import dev.ferry.peers.Peer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chat demo as two processes of the fat jar, driven through their standard input and output. */
@Timeout(240)
class ChatIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static ChatProcess start(Path peers, Path dir, Peer peer) throws IOException {
    return ChatProcess.start(dir.resolve(peer.name() + ".log"), "--peers", peers.toString(), "--name", peer.name(),
        "--data", dir.resolve(peer.name()).toString());
  }

  private static boolean registered(Peer at, String name) {
    return ChatProcess.registered(at.apiPort().orElseThrow(), name);
  }

  @Test
  void twoChattersTalkAndALoneOneIsToldSo(@TempDir Path dir) throws Exception {
    Path peersFile = dir.resolve("peers.json");
    List<Peer> peers = TestCluster.writePeers(peersFile, 2);
    try (ChatProcess alice = start(peersFile, dir, peers.get(0))) {
      Eventually.await("alice to join", START, () -> alice.printed("joined the chat as chatter_node1"));
      alice.say("anyone here?");
      Eventually.await("alice to hear that nobody else is here", WAIT, () -> alice.printed("nobody else is here"));

      try (ChatProcess bob = start(peersFile, dir, peers.get(1))) {
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
