package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.core.Members;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Http;
import dev.ferry.testing.ProcessCluster;
import dev.ferry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Mailboxes where process death matters: node 1 runs in this JVM and watches nodes 2 and 3, which are processes. */
@Timeout(240)
class MailboxProcessIT {
  private static final Duration FORM = Duration.ofSeconds(90);
  private static final Duration NOTICE = Duration.ofSeconds(20);

  /** The first mailbox node {@code i} lists on {@code GET /mailboxes} (its registry's own). */
  private static String someMailboxOf(ProcessCluster cluster, int i) {
    JsonObject nodes = new JsonObject(Http.get(cluster.apiPort(i), "/mailboxes").body()).getJsonObject("nodes");
    return nodes.getJsonObject(cluster.name(i)).getJsonArray("mailboxes").getJsonObject(0).getString("address");
  }

  private static boolean sees(ProcessCluster cluster, int i) {
    return cluster.jvmNode(1).members().current().stream().map(Members.Member::name).anyMatch(cluster.name(i)::equals);
  }

  @Test
  void aMonitorFiresNodeDownWhenTheNodeIsKilledAndOldAddressesFailAfterARestart() {
    try (ProcessCluster cluster = TestCluster.mixed(1, 2)) {
      Eventually.await("node1 to see both processes and their mailboxes", FORM, () -> sees(cluster, 2) && sees(cluster, 3)
          && someMailboxOf(cluster, 2) != null && someMailboxOf(cluster, 3) != null);
      Mailboxes mailboxes = Mailboxes.of(cluster.jvmNode(1).vertx());
      Mailbox watcher = mailboxes.create().await();

      // kill -9 of node2: the monitor reports node-down
      Address onNode2 = mailboxes.address(someMailboxOf(cluster, 2));
      onNode2.monitor(watcher.address()).await();
      cluster.kill(2);
      Object down = watcher.receive(NOTICE).toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
      assertThat(down).isEqualTo(new MailboxDown(onNode2, MailboxDown.NODE_DOWN));

      // node3 restarts: an address of its earlier run fails at once with mailbox-gone
      Address onNode3 = mailboxes.address(someMailboxOf(cluster, 3));
      assertThat(onNode3.send("before restart").succeeded()).isTrue();
      cluster.stop(3);
      cluster.restart(3);
      Eventually.await("node1 to see node3's new run", FORM, () -> cluster.jvmNode(1).members().byName(cluster.name(3))
          .map(m -> !m.incarnation().equals(onNode3.incarnation())).orElse(false));
      var failure = onNode3.send("after restart");
      assertThat(failure.failed()).as("fails at once, without waiting").isTrue();
      assertThat(((FerryException) failure.cause()).code()).isEqualTo("mailbox-gone");
      assertThat(failure.cause().getMessage()).contains("earlier run of node " + cluster.name(3));
      watcher.close();
    } catch (CompletionException e) {
      throw new AssertionError("no MailboxDown arrived", e);
    }
  }
}
